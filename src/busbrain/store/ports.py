"""The store's interfaces: a write side (repositories) and a read side (queries).

Writers (importers, jobs) use repositories; the API uses queries only. Both are
Protocols so that tests and the embedded mode can plug any implementation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import polars as pl

from busbrain.access.records import AuditEntry, Session, User
from busbrain.domain.history import (
    PassengerLoadRecord,
    PositionRecord,
    PredictionRecord,
    StopEventRecord,
)
from busbrain.domain.network import (
    Agency,
    Block,
    Pattern,
    Route,
    ServiceCalendar,
    Shape,
    Stop,
    Trip,
    TripTimes,
)
from busbrain.domain.terminals import (
    Command,
    CommandKind,
    CommandStatus,
    RegisterResult,
    TerminalRecord,
)


@dataclass(frozen=True, slots=True)
class BBox:
    """A WGS-84 bounding box in degrees."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


@dataclass(frozen=True, slots=True)
class NetworkSummary:
    """What is in the store's network, for status pages and the CLI."""

    agencies: int
    routes: int
    stops: int
    patterns: int
    trips: int
    stop_times: int
    shapes: int
    bbox: BBox | None
    source: str | None
    imported_at: dt.datetime | None


class NetworkQueries(Protocol):
    """Read side of the network, for the API and the web pages."""

    def summary(self) -> NetworkSummary: ...

    def list_agencies(self) -> list[Agency]: ...

    def list_routes(self) -> list[Route]: ...

    def list_stops(self) -> list[Stop]: ...

    def list_patterns(self) -> list[Pattern]: ...

    def list_shapes(self) -> list[Shape]: ...

    def find_trip(self, trip_id: str) -> Trip | None: ...


# Told after each table is written: (table name, rows written).
OnTable = Callable[[str, int], None]


@dataclass(frozen=True)
class NetworkRows:
    """A whole network as rows of the store's tables (column names as in store.schema).

    The frames' columns are the store's; a missing optional column is written as NULL.
    This is what an importer hands to the store, and what an export reads back.
    """

    tables: dict[str, pl.DataFrame]

    def height(self, table: str) -> int:
        frame = self.tables.get(table)
        return 0 if frame is None else frame.height


@dataclass(frozen=True, slots=True)
class ImportRecord:
    source: str
    imported_at: dt.datetime
    skipped_rows: int
    warnings: int


class NetworkRepository(Protocol):
    """Write side of the network: replaces it whole, atomically."""

    def replace_network(
        self, rows: NetworkRows, record: ImportRecord, on_table: OnTable | None = None
    ) -> None:
        """Swap the stored network for `rows` in one transaction: all or nothing."""
        ...

    def read_network(self, *, without: frozenset[str] = frozenset()) -> NetworkRows:
        """Every network table (but those named in `without`) as frames, for export."""
        ...

    def iter_rows(self, table: str, chunk_rows: int = 200_000) -> Iterator[pl.DataFrame]:
        """A table's rows in key order, in frames of at most `chunk_rows` (for big tables)."""
        ...

    def filled_columns(self, table: str) -> set[str]:
        """The columns of `table` with a value in at least one row."""
        ...


class ScheduleQueries(Protocol):
    """Read side of the timetable: services and vehicle blocks on a day."""

    def list_services(self) -> list[ServiceCalendar]:
        """Every service, from calendar.txt and calendar_dates.txt alike."""
        ...

    def list_blocks(self, day: dt.date) -> list[Block]:
        """The blocks (路牌) running on service day `day`, each trip in time order."""
        ...

    def service_span(self, day: dt.date) -> tuple[int, int] | None:
        """The first departure and last arrival of `day`'s trips (seconds of GTFS time),
        None when nothing runs."""
        ...

    def trip_times_on(self, day: dt.date) -> list[TripTimes]:
        """Every trip running on service day `day` with its scheduled calls, by trip_id."""
        ...


@dataclass(frozen=True, slots=True)
class TerminalInfo:
    """What a terminal says of itself when it registers (0x0100)."""

    plate: str | None = None
    plate_colour: int | None = None
    maker: str | None = None
    model: str | None = None
    terminal_id: str | None = None


