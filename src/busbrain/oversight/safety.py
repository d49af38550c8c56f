"""安全监管 (safety): the alarm queue's rules and driving behaviour from positions.

Values in, values out; no I/O and no clock reads (the store and the API pass times in).

- **Severity** of an alarm (`severity_of`): 苏标 ADAS/DMS alarms carry a level (1 or 2);
  level 2 is high, level 1 medium. JT/T 808 alarm bits have none, so the bit decides:
  SOS, collision, rollover, danger, theft and the like are high; overspeed, fatigue and
  route alarms medium; device faults and pre-warnings low.
- **Status** of an alarm in the queue (`next_status`): open → acknowledged (确认) →
  assigned (指派) → resolved (处理, with a note). Assigning may skip acknowledging and may
  hand an alarm on to someone else; anything not resolved can be resolved; a resolved
  alarm is final. A terminal clearing its alarm (flag fell, 苏标 "end") sets
  `cleared_utc` but not the status: someone still has to look at it.
- **Speeding** (`speeding_episodes`): a bus above the speed limit where it is, for at
  least `min_s` seconds of consecutive positions. The limit is `SpeedLimits`: a default
  (60 km/h, the usual urban limit for buses), a per-route override, and speed zones
  (a road segment or a school area as a box) whose lower limit wins where they apply.
- **Harsh braking and acceleration** (`harsh_events`): the change of reported speed
  between consecutive positions at most `max_gap_s` apart, beyond 3.0 m/s² of braking
  (about 0.3 g) or 2.5 m/s² of acceleration (a loaded city bus pulls away at about
  1 m/s²). Positions 10 s apart smooth a brake into a gentler slope, so this finds the
  harsh braking that terminals report densely (many send a point a second around one).
- **Behaviour score per vehicle and week** (`behaviour_scores`), and **per driver and
  week** when drivers sign in with their IC cards (`driver_behaviour_scores`): each
  kilometre, driving event and alarm goes to the driver signed in on the vehicle at its
  time (busbrain.oversight.drivers); what happened with nobody signed in stays with the
  vehicle (a row without a driver). See `behaviour_scores` for the formula.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any, Final

import polars as pl

from busbrain.domain.errors import BusbrainError
from busbrain.oversight.drivers import DriverShift, ShiftIndex

# ---- the alarm queue -------------------------------------------------------------------


class Severity(IntEnum):
    """How urgent an alarm is; larger is more urgent (the queue sorts on it)."""

    LOW = 1  # 提示
    MEDIUM = 2  # 一般
    HIGH = 3  # 严重


class AlarmStatus(StrEnum):
    OPEN = "open"  # 待确认
    ACKNOWLEDGED = "acknowledged"  # 已确认
    ASSIGNED = "assigned"  # 已指派
    RESOLVED = "resolved"  # 已处理


class AlarmAction(StrEnum):
    """What a safety officer does to an alarm; the value is also the audit log's action."""

    ACKNOWLEDGE = "alarm_acknowledged"
    ASSIGN = "alarm_assigned"
    RESOLVE = "alarm_resolved"


ACTIVE_STATUSES: Final = frozenset(
    {AlarmStatus.OPEN, AlarmStatus.ACKNOWLEDGED, AlarmStatus.ASSIGNED}
)

HIGH_KINDS: Final = frozenset(
    {
        "emergency",
        "danger_warning",
        "collision_warning",
        "rollover_warning",
        "vehicle_stolen",
        "illegal_ignition",
        "illegal_displacement",
        "illegal_door_opening",
    }
)
MEDIUM_KINDS: Final = frozenset(
    {
        "overspeed",
        "fatigue_driving",
        "daily_driving_time_exceeded",
        "illegal_driving",
        "route_deviation",
        "route_in_out",
        "area_in_out",
        "segment_driving_time",
        "right_turn_blind_zone",
        "overtime_parking",
    }
)


