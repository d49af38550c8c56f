"""调度指挥's trip changes as data: what a dispatcher changed about today's service.

A `TripChange` is one instruction, kept in the store (with its audit entry) and applied
by everything that shows service to riders or matches buses to trips:

- `cancel` (取消班次): the trip does not run;
- `short_turn` (区间车): the trip serves only its stops with stop_sequence
  `from_stop_sequence`..`to_stop_sequence` (both included), the others are skipped;
- `extra` (加班车): a copy of scheduled trip `trip_id` starting at `start_time_s`
  (seconds after the service day's start), named `new_trip_id` (`<trip>+xHHMM`), run by
  `vehicle_id` when one is named;
- `hold` (滞站): bus `vehicle_id` waits at stop `stop_id` until `until_utc`;
- `swap` (换车): bus `to_vehicle_id` takes over bus `vehicle_id`'s block (`block_id`,
  路牌) from now.

A change belongs to one service day and stays in force until revoked (撤销), which the
store records rather than deletes. `conflict` says whether a new change contradicts the
day's active ones (a trip cancelled twice, a cancelled trip short-turned); `DayChanges`
is the day's active changes indexed for the readers (feeds, boards, the strip, the live
processor). Pure values: no clock, no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from busbrain.domain.gtfstime import format_time_s


class ChangeKind(StrEnum):
    CANCEL = "cancel"  # 取消
    SHORT_TURN = "short_turn"  # 区间车
    EXTRA = "extra"  # 加班车
    HOLD = "hold"  # 滞站
    SWAP = "swap"  # 换车


KIND_NAMES_ZH: dict[ChangeKind, str] = {
    ChangeKind.CANCEL: "取消",
    ChangeKind.SHORT_TURN: "区间车",
    ChangeKind.EXTRA: "加班车",
    ChangeKind.HOLD: "滞站",
    ChangeKind.SWAP: "换车",
}

MAX_NOTE_CHARS = 200


class TripChangeConflict(ValueError):
    """A change that contradicts the day's active changes (the API answers 409)."""


@dataclass(frozen=True, slots=True)
class TripChange:
    """One dispatcher's instruction for one service day (see the module's docstring for
    which fields each kind uses). `at_utc` is when it was given (aware); `change_id`,
    `revoked_by` and `revoked_utc` are set by the store."""

    kind: ChangeKind
    service_date: dt.date
    by: str
    at_utc: dt.datetime
    trip_id: str | None = None
    vehicle_id: str | None = None
    from_stop_sequence: int | None = None
    to_stop_sequence: int | None = None
    start_time_s: int | None = None
    """extra: the copy's start, seconds after the service day's start."""
    new_trip_id: str | None = None
    stop_id: str | None = None
    until_utc: dt.datetime | None = None
    to_vehicle_id: str | None = None
    block_id: str | None = None
    note: str = ""
    change_id: int | None = None
    revoked_by: str | None = None
    revoked_utc: dt.datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_utc is None

    def target(self) -> str:
        """What the change is about, for the audit log: the trip, or the bus."""
        if self.kind in (ChangeKind.HOLD, ChangeKind.SWAP):
            return f"vehicle/{self.vehicle_id}"
        if self.kind is ChangeKind.EXTRA:
            return f"trip/{self.new_trip_id}"
        return f"trip/{self.trip_id}"


def extra_trip_id(trip_id: str, start_time_s: int) -> str:
    """The id of an extra copy of `trip_id` starting at `start_time_s`: `<trip>+xHHMM`
    (`O3+x0930`), new to the timetable so feeds and boards can tell it apart."""
    return f"{trip_id}+x{format_time_s(start_time_s)[:5].replace(':', '')}"


def check(change: TripChange) -> None:
    """Refuse a change that is malformed whatever else holds (ValueError naming the
    parameter): each kind's required fields, a forward short-turn range, a short note."""
    k = change.kind
    if len(change.note) > MAX_NOTE_CHARS:
        raise ValueError(f"note: at most {MAX_NOTE_CHARS} characters")
    if k in (ChangeKind.CANCEL, ChangeKind.SHORT_TURN, ChangeKind.EXTRA) and not change.trip_id:
        raise ValueError("trip_id: required")
    if k is ChangeKind.SHORT_TURN:
        a, b = change.from_stop_sequence, change.to_stop_sequence
        if a is None or b is None:
            raise ValueError("from_stop_sequence, to_stop_sequence: required")
        if a < 0 or b <= a:
            raise ValueError("to_stop_sequence: must be after from_stop_sequence")
    if k is ChangeKind.EXTRA:
        if change.start_time_s is None or change.start_time_s < 0:
            raise ValueError("start_time: required")
        if not change.new_trip_id:
            raise ValueError("new_trip_id: required")
    if k is ChangeKind.HOLD and (
        not change.vehicle_id or not change.stop_id or change.until_utc is None
    ):
        raise ValueError("vehicle_id, stop_id, until: required")
    if k is ChangeKind.SWAP:
        if not change.vehicle_id or not change.to_vehicle_id:
            raise ValueError("vehicle_id, to_vehicle_id: required")
        if change.vehicle_id == change.to_vehicle_id:
            raise ValueError("to_vehicle_id: must be another bus")


