"""运营监管 (operations): the 电子路单 (electronic waybill) and each line's figures for a
service day, from the day's stop events, its timetable and the live picture.

Pure: values in, values out; `now` is passed in. Times are unix seconds (UTC), durations
seconds, distances metres. The definitions follow docs users.md §2.1 and §2.4:

- **电子路单 (waybill)**: per vehicle, each trip (趟次) it served in the order it served
  them, with the planned and actual departure from the first stop and arrival at the last
  stop, the delays, revenue and dead mileage, and the layover before it. Each trip names
  its **driver**: the one signed in on the vehicle (IC card, JT/T 808 0x0702; see
  busbrain.oversight.drivers) at its actual departure from the first stop (the first
  stop seen when it was not seen there); None when nobody was signed in (no guess).
  A driver's waybill is the trips they drove, whichever vehicle.
- **Schedule deviation** = actual − scheduled (s). A terminal departure is **on time**
  when −60 s ≤ deviation ≤ +300 s (users.md §2.4's default, TransitClock's
  `defaultAllowableEarlyMinutes=1`, `defaultAllowableLateMinutes=5`; `Rules` changes it,
  e.g. to the Chinese 守时 "no early, no late" window).
- **发车正点率** = terminal departures on time ÷ terminal departures observed (a departure
  is observed when the trip has a stop event at its first scheduled stop).
- **正班率** = trips completed ÷ trips planned so far: a trip is planned so far once its
  scheduled arrival at its last stop is `grace_s` past, and completed when some vehicle
  reached its last stop (has a stop event there). A trip still running late past that
  counts as not completed until it arrives.
- **Not observed**: a planned trip that left before the day's record begins (the first
  stop event or live fix seen — a server started mid-service) is neither run nor missing
  and stays out of 正班率 and 缺车.
- **缺车 (missing)**: a planned trip whose scheduled departure is more than `grace_s`
  past, with no stop event and no live vehicle on it. Default 300 s: after that it can
  no longer depart on time.
- **偏线 (off-route)**: a live vehicle the tracker has released from its trip as off
  the line (`VehicleLive.off_route`), now; only for today (a past day has no live picture).
- **Overlong layover (超长停站)**: the time a vehicle stood between arriving at the last
  stop of one trip and leaving the first stop of its next, more than `layover_extra_s`
  (default 600 s, our choice: users.md gives none) over the scheduled layover (the next
  trip's planned departure − the previous trip's planned arrival). Judged only when both
  terminal events were seen and both trips are in the timetable.
- **营运里程 (revenue mileage)**: the distance along the trip's pattern (GTFS
  shape_dist, `PatternStop.dist_m`) from the first to the last stop the vehicle was seen
  at; for a trip whose stops do not match its pattern, or one not in the day's
  timetable, the straight lines between the stops seen, in order.
- **非营运里程 (dead mileage)**: the straight line from the last stop seen on a vehicle's
  trip to the first stop seen on its next trip (a lower bound of the road distance). The
  pull-out from and the pull-in to the depot are not counted: the store has no depots.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import polars as pl

from busbrain.domain.geo import haversine_m
from busbrain.domain.gtfstime import format_date, service_day_start
from busbrain.domain.live import LiveSnapshot
from busbrain.domain.network import Pattern, TripTimes
from busbrain.oversight.drivers import DriverRef, ShiftIndex, unique_drivers

ON_TIME_EARLY_S = 60.0
"""A terminal departure this much early is still on time (users.md §2.4)."""
ON_TIME_LATE_S = 300.0
"""A terminal departure this much late is still on time (users.md §2.4)."""
GRACE_S = 300.0
"""A trip not started this long after its scheduled departure is missing (缺车); one not
finished this long after its scheduled arrival counts against 正班率."""
LAYOVER_EXTRA_S = 600.0
"""A layover this much longer than scheduled is overlong."""


@dataclass(frozen=True, slots=True)
class Rules:
    """The module's thresholds, seconds (defaults: see the module's docstring)."""

    on_time_early_s: float = ON_TIME_EARLY_S
    on_time_late_s: float = ON_TIME_LATE_S
    grace_s: float = GRACE_S
    layover_extra_s: float = LAYOVER_EXTRA_S

    def on_time(self, deviation_s: float) -> bool:
        """Is a departure `deviation_s` late (negative: early) on time?"""
        return -self.on_time_early_s <= deviation_s <= self.on_time_late_s


@dataclass(frozen=True, slots=True)
class PlannedTrip:
    """A trip of the day's timetable as the rules need it."""

    trip_id: str
    route_id: str
    direction_id: int | None
    block_id: str | None
    """The 路牌 (GTFS block) the trip belongs to."""
    departure_unix: float
    """Scheduled departure from the first stop."""
    arrival_unix: float
    """Scheduled arrival at the last stop."""
    sequences: tuple[int, ...]
    stop_ids: tuple[str, ...]
    dist_m: tuple[float, ...] | None
    """Distance along the pattern of each call, metres; None when the pattern's stops do
    not match the trip's."""

    @property
    def first_sequence(self) -> int:
        return self.sequences[0]

    @property
    def last_sequence(self) -> int:
        return self.sequences[-1]