class TerminalRegistry(Protocol):
    """The terminals the platform knows: who may register and with which auth code."""

    def find_terminal(self, phone: str) -> TerminalRecord | None: ...

    def register(
        self,
        phone: str,
        info: TerminalInfo,
        *,
        auth_code: str,
        now: dt.datetime,
        open_registration: bool,
    ) -> RegisterResult:
        """Register `phone`, storing `auth_code` if the result is OK.

        A known terminal registers again with a new code (the old one stops working);
        an unknown one is refused with TERMINAL_NOT_IN_DATABASE unless registration is
        open, when it is added.
        """
        ...

    def authenticate(self, phone: str, auth_code: str) -> bool: ...

    def unregister(self, phone: str) -> None:
        """Forget the terminal's auth code: it must register again."""
        ...

    def upsert_terminals(self, records: list[TerminalRecord]) -> int:
        """Add or update terminals (by phone); returns how many were written."""
        ...

    def vehicle_ids(self) -> set[str]:
        """Every vehicle id the registry knows."""
        ...

    def phones_of(self, vehicle_ids: set[str]) -> dict[str, str]:
        """The terminal phone of each of `vehicle_ids` the registry knows (vehicle_id ->
        phone); a vehicle without a terminal is left out."""
        ...


class CommandOutbox(Protocol):
    """Commands queued for terminals; the gateway sends them and records the outcome."""

    def enqueue(
        self, phone: str, kind: CommandKind, payload: dict[str, object], now: dt.datetime
    ) -> int:
        """Queue a command; returns its id."""
        ...

    def enqueue_audited(
        self,
        commands: list[tuple[str, CommandKind, dict[str, object]]],
        now: dt.datetime,
        audit: Callable[[list[int]], AuditEntry],
    ) -> list[int]:
        """Queue (phone, kind, payload) commands and append `audit(their ids)` to the audit
        log in one transaction: no command leaves unrecorded, and no entry records a
        command that was not queued. Returns the ids in order."""
        ...

    def pending(self, phones: set[str] | None = None, limit: int = 100) -> list[Command]:
        """The oldest pending commands (for the given phones), oldest first."""
        ...

    def mark_sent(self, command_id: int, serial: int, now: dt.datetime) -> None: ...

    def finish(
        self, command_id: int, status: CommandStatus, now: dt.datetime, detail: str | None = None
    ) -> None:
        """Record a command's outcome (acked, failed, timed out, offline)."""
        ...

    def get(self, command_id: int) -> Command | None: ...

    def recent(self, kind: CommandKind, *, limit: int = 50) -> list[Command]:
        """The latest commands of `kind`, newest first, whatever their status."""
        ...