def conflict(change: TripChange, active: Iterable[TripChange]) -> str | None:
    """Why `change` contradicts the day's `active` changes, or None when it does not.

    A trip carries at most one cancel or short-turn (cancel a short-turned trip: revoke
    the short-turn first, so the record says what was meant); an extra trip's id is new;
    a bus is held at one place at a time; a bus hands its block over once, and a bus
    that took one over does not take a second."""
    same_day = [c for c in active if c.active and c.service_date == change.service_date]
    k = change.kind
    if k in (ChangeKind.CANCEL, ChangeKind.SHORT_TURN):
        for c in same_day:
            if c.trip_id == change.trip_id and c.kind in (ChangeKind.CANCEL, ChangeKind.SHORT_TURN):
                what = "cancelled" if c.kind is ChangeKind.CANCEL else "short-turned"
                return f"trip {change.trip_id} is already {what} (change {c.change_id})"
    if k is ChangeKind.EXTRA:
        for c in same_day:
            if c.kind is ChangeKind.EXTRA and c.new_trip_id == change.new_trip_id:
                return f"extra trip {change.new_trip_id} exists (change {c.change_id})"
    if k is ChangeKind.HOLD:
        for c in same_day:
            if c.kind is ChangeKind.HOLD and c.vehicle_id == change.vehicle_id:
                return f"bus {change.vehicle_id} is already held (change {c.change_id})"
    if k is ChangeKind.SWAP:
        for c in same_day:
            if c.kind is not ChangeKind.SWAP:
                continue
            if c.vehicle_id == change.vehicle_id:
                return f"bus {change.vehicle_id} already handed over (change {c.change_id})"
            if c.to_vehicle_id == change.to_vehicle_id:
                return f"bus {change.to_vehicle_id} already took over (change {c.change_id})"
    return None


@dataclass(frozen=True, slots=True)
class DayChanges:
    """A service day's active changes, indexed for the readers. `version` increases with
    every change the app has seen (readers cache on it)."""

    day: dt.date | None = None
    version: int = 0
    changes: tuple[TripChange, ...] = ()
    cancelled: dict[str, TripChange] = field(default_factory=dict)
    short_turns: dict[str, TripChange] = field(default_factory=dict)
    extras: dict[str, TripChange] = field(default_factory=dict)
    """new_trip_id -> the extra."""
    holds: dict[str, TripChange] = field(default_factory=dict)
    """vehicle -> its hold."""
    swaps: dict[str, TripChange] = field(default_factory=dict)
    """vehicle handing over -> the swap."""

    @classmethod
    def of(cls, day: dt.date, changes: Iterable[TripChange], version: int = 0) -> DayChanges:
        kept = tuple(c for c in changes if c.active and c.service_date == day)
        by: dict[ChangeKind, dict[str, TripChange]] = {k: {} for k in ChangeKind}
        for c in kept:
            key = {
                ChangeKind.CANCEL: c.trip_id,
                ChangeKind.SHORT_TURN: c.trip_id,
                ChangeKind.EXTRA: c.new_trip_id,
                ChangeKind.HOLD: c.vehicle_id,
                ChangeKind.SWAP: c.vehicle_id,
            }[c.kind]
            if key:
                by[c.kind][key] = c
        return cls(
            day,
            version,
            kept,
            by[ChangeKind.CANCEL],
            by[ChangeKind.SHORT_TURN],
            by[ChangeKind.EXTRA],
            by[ChangeKind.HOLD],
            by[ChangeKind.SWAP],
        )

    def serves(self, trip_id: str, stop_sequence: int) -> bool:
        """Does `trip_id` still call at its stop `stop_sequence` (not cancelled, and
        inside its short-turn range if it has one)?"""
        if trip_id in self.cancelled:
            return False
        st = self.short_turns.get(trip_id)
        if st is None or st.from_stop_sequence is None or st.to_stop_sequence is None:
            return True
        return st.from_stop_sequence <= stop_sequence <= st.to_stop_sequence

    def flag_of(self, trip_id: str | None) -> str | None:
        """The change a trip is under, as a word for the strip: cancel, short_turn,
        extra, or None."""
        if not trip_id:
            return None
        if trip_id in self.cancelled:
            return ChangeKind.CANCEL.value
        if trip_id in self.short_turns:
            return ChangeKind.SHORT_TURN.value
        if trip_id in self.extras:
            return ChangeKind.EXTRA.value
        return None