@dataclass(frozen=True, slots=True)
class DayPlan:
    """One service day's timetable: its trips by trip_id."""

    day: dt.date
    trips: Mapping[str, PlannedTrip]


def plan_day(
    day: dt.date, trips: Iterable[TripTimes], patterns: Iterable[Pattern], tz: dt.tzinfo
) -> DayPlan:
    """The day's trips (`ScheduleQueries.trip_times_on(day)`) with scheduled times in unix
    seconds (GTFS times count from the service day's noon − 12 h in `tz`) and each call's
    distance along its pattern. A trip with fewer than two timed calls is left out."""
    start = service_day_start(day, tz)
    by_pattern = {p.pattern_id: p for p in patterns}
    out: dict[str, PlannedTrip] = {}
    for t in trips:
        first = t.departure_s[0] if t.departure_s[0] is not None else t.arrival_s[0]
        last = t.arrival_s[-1] if t.arrival_s[-1] is not None else t.departure_s[-1]
        if first is None or last is None or len(t.stop_ids) < 2:
            continue
        seqs = t.stop_sequences or tuple(range(1, len(t.stop_ids) + 1))
        pattern = by_pattern.get(t.pattern_id)
        dist = None
        if pattern is not None and tuple(s.stop_id for s in pattern.stops) == t.stop_ids:
            dist = tuple(s.dist_m for s in pattern.stops)
        out[t.trip_id] = PlannedTrip(
            t.trip_id,
            t.route_id,
            t.direction_id,
            t.block_id,
            start + first,
            start + last,
            seqs,
            t.stop_ids,
            dist,
        )
    return DayPlan(day, out)


@dataclass(frozen=True, slots=True)
class WaybillTrip:
    """One trip (趟次) of a vehicle's waybill. Times unix seconds, distances metres."""

    trip_id: str
    route_id: str | None
    direction_id: int | None
    block_id: str | None
    in_timetable: bool
    """False for a trip not in the day's timetable (an extra trip, 加班车)."""
    planned_departure_unix: float | None
    actual_departure_unix: float | None
    """Departure from the first scheduled stop (first stop seen, for a trip not in the
    timetable); None when the vehicle was not seen there."""
    departure_delay_s: float | None
    departure_on_time: bool | None
    planned_arrival_unix: float | None
    actual_arrival_unix: float | None
    """Arrival at the last scheduled stop (last stop seen, for a trip not in the
    timetable); None when the vehicle was not seen there (yet)."""
    arrival_delay_s: float | None
    first_seen_unix: float
    """The vehicle's arrival at the first stop it was seen at on this trip."""
    last_seen_unix: float
    """Its departure from the last stop it was seen at."""
    first_stop_id: str
    last_stop_id: str
    stops_seen: int
    stops_planned: int | None
    completed: bool
    """The vehicle reached the trip's last stop."""
    revenue_m: float | None
    dead_m: float | None
    """From the previous trip's last stop seen; None for the vehicle's first trip."""
    layover_s: float | None
    """Stood at the terminal between the previous trip's arrival and this departure."""
    scheduled_layover_s: float | None
    layover_overlong: bool
    driver: DriverRef | None = None
    """Who was signed in on the vehicle at the departure; None: nobody (or no shifts)."""

    @property
    def departed_unix(self) -> float:
        """The instant the driver is looked up at: the actual departure, else the first
        stop seen."""
        return (
            self.actual_departure_unix
            if self.actual_departure_unix is not None
            else self.first_seen_unix
        )