class RealtimeHistory(Protocol):
    """What the real-time processors keep, written in batches and trimmed by retention.

    Each `add_*` writes its whole batch in one transaction or, on any bad record (a
    naive time, a latitude out of range; see the records' `problem()`), refuses it with
    BadInputError before writing anything; a database failure raises StoreError, with
    nothing written. Writing a record again is harmless: each returns how many rows it
    added or changed, so re-writing a batch returns 0.
    """

    def add_stop_events(self, rows: list[StopEventRecord]) -> int:
        """Add stop events; one already stored (same key) is replaced by the new one."""
        ...

    def add_positions(self, rows: list[PositionRecord]) -> int:
        """Add positions; one already stored for (vehicle_id, ts_utc) is kept."""
        ...

    def add_predictions(self, rows: list[PredictionRecord]) -> int:
        """Add predictions; one already stored (same key) is kept."""
        ...

    def add_passenger_loads(self, rows: list[PassengerLoadRecord]) -> int:
        """Add the passenger counters' loads per stop visit; one already stored (same key
        as a stop event) is replaced by the new one."""
        ...

    def passenger_loads(
        self,
        service_date_from: dt.date,
        service_date_to: dt.date,
        route_ids: set[str] | None = None,
        recorded_since: dt.datetime | None = None,
    ) -> pl.DataFrame:
        """The passenger loads of service days `service_date_from` to `service_date_to`
        (both included), of the routes `route_ids` (all when None), in key order; with
        `recorded_since` (aware), only the rows written or replaced at or after it (a
        reader keeping the day in memory fetches what changed).

        Columns: service_date (Date), route_id and direction_id (from the current
        network's trip, null when it no longer has the trip, which a route filter then
        leaves out), trip_id, stop_sequence (Int64), stop_id, vehicle_id, boarded,
        alighted, onboard_after, capacity (Int64, people), recorded_utc (Datetime µs, UTC).
        """
        ...

    def stop_events(
        self,
        service_date_from: dt.date,
        service_date_to: dt.date,
        route_ids: set[str] | None = None,
        recorded_since: dt.datetime | None = None,
    ) -> pl.DataFrame:
        """The stop events of service days `service_date_from` to `service_date_to`
        (both included), of the routes `route_ids` (all when None), in key order; with
        `recorded_since` (aware), only the events written or replaced at or after it (a
        reader keeping the day in memory fetches what changed).

        Columns: service_date (Date), route_id and direction_id (from the current
        network's trip, null when the network no longer has the trip, which a route
        filter then leaves out), trip_id, stop_sequence (Int64), stop_id, vehicle_id, arrival_utc,
        departure_utc, recorded_utc (Datetime µs, UTC), stopped (Boolean).
        """
        ...

    def predictions(
        self,
        made_from_utc: dt.datetime,
        made_to_utc: dt.datetime,
        route_ids: set[str] | None = None,
    ) -> pl.DataFrame:
        """The predictions made from `made_from_utc` (included) to `made_to_utc` (excluded),
        aware times, of the routes `route_ids` (all when None), in key order.

        By the time made (predictions carry no service day; made_utc is indexed, and is
        what purge trims): a caller scoring a service day asks for that day's service
        hours. A naive bound is refused with BadInputError.

        Columns: route_id and direction_id (from the current network's trip, null when it
        no longer has the trip, which a route filter then leaves out), trip_id,
        stop_sequence (Int64), stop_id, vehicle_id, method, made_utc, predicted_utc
        (Datetime µs, UTC).
        """
        ...

    def prediction_error_counts(
        self,
        service_date: dt.date,
        made_from_utc: dt.datetime,
        made_to_utc: dt.datetime,
        bands: Sequence[tuple[str, float, float]],
        max_lead_s: float,
    ) -> pl.DataFrame:
        """The predictions made from `made_from_utc` (included) to `made_to_utc`
        (excluded) scored against service day `service_date`'s stop events, counted in
        the database (a day logs millions; the console needs only the counts).

        A prediction is matched to the stop event of its call (trip, stop_sequence,
        vehicle) arriving 0 to `max_lead_s` seconds after it was made, and falls in the
        first band (label, lo_s, hi_s) with lo_s ≤ predicted − made < hi_s (≤ for the
        last band); others are not counted. Columns: method, route_id (null when the
        network no longer has the trip), band, error_s (predicted − actual arrival,
        rounded to whole seconds, Int64), n (Int64). A naive bound is refused with
        BadInputError."""
        ...

    def purge(
        self,
        before_utc: dt.datetime,
        *,
        positions: bool = True,
        predictions: bool = True,
        stop_events: bool = False,
        passenger_loads: bool = False,
    ) -> dict[str, int]:
        """Delete history older than `before_utc` (aware): positions by ts_utc, predictions
        by made_utc, stop events (kept unless asked: they train the models) by
        departure_utc, passenger loads (kept unless asked) by recorded_utc. Returns the
        rows deleted per kind asked, keyed "positions", "predictions", "stop_events",
        "passenger_loads"."""
        ...