def severity_of(kind: str, level: int | None) -> Severity:
    """The severity of an alarm of `kind` (the gateway's dotted code) reported at `level`
    (苏标 1 or 2, None for JT/T 808 bits)."""
    if level is not None:
        return Severity.HIGH if level >= 2 else Severity.MEDIUM
    if kind in HIGH_KINDS:
        return Severity.HIGH
    if kind in MEDIUM_KINDS or kind.startswith(("adas.", "dms.")):
        return Severity.MEDIUM
    return Severity.LOW


class AlarmTransitionError(BusbrainError):
    """The decision does not apply to the alarm in its present status."""


def next_status(current: AlarmStatus, action: AlarmAction) -> AlarmStatus:
    """The status after `action`, or AlarmTransitionError saying why not."""
    if current is AlarmStatus.RESOLVED:
        raise AlarmTransitionError("the alarm is resolved already: nothing more can be done")
    if action is AlarmAction.ACKNOWLEDGE:
        if current is not AlarmStatus.OPEN:
            raise AlarmTransitionError(f"the alarm is {current.value} already")
        return AlarmStatus.ACKNOWLEDGED
    if action is AlarmAction.ASSIGN:
        return AlarmStatus.ASSIGNED
    return AlarmStatus.RESOLVED


@dataclass(frozen=True, slots=True)
class NewAlarm:
    """An alarm as the gateway raised it (an `AlarmRaised` event), to be stored once:
    `event_key` is the event's id, so a redelivered event is not a second alarm."""

    event_key: str
    phone: str
    vehicle_id: str | None
    kind: str
    level: int | None
    raised_utc: dt.datetime
    lat: float | None = None
    lon: float | None = None
    alarm_id: str | None = None
    """The terminal's own alarm id (苏标), which its attachments (0x1210) refer to."""
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def severity(self) -> Severity:
        return severity_of(self.kind, self.level)


@dataclass(frozen=True, slots=True)
class AlarmEnded:
    """A terminal ended an alarm (an `AlarmCleared` event): the latest uncleared alarm of
    this phone and kind (and terminal alarm id, when given) raised at or before
    `cleared_utc` is marked cleared."""

    phone: str
    kind: str
    cleared_utc: dt.datetime
    alarm_id: str | None = None


@dataclass(frozen=True, slots=True)
class AlarmFile:
    """A file a terminal uploaded for its alarm (`phone`, `alarm_id`: the terminal's 苏标
    alarm id). `path` is relative to the gateway's attachments folder; `complete` False
    while bytes are missing. `file_type`: 0 image, 1 audio, 2 video, 3 text, 4 other."""

    phone: str
    alarm_id: str
    file_name: str
    file_type: int
    size_bytes: int
    path: str
    complete: bool
    received_utc: dt.datetime


@dataclass(frozen=True, slots=True)
class Alarm:
    """An alarm in the queue. `alarm_pk` is the store's id (the API's); `alarm_id` the
    terminal's. `decided_by`/`decided_utc` name the last decision; `note` the resolution's."""

    alarm_pk: int
    event_key: str
    phone: str
    vehicle_id: str | None
    kind: str
    level: int | None
    severity: Severity
    raised_utc: dt.datetime
    cleared_utc: dt.datetime | None
    lat: float | None
    lon: float | None
    alarm_id: str | None
    details: Mapping[str, Any]
    status: AlarmStatus
    assignee: str | None
    decided_by: str | None
    decided_utc: dt.datetime | None
    note: str | None


@dataclass(frozen=True, slots=True)
class Decision:
    """A safety officer's decision on one alarm: who (`by`), when (`at_utc`), and for an
    assignment the user assigned, for a resolution the note."""

    action: AlarmAction
    by: str
    at_utc: dt.datetime
    assignee: str | None = None
    note: str | None = None


# ---- rules from positions --------------------------------------------------------------

DEFAULT_LIMIT_KMH: Final = 60.0
"""The urban speed limit for buses where nothing narrower is set (km/h)."""
HARSH_BRAKING_MS2: Final = 3.0
"""Deceleration, m/s², at or above which braking is harsh (about 0.3 g)."""
HARSH_ACCELERATION_MS2: Final = 2.5
"""Acceleration, m/s², at or above which pulling away is harsh."""