@dataclass(frozen=True, slots=True)
class VehicleWaybill:
    """A vehicle's 电子路单 for the day: its trips in the order it served them."""

    vehicle_id: str
    trips: tuple[WaybillTrip, ...]

    @property
    def drivers(self) -> list[DriverRef]:
        """The drivers of its trips, in the order they drove, each once."""
        return unique_drivers([t.driver for t in self.trips])

    @property
    def driver(self) -> str | None:
        """The drivers' names (ids when nameless) joined with 、; None without a driver."""
        names = [d.name or d.driver_id for d in self.drivers]
        return "、".join(names) if names else None

    @property
    def revenue_m(self) -> float:
        return sum(t.revenue_m or 0.0 for t in self.trips)

    @property
    def dead_m(self) -> float:
        return sum(t.dead_m or 0.0 for t in self.trips)

    @property
    def trips_completed(self) -> int:
        return sum(t.completed for t in self.trips)


@dataclass(frozen=True, slots=True)
class MissingTrip:
    """A planned trip no vehicle started (缺车)."""

    trip_id: str
    route_id: str
    direction_id: int | None
    block_id: str | None
    planned_departure_unix: float
    overdue_s: float
    """How long ago it should have left."""


@dataclass(frozen=True, slots=True)
class OffRouteVehicle:
    """A live vehicle off its line (偏线) now."""

    vehicle_id: str
    label: str | None
    route_id: str | None
    trip_id: str | None
    lat: float
    lon: float
    fix_unix: float


@dataclass(frozen=True, slots=True)
class OverlongLayover:
    """A layover at a terminal longer than scheduled by more than the rule allows."""

    vehicle_id: str
    route_id: str | None
    trip_id: str
    """The trip the vehicle left on after the layover."""
    after_trip_id: str
    stop_id: str
    """Where it stood: the first stop of `trip_id`."""
    arrived_unix: float
    departed_unix: float
    layover_s: float
    scheduled_layover_s: float

    @property
    def excess_s(self) -> float:
        return self.layover_s - self.scheduled_layover_s


@dataclass
class LineFigures:
    """A line's day so far. Rates are fractions 0–1, None when nothing to divide by."""

    route_id: str
    trips_planned: int = 0
    """Every trip of the day's timetable."""
    departures_due: int = 0
    """Planned trips whose scheduled departure is more than `grace_s` past."""
    trips_run: int = 0
    """Planned trips some vehicle started (stop events or live), whenever."""
    trips_missing: int = 0
    finishes_due: int = 0
    """Planned trips whose scheduled arrival is more than `grace_s` past: 正班率's base."""
    trips_completed: int = 0
    """Of `finishes_due`, the trips some vehicle brought to their last stop."""
    departures_observed: int = 0
    departures_on_time: int = 0
    departures_early: int = 0
    departures_late: int = 0
    extra_trips: int = 0
    trips_unobserved: int = 0
    """Planned trips that left before the records of the day began (a server started
    mid-service): neither run nor missing, and out of 正班率's base."""
    """Trips run that are not in the day's timetable."""
    off_route: int = 0
    overlong_layovers: int = 0
    revenue_m: float = 0.0
    dead_m: float = 0.0
    """Dead mileage before this line's trips."""

    @property
    def completion_rate(self) -> float | None:
        """正班率."""
        return None if not self.finishes_due else self.trips_completed / self.finishes_due

    @property
    def on_time_departure_rate(self) -> float | None:
        """发车正点率."""
        return (
            None
            if not self.departures_observed
            else self.departures_on_time / self.departures_observed
        )

    def add(self, other: LineFigures) -> None:
        """Add `other`'s counts and distances to these (for totals)."""
        for name in LineFigures.__dataclass_fields__:
            if name != "route_id":
                setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class OperationsDay:
    """What 运营监管 shows for one service day at `now_unix`."""

    day: dt.date
    now_unix: float
    rules: Rules
    lines: tuple[LineFigures, ...]
    """Every line with a planned or run trip, by route_id."""
    waybills: tuple[VehicleWaybill, ...]
    """By vehicle_id."""
    missing: tuple[MissingTrip, ...]
    """By planned departure."""
    off_route: tuple[OffRouteVehicle, ...]
    overlong_layovers: tuple[OverlongLayover, ...]
    live: bool
    """A live picture was given (today): off_route and live trips are known."""
    totals: LineFigures = field(default_factory=lambda: LineFigures(""))
    observed_from_unix: float | None = None
    """When the day's record begins: the first stop event (or live fix) seen; trips that
    left before it are not judged. None: nothing recorded yet, nothing judged."""

    def waybill(self, vehicle_id: str) -> VehicleWaybill | None:
        return next((w for w in self.waybills if w.vehicle_id == vehicle_id), None)

    def driver_waybills(self, driver_id: str) -> list[VehicleWaybill]:
        """The waybills cut to the trips `driver_id` drove, per vehicle (empty when they
        drove none that day)."""
        out = []
        for w in self.waybills:
            mine = tuple(
                t for t in w.trips if t.driver is not None and t.driver.driver_id == driver_id
            )
            if mine:
                out.append(VehicleWaybill(w.vehicle_id, mine))
        return out