class UserStore(Protocol):
    """The dispatch console's accounts, their sessions, and the audit log.

    Every change to an account or a session is written in one transaction with its audit
    entry, so no change goes unrecorded and no entry records a change that did not
    happen. Times are aware datetimes (a naive one is refused with BadInputError); they
    come back in UTC. Usernames are taken as given: busbrain.access normalises them.
    """

    def add_user(self, user: User, *, audit: AuditEntry) -> bool:
        """Add the account; False, with nothing written, when the username is taken."""
        ...

    def find_user(self, username: str) -> User | None: ...

    def list_users(self) -> list[User]:
        """Every account, disabled ones too, by username."""
        ...

    def disable_user(self, username: str, *, audit: AuditEntry) -> bool:
        """Disable the account and end all its sessions; False when there is no such user."""
        ...

    def set_password(self, username: str, password_hash: str, *, audit: AuditEntry) -> bool:
        """Replace the account's password hash and end all its sessions (whoever knew the
        old password is out); False when there is no such user."""
        ...

    def rehash_password(self, username: str, old_hash: str, new_hash: str) -> None:
        """Store `new_hash` (the same password under new hashing parameters) if the stored
        hash is still `old_hash`; a password changed meanwhile is left alone. Not audited:
        nothing about the account changes."""
        ...

    def add_session(self, session: Session, *, audit: AuditEntry) -> None: ...

    def find_session(self, token_hash: str) -> tuple[Session, User] | None:
        """The session with this token hash and its user, expired or not (the caller
        decides with its own clock), or None."""
        ...

    def touch_session(self, token_hash: str, now: dt.datetime) -> None:
        """Record that the session was used at `now` (last seen)."""
        ...

    def end_session(self, token_hash: str, *, audit: AuditEntry) -> bool:
        """Delete the session (logout); False, with nothing recorded, when there was none."""
        ...

    def purge_sessions(self, now: dt.datetime) -> int:
        """Delete the sessions expired by `now`; returns how many."""
        ...

    def record(self, entry: AuditEntry) -> int:
        """Append an entry to the audit log; returns its audit_id."""
        ...

    def audit_log(self, *, limit: int = 100, before: int | None = None) -> list[AuditEntry]:
        """The newest `limit` entries, newest first, with audit_id below `before` if given
        (to page back: pass the last audit_id seen)."""
        ...


# 安全监管's alarm queue (appended here, rather than imported at the top, so that this
# module's other parts can change at the same time without conflicting edits).
from busbrain.oversight.safety import (  # noqa: E402
    Alarm,
    AlarmEnded,
    AlarmFile,
    AlarmStatus,
    Decision,
    NewAlarm,
    Severity,
)


class AlarmStore(Protocol):
    """The safety alarms the gateway raised, and the decisions taken on them.

    Alarms are written in batches by the alarm consumer; a raised alarm already stored
    (same `event_key`: the bus delivered its event again) is skipped. Each decision is
    written in one transaction with its audit entry. Times are aware (naive ones are
    refused with BadInputError) and come back in UTC.
    """

    def add_events(self, raised: list[NewAlarm], ended: list[AlarmEnded]) -> tuple[int, int]:
        """Store `raised` (those not stored yet), then mark the alarms `ended` names as
        cleared, in one transaction; returns (alarms added, alarms cleared)."""
        ...

    def alarms(
        self,
        *,
        statuses: frozenset[AlarmStatus] | None = None,
        severity: Severity | None = None,
        limit: int = 100,
    ) -> list[Alarm]:
        """The queue: alarms in `statuses` (all when None) of `severity` (all when None),
        most severe first, then newest first."""
        ...

    def alarm(self, alarm_pk: int) -> Alarm | None: ...

    def add_files(self, files: list[AlarmFile]) -> int:
        """Store uploaded attachments, replacing the row of the same phone, alarm id and
        file name (a re-sent file completes an incomplete one); returns rows written."""
        ...

    def files(self, phone: str, alarm_id: str) -> list[AlarmFile]:
        """The attachments of the terminal's alarm `alarm_id`, by file name."""
        ...

    def decide(self, alarm_pk: int, decision: Decision, *, audit: AuditEntry) -> Alarm | None:
        """Apply `decision` and append `audit`, all or nothing; the alarm as it is now, or
        None when there is no such alarm. A decision that does not apply to the alarm's
        status raises AlarmTransitionError with nothing written."""
        ...

    def alarms_between(self, start_utc: dt.datetime, end_utc: dt.datetime) -> list[Alarm]:
        """Every alarm raised in [start_utc, end_utc), oldest first (for the weekly
        behaviour scores)."""
        ...

    def positions(
        self, start_utc: dt.datetime, end_utc: dt.datetime, vehicle_ids: set[str] | None = None
    ) -> pl.DataFrame:
        """The stored positions with ts_utc in [start_utc, end_utc) (of `vehicle_ids`, all
        when None), with the route of each position's trip: columns vehicle_id, ts_utc
        (Datetime µs, UTC), lat, lon, speed_kmh, route_id (null without a known trip)."""
        ...