POSITION_COLUMNS: Final = ("vehicle_id", "ts_utc", "lat", "lon", "speed_kmh", "route_id")
"""What the rules read: one row per position; `speed_kmh` may be null (the row is then
skipped), `route_id` may be null (the default and the zones apply)."""


@dataclass(frozen=True, slots=True)
class SpeedZone:
    """A stretch of road (or an area, such as around a school) with its own limit: a box
    in WGS-84 degrees and the limit in km/h."""

    name: str
    min_lat: float
    min_lon: float
    max_lat: float
    max_lon: float
    limit_kmh: float


@dataclass(frozen=True, slots=True)
class SpeedLimits:
    """The limit where a bus is: the lowest of the route's limit (`by_route`, else
    `default_kmh`) and every zone containing the position."""

    default_kmh: float = DEFAULT_LIMIT_KMH
    by_route: Mapping[str, float] = field(default_factory=dict)
    zones: tuple[SpeedZone, ...] = ()

    def limit_expr(self) -> pl.Expr:
        """The limit of each row of a positions frame, km/h."""
        limit = pl.col("route_id").replace_strict(
            dict(self.by_route), default=self.default_kmh, return_dtype=pl.Float64
        )
        for z in self.zones:
            inside = pl.col("lat").is_between(z.min_lat, z.max_lat) & pl.col("lon").is_between(
                z.min_lon, z.max_lon
            )
            limit = (
                pl.when(inside).then(pl.min_horizontal(limit, pl.lit(z.limit_kmh))).otherwise(limit)
            )
        return limit


SPEED_LIMIT_COLUMNS = (
    "scope",
    "name",
    "route_id",
    "min_lat",
    "min_lon",
    "max_lat",
    "max_lon",
    "limit_kmh",
)
"""The speed-limit table (CSV, UTF-8, header row): `scope` is "default" (limit_kmh only),
"route" (route_id and limit_kmh) or "zone" (name, the box in WGS-84 degrees, limit_kmh)."""


def parse_speed_limits(text: str, source: str = "speed limits") -> SpeedLimits:
    """The limits in a speed-limit table; ValueError naming the line and the field for a
    bad row (the whole table is refused: half a table would judge drivers wrongly)."""
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    default, by_route, zones = DEFAULT_LIMIT_KMH, {}, []

    def number(row: dict[str, str], name: str, line: int, lo: float, hi: float) -> float:
        raw = (row.get(name) or "").strip()
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"{source} line {line}: {name} {raw!r} is not a number") from None
        if not lo <= value <= hi:
            raise ValueError(f"{source} line {line}: {name} {value} is outside {lo}..{hi}")
        return value

    for line, row in enumerate(rows, start=2):
        scope = (row.get("scope") or "").strip()
        limit = number(row, "limit_kmh", line, 5.0, 130.0)
        if scope == "default":
            default = limit
        elif scope == "route":
            route_id = (row.get("route_id") or "").strip()
            if not route_id:
                raise ValueError(f"{source} line {line}: a route limit needs route_id")
            by_route[route_id] = limit
        elif scope == "zone":
            box = [
                number(row, n, line, -180.0, 180.0)
                for n in ("min_lat", "min_lon", "max_lat", "max_lon")
            ]
            if box[0] > box[2] or box[1] > box[3]:
                raise ValueError(f"{source} line {line}: the zone's min corner is past its max")
            name = (row.get("name") or "").strip() or f"zone {line}"
            zones.append(SpeedZone(name, box[0], box[1], box[2], box[3], limit))
        else:
            raise ValueError(f"{source} line {line}: scope {scope!r} is not default, route or zone")
    return SpeedLimits(default, by_route, tuple(zones))