@dataclass(frozen=True, slots=True)
class _Seen:
    """One vehicle's stop events on one trip, reduced."""

    vehicle_id: str
    trip_id: str
    route_id: str | None
    direction_id: int | None
    first_seq: int
    last_seq: int
    stop_ids: tuple[str, ...]
    """The stops seen, by stop_sequence."""
    first_arrival: float
    first_departure: float
    last_arrival: float
    last_departure: float


def _unix(name: str) -> pl.Expr:
    return pl.col(name).dt.epoch("us").cast(pl.Float64) / 1e6


def _seen(events: pl.DataFrame, day: dt.date) -> list[_Seen]:
    """The day's stop events grouped by (vehicle, trip), each group by stop_sequence."""
    ev = events.filter(pl.col("service_date") == day)
    if ev.is_empty():
        return []
    grouped = (
        ev.with_columns(arr=_unix("arrival_utc"), dep=_unix("departure_utc"))
        .sort("vehicle_id", "trip_id", "stop_sequence")
        .group_by("vehicle_id", "trip_id", maintain_order=True)
        .agg(
            pl.col("route_id").drop_nulls().first(),
            pl.col("direction_id").drop_nulls().first(),
            pl.col("stop_sequence").first().alias("first_seq"),
            pl.col("stop_sequence").last().alias("last_seq"),
            pl.col("stop_id"),
            pl.col("arr").first().alias("first_arrival"),
            pl.col("dep").first().alias("first_departure"),
            pl.col("arr").last().alias("last_arrival"),
            pl.col("dep").last().alias("last_departure"),
        )
    )
    return [
        _Seen(
            r["vehicle_id"],
            r["trip_id"],
            r["route_id"],
            r["direction_id"],
            r["first_seq"],
            r["last_seq"],
            tuple(r["stop_id"]),
            r["first_arrival"],
            r["first_departure"],
            r["last_arrival"],
            r["last_departure"],
        )
        for r in grouped.iter_rows(named=True)
    ]


def _straight_m(stop_ids: Iterable[str], positions: Mapping[str, tuple[float, float]]) -> float:
    """The straight lines between consecutive stops (those with a known position), metres."""
    points = [positions[s] for s in stop_ids if s in positions]
    return sum(haversine_m(*a, *b) for a, b in itertools.pairwise(points))


def _revenue_m(
    seen: _Seen, plan: PlannedTrip | None, positions: Mapping[str, tuple[float, float]]
) -> float | None:
    if plan is not None and plan.dist_m is not None:
        at = dict(zip(plan.sequences, plan.dist_m, strict=True))
        if seen.first_seq in at and seen.last_seq in at:
            return max(at[seen.last_seq] - at[seen.first_seq], 0.0)
    if len(seen.stop_ids) == 1:
        return 0.0
    known = [s for s in seen.stop_ids if s in positions]
    return _straight_m(known, positions) if len(known) >= 2 else None