class FareTapReader(Protocol):
    """The stored fare taps, read-only (数据分析 counts riders; 设备监管 checks that card
    readers record taps)."""

    def taps(self, service_date_from: dt.date, service_date_to: dt.date) -> pl.DataFrame:
        """The taps of service days `service_date_from` to `service_date_to` (both
        included): columns of `planning.fares.intake.TAP_SCHEMA`, among them vehicle_id
        and tap_utc (Datetime µs, UTC)."""
        ...


# 调度指挥's trip changes (appended here, like the alarm queue above, so that this module's
# other parts can change at the same time without conflicting edits).
from busbrain.domain.tripchanges import TripChange  # noqa: E402


class TripChanges(Protocol):
    """The dispatchers' trip changes (cancel, short-turn, extra trip, hold, swap), per
    service day. Each change and each revocation is written in one transaction with its
    audit entry; a change contradicting the day's active ones raises TripChangeConflict
    (domain.tripchanges) and a malformed one BadInputError, with nothing written."""

    def add(self, change: TripChange, *, audit: AuditEntry) -> TripChange:
        """Store `change` and append `audit` (its detail gains the new `change_id`);
        returns the change as stored, with its change_id."""
        ...

    def changes_on(self, day: dt.date, *, include_revoked: bool = False) -> list[TripChange]:
        """The changes for service day `day`, oldest first (active ones only unless
        `include_revoked`)."""
        ...

    def change(self, change_id: int) -> TripChange | None: ...

    def revoke(
        self, change_id: int, by: str, at_utc: dt.datetime, *, audit: AuditEntry
    ) -> TripChange | None:
        """Mark the change revoked by `by` at `at_utc` and append `audit`; None for an
        unknown change, TripChangeConflict when it is already revoked."""
        ...


# 驾驶员考勤's driver shifts (appended here, like the queues above, so that this module's
# other parts can change at the same time without conflicting edits).
from busbrain.oversight.drivers import DriverShift, SignIn, SignOut  # noqa: E402


class DriverShifts(Protocol):
    """Who drove which bus when, from the drivers' IC card sign-ins and sign-outs (JT/T
    808 0x0702), written by the driver consumer. Writes are idempotent (the bus may
    deliver an event twice) and return whether they changed anything. Times are aware
    (naive ones are refused with BadInputError) and come back in UTC. `driver_id` is the
    qualification certificate number; `driver_name` is personal data, for the console."""

    def add_sign_in(self, sign_in: SignIn) -> bool:
        """Open a shift; the vehicle's shift still open before it ends there."""
        ...

    def add_sign_out(self, sign_out: SignOut) -> bool:
        """Close the vehicle's shift that `sign_out` falls in (False when there is none,
        or it is already closed by then)."""
        ...

    def shifts(self, day_from: dt.date, day_to: dt.date) -> list[DriverShift]:
        """The shifts overlapping days `day_from`..`day_to` (both included) in any time
        zone (see `oversight.drivers.day_window`), by vehicle then sign-in."""
        ...

    def driver_at(self, vehicle_id: str, t: dt.datetime) -> DriverShift | None:
        """The shift of `vehicle_id` covering instant `t` (the latest signed in, should a
        lost sign-out leave two open)."""
        ...