@dataclass(frozen=True, slots=True)
class DrivingEvent:
    """A speeding episode or a harsh braking or acceleration, from positions.

    `kind` is "speeding", "harsh_braking" or "harsh_acceleration"; `start_utc`..`end_utc`
    the positions it spans; `peak` the top speed (km/h) for speeding, the strongest
    deceleration or acceleration (m/s², positive) otherwise; `limit_kmh` the limit broken
    (speeding only)."""

    vehicle_id: str
    kind: str
    start_utc: dt.datetime
    end_utc: dt.datetime
    peak: float
    lat: float
    lon: float
    limit_kmh: float | None = None


def _sorted_positions(positions: pl.DataFrame) -> pl.DataFrame:
    missing = [c for c in POSITION_COLUMNS if c not in positions.columns]
    if missing:
        raise ValueError(f"positions lack column(s): {', '.join(missing)}")
    return (
        positions.select(POSITION_COLUMNS)
        .filter(pl.col("speed_kmh").is_not_null())
        .sort("vehicle_id", "ts_utc")
        .with_columns(
            gap_s=(pl.col("ts_utc").diff().dt.total_microseconds() / 1e6).over("vehicle_id")
        )
    )


def _runs(frame: pl.DataFrame, flag: pl.Expr, max_gap_s: float) -> pl.DataFrame:
    """The rows where `flag` holds, numbered by run: a run is consecutive flagged rows of
    one vehicle with no gap above `max_gap_s` between them."""
    marked = frame.with_columns(_flag=flag.fill_null(False))
    new_run = (
        (pl.col("vehicle_id") != pl.col("vehicle_id").shift(1))
        | ~pl.col("_flag").shift(1).fill_null(False)
        | (pl.col("gap_s") > max_gap_s)
    ).fill_null(True)
    return marked.with_columns(_run=new_run.cum_sum()).filter(pl.col("_flag"))


def speeding_episodes(
    positions: pl.DataFrame,
    limits: SpeedLimits | None = None,
    *,
    tolerance_kmh: float = 0.0,
    min_s: float = 10.0,
    max_gap_s: float = 30.0,
) -> list[DrivingEvent]:
    """Speeding episodes: consecutive positions (no more than `max_gap_s` apart) above the
    limit plus `tolerance_kmh`, lasting at least `min_s` seconds from the first position
    above to the last. Columns: see POSITION_COLUMNS."""
    limits = SpeedLimits() if limits is None else limits
    frame = _sorted_positions(positions).with_columns(limit_kmh=limits.limit_expr())
    over = _runs(frame, pl.col("speed_kmh") > pl.col("limit_kmh") + tolerance_kmh, max_gap_s)
    runs = over.group_by("_run", maintain_order=True).agg(
        pl.col("vehicle_id").first(),
        pl.col("ts_utc").first().alias("start"),
        pl.col("ts_utc").last().alias("end"),
        pl.col("speed_kmh").max().alias("peak"),
        pl.col("lat").first(),
        pl.col("lon").first(),
        pl.col("limit_kmh").min(),
    )
    out = []
    for r in runs.iter_rows(named=True):
        if (r["end"] - r["start"]).total_seconds() >= min_s:
            out.append(
                DrivingEvent(
                    r["vehicle_id"], "speeding", r["start"], r["end"], float(r["peak"]),
                    float(r["lat"]), float(r["lon"]), float(r["limit_kmh"]),
                )
            )  # fmt: skip
    return out