def _trip_row(
    seen: _Seen,
    plan: PlannedTrip | None,
    before: tuple[_Seen, PlannedTrip | None, WaybillTrip] | None,
    positions: Mapping[str, tuple[float, float]],
    rules: Rules,
) -> WaybillTrip:
    """One waybill row; `before` is the vehicle's previous trip (seen, plan, row)."""
    if plan is None:
        dep: float | None = seen.first_departure
        arr: float | None = seen.last_arrival
        completed = False
    else:
        dep = seen.first_departure if seen.first_seq == plan.first_sequence else None
        completed = seen.last_seq == plan.last_sequence
        arr = seen.last_arrival if completed else None
    dep_delay = None if plan is None or dep is None else dep - plan.departure_unix
    arr_delay = None if plan is None or arr is None else arr - plan.arrival_unix
    dead = layover = scheduled = None
    overlong = False
    if before is not None:
        prev_seen, prev_plan, prev_row = before
        a, b = positions.get(prev_seen.stop_ids[-1]), positions.get(seen.stop_ids[0])
        dead = None if a is None or b is None else haversine_m(*a, *b)
        if prev_row.completed and plan is not None and dep is not None:
            layover = dep - prev_seen.last_arrival
            if prev_plan is not None:
                scheduled = plan.departure_unix - prev_plan.arrival_unix
                overlong = layover - max(scheduled, 0.0) > rules.layover_extra_s
    return WaybillTrip(
        trip_id=seen.trip_id,
        route_id=plan.route_id if plan is not None else seen.route_id,
        direction_id=plan.direction_id if plan is not None else seen.direction_id,
        block_id=None if plan is None else plan.block_id,
        in_timetable=plan is not None,
        planned_departure_unix=None if plan is None else plan.departure_unix,
        actual_departure_unix=dep,
        departure_delay_s=dep_delay,
        departure_on_time=None if dep_delay is None else rules.on_time(dep_delay),
        planned_arrival_unix=None if plan is None else plan.arrival_unix,
        actual_arrival_unix=arr,
        arrival_delay_s=arr_delay,
        first_seen_unix=seen.first_arrival,
        last_seen_unix=seen.last_departure,
        first_stop_id=seen.stop_ids[0],
        last_stop_id=seen.stop_ids[-1],
        stops_seen=len(seen.stop_ids),
        stops_planned=None if plan is None else len(plan.sequences),
        completed=completed,
        revenue_m=_revenue_m(seen, plan, positions),
        dead_m=dead,
        layover_s=layover,
        scheduled_layover_s=scheduled,
        layover_overlong=overlong,
    )


def _waybills(
    seen: list[_Seen],
    plan: DayPlan,
    positions: Mapping[str, tuple[float, float]],
    rules: Rules,
    drivers: ShiftIndex | None = None,
) -> tuple[list[VehicleWaybill], list[OverlongLayover]]:
    by_vehicle: dict[str, list[_Seen]] = {}
    for s in seen:
        by_vehicle.setdefault(s.vehicle_id, []).append(s)
    waybills, overlong = [], []
    for vehicle_id in sorted(by_vehicle):
        rows: list[WaybillTrip] = []
        before = None
        for s in sorted(by_vehicle[vehicle_id], key=lambda s: (s.first_arrival, s.trip_id)):
            p = plan.trips.get(s.trip_id)
            row = _trip_row(s, p, before, positions, rules)
            if drivers:
                row = replace(row, driver=drivers.driver_at(vehicle_id, row.departed_unix))
            rows.append(row)
            if row.layover_overlong and before is not None:
                assert row.actual_departure_unix is not None and row.layover_s is not None
                overlong.append(
                    OverlongLayover(
                        vehicle_id,
                        row.route_id,
                        s.trip_id,
                        before[0].trip_id,
                        s.stop_ids[0],
                        before[0].last_arrival,
                        row.actual_departure_unix,
                        row.layover_s,
                        row.scheduled_layover_s or 0.0,
                    )
                )
            before = (s, p, row)
        waybills.append(VehicleWaybill(vehicle_id, tuple(rows)))
    return waybills, overlong