def harsh_events(
    positions: pl.DataFrame,
    *,
    braking_ms2: float = HARSH_BRAKING_MS2,
    acceleration_ms2: float = HARSH_ACCELERATION_MS2,
    max_gap_s: float = 3.0,
) -> list[DrivingEvent]:
    """Harsh braking and harsh acceleration: between two consecutive positions of a bus at
    most `max_gap_s` apart, the reported speed fell by at least `braking_ms2` (rose by at
    least `acceleration_ms2`) per second. Consecutive such steps are one event, placed at
    the position where it began. Columns: see POSITION_COLUMNS."""
    frame = _sorted_positions(positions).with_columns(
        accel_ms2=(pl.col("speed_kmh").diff() / 3.6).over("vehicle_id") / pl.col("gap_s"),
        lat0=pl.col("lat").shift(1).over("vehicle_id"),
        lon0=pl.col("lon").shift(1).over("vehicle_id"),
        ts0=pl.col("ts_utc").shift(1).over("vehicle_id"),
    )
    valid = (pl.col("gap_s") > 0) & (pl.col("gap_s") <= max_gap_s)
    out: list[DrivingEvent] = []
    for kind, flag, sign in (
        ("harsh_braking", valid & (pl.col("accel_ms2") <= -braking_ms2), -1.0),
        ("harsh_acceleration", valid & (pl.col("accel_ms2") >= acceleration_ms2), 1.0),
    ):
        steps = _runs(frame, flag, max_gap_s)
        runs = steps.group_by("_run", maintain_order=True).agg(
            pl.col("vehicle_id").first(),
            pl.col("ts0").first().alias("start"),
            pl.col("ts_utc").last().alias("end"),
            (pl.col("accel_ms2") * sign).max().alias("peak"),
            pl.col("lat0").first(),
            pl.col("lon0").first(),
        )
        out.extend(
            DrivingEvent(
                r["vehicle_id"], kind, r["start"], r["end"], round(float(r["peak"]), 2),
                float(r["lat0"]), float(r["lon0"]),
            )
            for r in runs.iter_rows(named=True)
        )  # fmt: skip
    out.sort(key=lambda e: (e.vehicle_id, e.start_utc))
    return out


def distance_km(positions: pl.DataFrame, *, max_gap_s: float = 300.0) -> dict[str, float]:
    """Kilometres each vehicle drove: the straight lines between its consecutive positions
    at most `max_gap_s` apart, leaving out steps where it stood (speed 0 at both ends,
    which would count GPS jitter as driving)."""
    steps = distance_steps(positions, max_gap_s=max_gap_s)
    totals = steps.group_by("vehicle_id").agg(pl.col("step_km").sum())
    return {v: float(km) for v, km in totals.iter_rows()}


def distance_steps(positions: pl.DataFrame, *, max_gap_s: float = 300.0) -> pl.DataFrame:
    """The steps `distance_km` adds up, one per position: columns vehicle_id, ts_utc (the
    step's end) and step_km; so that a week's kilometres can be split between drivers."""
    frame = _sorted_positions(positions)
    r = math.pi / 180.0
    lat0, lon0 = (
        pl.col("lat").shift(1).over("vehicle_id"),
        pl.col("lon").shift(1).over("vehicle_id"),
    )
    still = (pl.col("speed_kmh") <= 0) & (pl.col("speed_kmh").shift(1).over("vehicle_id") <= 0)
    a = ((pl.col("lat") - lat0) * r / 2).sin() ** 2 + (lat0 * r).cos() * (
        pl.col("lat") * r
    ).cos() * ((pl.col("lon") - lon0) * r / 2).sin() ** 2
    step_km = 2 * 6371.0088 * a.sqrt().clip(upper_bound=1.0).arcsin()
    return (
        frame.with_columns(step_km=step_km)
        .filter((pl.col("gap_s") <= max_gap_s) & ~still.fill_null(False))
        .select("vehicle_id", "ts_utc", "step_km")
    )


# ---- behaviour score per vehicle and week ----------------------------------------------

EVENT_POINTS: Final[Mapping[str, float]] = {
    "speeding": 2.0,
    "harsh_braking": 3.0,
    "harsh_acceleration": 2.0,
}
"""Points a driving event from positions costs."""
ALARM_POINTS: Final[Mapping[Severity, float]] = {Severity.HIGH: 3.0, Severity.MEDIUM: 1.0}
"""Points a driver-behaviour alarm (ADAS, DMS, fatigue) costs, by severity."""
POINTS_PER_100KM_WEIGHT: Final = 2.0
"""Score lost per point per 100 km."""
MIN_KM: Final = 20.0
"""Below this distance in the week, no score: too little driving to judge."""


def is_driver_alarm(kind: str) -> bool:
    """Alarms about how the bus is driven (not device faults, not overspeed bits, which
    the speeding episodes from positions replace so they are not counted twice)."""
    return kind.startswith(("adas.", "dms.")) or kind in {"fatigue_driving", "illegal_driving"}


@dataclass(frozen=True, slots=True)
class BehaviourScore:
    """One vehicle's week: distance, what counted against it, and the score (None below
    MIN_KM)."""

    vehicle_id: str
    km: float
    events: Mapping[str, int]
    """Count per kind: "speeding", "harsh_braking", "harsh_acceleration", and each
    driver-behaviour alarm kind."""
    points: float
    score: float | None


def _tally(
    events: Iterable[DrivingEvent],
    alarms: Iterable[Alarm],
    key: Callable[[str, dt.datetime], str],
) -> tuple[dict[str, dict[str, int]], dict[str, float]]:
    """Counts by kind and points per `key(vehicle, time)` of the events (at their start)
    and the driver-behaviour alarms (when raised)."""
    counts: dict[str, dict[str, int]] = {}
    points: dict[str, float] = {}

    def add(k: str, kind: str, value: float) -> None:
        mine = counts.setdefault(k, {})
        mine[kind] = mine.get(kind, 0) + 1
        points[k] = points.get(k, 0.0) + value

    for e in events:
        add(key(e.vehicle_id, e.start_utc), e.kind, EVENT_POINTS.get(e.kind, 0.0))
    for a in alarms:
        if is_driver_alarm(a.kind):
            add(
                key(a.vehicle_id or a.phone, a.raised_utc),
                a.kind,
                ALARM_POINTS.get(a.severity, 0.0),
            )
    return counts, points


def _score(km: float, points: float) -> float | None:
    """max(0, 100 − 2 × points per 100 km), rounded to 0.1; None below `MIN_KM`."""
    if km < MIN_KM:
        return None
    return round(max(0.0, 100.0 - POINTS_PER_100KM_WEIGHT * points * 100.0 / km), 1)


def behaviour_scores(
    km: Mapping[str, float],
    events: Iterable[DrivingEvent],
    alarms: Iterable[Alarm],
) -> list[BehaviourScore]:
    """The behaviour score of each vehicle over one week (the caller picks the week's
    positions, events and alarms).

    points = Σ EVENT_POINTS[event] + Σ ALARM_POINTS[severity] over driver-behaviour alarms
    score  = max(0, 100 − 2 × points per 100 km), rounded to 0.1; None below 20 km

    So a clean week is 100, and each harsh braking per 100 km costs 6 points. Vehicles
    are those with distance, events or alarms; worst score first (no score last)."""
    counts, points = _tally(events, alarms, lambda vehicle_id, _t: vehicle_id)
    out = []
    for vid in sorted(set(km) | set(counts)):
        dist = km.get(vid, 0.0)
        p = points.get(vid, 0.0)
        out.append(
            BehaviourScore(vid, round(dist, 1), dict(counts.get(vid, {})), p, _score(dist, p))
        )
    out.sort(key=lambda s: (s.score is None, s.score if s.score is not None else 0.0))
    return out