def operations_day(
    events: pl.DataFrame,
    plan: DayPlan,
    *,
    now: float,
    live: LiveSnapshot | None = None,
    stop_positions: Mapping[str, tuple[float, float]] | None = None,
    rules: Rules | None = None,
    drivers: ShiftIndex | None = None,
) -> OperationsDay:
    """The waybills and line figures of `plan.day` as of `now` (unix seconds).

    `events` has the columns of `RealtimeHistory.stop_events` (rows of other service days
    are ignored); `live` is the live picture when `plan.day` is today (None for another
    day: then nothing is off route, and only stop events say a trip started);
    `stop_positions` maps stop_id to (lat, lon) degrees, for dead mileage and the
    straight-line revenue mileage fallback (without it those are None); `drivers` the
    shifts that name each trip's driver (without it, or empty, no trip has one).
    """
    rules = rules or Rules()
    positions = stop_positions or {}
    seen = _seen(events, plan.day)
    waybills, overlong = _waybills(seen, plan, positions, rules, drivers)

    lines: dict[str, LineFigures] = {}

    def line(route_id: str) -> LineFigures:
        return lines.setdefault(route_id, LineFigures(route_id))

    started = {s.trip_id for s in seen}
    reached_end = {
        s.trip_id
        for s in seen
        if s.trip_id in plan.trips and s.last_seq == plan.trips[s.trip_id].last_sequence
    }
    departed: dict[str, float] = {}
    for w in waybills:
        for r in w.trips:
            if r.in_timetable and r.actual_departure_unix is not None:
                got = departed.get(r.trip_id, r.actual_departure_unix)
                departed[r.trip_id] = min(got, r.actual_departure_unix)
            fig = line(r.route_id or "")
            fig.revenue_m += r.revenue_m or 0.0
            fig.dead_m += r.dead_m or 0.0
            fig.overlong_layovers += r.layover_overlong

    day_tag = format_date(plan.day)
    off_route: list[OffRouteVehicle] = []
    if live is not None:
        for v in live.vehicles:
            if v.trip_id and v.start_date in (None, day_tag):
                started.add(v.trip_id)
            if v.off_route:
                off_route.append(
                    OffRouteVehicle(
                        v.vehicle_id, v.label, v.route_id, v.trip_id, v.lat, v.lon, v.fix_unix
                    )
                )
                if v.route_id:
                    line(v.route_id).off_route += 1

    extra = {s.trip_id: s.route_id or "" for s in seen if s.trip_id not in plan.trips}
    for route_id in extra.values():
        line(route_id).extra_trips += 1

    # the record begins with the first thing seen: a trip that left before that was not
    # watched, so it is neither run nor missing (a server started mid-service)
    firsts = [s.first_arrival for s in seen]
    if live is not None:
        firsts += [v.fix_unix for v in live.vehicles if v.trip_id]
    observed_from = min(firsts) if firsts else None
    missing: list[MissingTrip] = []
    for p in plan.trips.values():
        fig = line(p.route_id)
        fig.trips_planned += 1
        run = p.trip_id in started
        fig.trips_run += run
        if not run and (observed_from is None or p.departure_unix < observed_from):
            fig.trips_unobserved += p.departure_unix < now
            continue
        if now - p.departure_unix > rules.grace_s:
            fig.departures_due += 1
            if not run:
                fig.trips_missing += 1
                missing.append(
                    MissingTrip(
                        p.trip_id,
                        p.route_id,
                        p.direction_id,
                        p.block_id,
                        p.departure_unix,
                        now - p.departure_unix,
                    )
                )
        if now - p.arrival_unix > rules.grace_s:
            fig.finishes_due += 1
            fig.trips_completed += p.trip_id in reached_end
        dep = departed.get(p.trip_id)
        if dep is not None:
            deviation = dep - p.departure_unix
            fig.departures_observed += 1
            if rules.on_time(deviation):
                fig.departures_on_time += 1
            elif deviation < 0:
                fig.departures_early += 1
            else:
                fig.departures_late += 1

    missing.sort(key=lambda m: (m.planned_departure_unix, m.trip_id))
    ordered = tuple(lines[k] for k in sorted(lines))
    totals = LineFigures("")
    for fig in ordered:
        totals.add(fig)
    return OperationsDay(
        day=plan.day,
        now_unix=now,
        rules=rules,
        lines=ordered,
        waybills=tuple(waybills),
        missing=tuple(missing),
        off_route=tuple(sorted(off_route, key=lambda o: o.vehicle_id)),
        overlong_layovers=tuple(overlong),
        live=live is not None,
        totals=totals,
        observed_from_unix=observed_from,
    )