def week_bounds(day: dt.date, zone: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The week (Monday 00:00 to the next Monday 00:00, local time in `zone`) holding
    `day`, as UTC instants."""
    monday = day - dt.timedelta(days=day.weekday())
    start = dt.datetime.combine(monday, dt.time(), zone)
    return start.astimezone(dt.UTC), (start + dt.timedelta(days=7)).astimezone(dt.UTC)


# ---- behaviour score per driver and week -----------------------------------------------


@dataclass(frozen=True, slots=True)
class DriverScore:
    """One driver's week (`driver_id` the certificate number), or, with `driver_id` None,
    what a vehicle did with nobody signed in (`vehicle_id` then names it). `vehicles`:
    the vehicles the kilometres, events and alarms were on. Score as `BehaviourScore`."""

    driver_id: str | None
    driver_name: str | None
    vehicle_id: str | None
    vehicles: tuple[str, ...]
    km: float
    events: Mapping[str, int]
    points: float
    score: float | None


def _shift_frame(shifts: Iterable[DriverShift]) -> pl.DataFrame:
    rows = [(s.vehicle_id, s.signed_in_utc, s.signed_out_utc, s.driver_id) for s in shifts]
    schema: dict[str, pl.DataType] = {
        "vehicle_id": pl.String(),
        "signed_in_utc": pl.Datetime("us", "UTC"),
        "signed_out_utc": pl.Datetime("us", "UTC"),
        "driver_id": pl.String(),
    }
    return pl.DataFrame(rows, schema=schema, orient="row").sort("signed_in_utc")


def _km_by_driver(
    steps: pl.DataFrame, shifts: Iterable[DriverShift]
) -> dict[tuple[str | None, str], float]:
    """Kilometres per (driver_id or None, vehicle_id): each step goes to the driver whose
    shift (the latest signed in on the vehicle at or before the step) covers its end."""
    if steps.is_empty():
        return {}
    joined = (
        steps.with_columns(pl.col("ts_utc").dt.cast_time_unit("us"))
        .sort("ts_utc")
        .join_asof(
            _shift_frame(shifts),
            left_on="ts_utc",
            right_on="signed_in_utc",
            by="vehicle_id",
            strategy="backward",
            check_sortedness=False,  # both sorted by time; polars cannot check per group
        )
    )
    covered = pl.col("signed_out_utc").is_null() | (pl.col("ts_utc") < pl.col("signed_out_utc"))
    driver = pl.when(covered).then(pl.col("driver_id")).otherwise(None).alias("driver")
    totals = (
        joined.with_columns(driver).group_by("driver", "vehicle_id").agg(pl.col("step_km").sum())
    )
    return {(d, v): float(km) for d, v, km in totals.iter_rows()}


def driver_behaviour_scores(
    steps: pl.DataFrame,
    events: Iterable[DrivingEvent],
    alarms: Iterable[Alarm],
    shifts: Iterable[DriverShift],
) -> list[DriverScore]:
    """The week's behaviour score per driver (same formula as `behaviour_scores`), from
    the kilometre steps (`distance_steps`), the driving events and alarms, and the
    drivers' shifts: each goes to the driver signed in on its vehicle at its time (a
    step's end, an event's start, an alarm's raising). What happened with nobody signed
    in gives one row per vehicle with no driver. Worst score first (no score last)."""
    shifts = list(shifts)
    index = ShiftIndex(shifts)
    names = {s.driver_id: s.driver_name for s in sorted(shifts, key=lambda s: s.signed_in_utc)}
    km: dict[str, float] = {}
    vehicles: dict[str, set[str]] = {}

    def key(driver_id: str | None, vehicle_id: str) -> str:
        k = f"d:{driver_id}" if driver_id is not None else f"v:{vehicle_id}"
        vehicles.setdefault(k, set()).add(vehicle_id)
        return k

    def who(vehicle_id: str, t: dt.datetime) -> str:
        s = index.at_unix(vehicle_id, t.timestamp())
        return key(None if s is None else s.driver_id, vehicle_id)

    for (driver_id, vehicle_id), dist in _km_by_driver(steps, shifts).items():
        k = key(driver_id, vehicle_id)
        km[k] = km.get(k, 0.0) + dist
    counts, points = _tally(events, alarms, who)
    out = []
    for k in sorted(set(km) | set(counts)):
        dist = km.get(k, 0.0)
        p = points.get(k, 0.0)
        score = _score(dist, p)
        mine = tuple(sorted(vehicles[k]))
        driver_id = k[2:] if k.startswith("d:") else None
        out.append(
            DriverScore(
                driver_id,
                None if driver_id is None else names.get(driver_id),
                mine[0] if driver_id is None else None,
                mine,
                round(dist, 1),
                dict(counts.get(k, {})),
                p,
                score,
            )
        )
    out.sort(key=lambda s: (s.score is None, s.score if s.score is not None else 0.0))
    return out
