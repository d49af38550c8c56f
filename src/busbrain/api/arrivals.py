"""A stop's arrivals board: per line and direction, the next buses from the live picture
and the timetable, each clearly marked live or scheduled.

Live entries come from the vehicles' predictions at the stop's poles (sane ones only: not
long past, not beyond the horizon); scheduled entries are today's timetabled calls whose
trip no live vehicle is running. When a line's buses should be out but none has reported
for `STALE_S`, the line says so (`live_status: "lost"`) instead of quietly showing the
timetable as if nothing were wrong. The first and last bus at the stop and "last bus
gone" come from the timetable.

Dispatchers' trip changes (`DayChanges`) are shown, not hidden: a cancelled trip's
entries, and a short-turned trip's entries at stops it no longer serves, stay on the
board marked `cancelled` (the rider app says 已取消) without taking one of the line's
`per_line` places; an extra trip (加班车) appears as scheduled, marked `extra`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field

from busbrain.api.gtfsrt import HORIZON_S, PAST_SLACK_S
from busbrain.api.ordering import natural_key
from busbrain.domain.gtfstime import service_day_start
from busbrain.domain.live import LiveSnapshot, StopPrediction, StopStatus, VehicleLive
from busbrain.domain.network import TripTimes
from busbrain.domain.tripchanges import DayChanges
from busbrain.realtime.live import service_date_of
from busbrain.store.ports import ScheduleQueries

STALE_S = 300.0
"""A line whose buses have all been silent this long while trips should run is 'lost'."""
SCHEDULE_AHEAD_S = 3 * 3600.0
SOON_S = 60.0
BUSY_PERCENT = 60
"""From this load (满载率, % of rated capacity) a bus is 较拥挤 (busy)..."""
CROWDED_PERCENT = 90
"""...and from this one 拥挤 (crowded); below BUSY_PERCENT 舒适 (comfortable)."""


def stops_away(v: VehicleLive, p: StopPrediction) -> int | None:
    """Stops until the bus reaches the predicted stop, counted as riders count them: the
    stop it is heading for is one away (the rider's own stop when that is theirs); standing
    at a stop, the next one is one away."""
    if v.stop_sequence is None:
        return None
    gap = p.stop_sequence - v.stop_sequence
    if v.status != StopStatus.STOPPED_AT:
        gap += 1
    return max(gap, 0)


def crowding(occupancy_percent: int | None) -> str | None:
    """A rider's word for a bus's load: comfortable, busy or crowded (None: unknown)."""
    if occupancy_percent is None:
        return None
    if occupancy_percent >= CROWDED_PERCENT:
        return "crowded"
    return "busy" if occupancy_percent >= BUSY_PERCENT else "comfortable"


@dataclass(frozen=True, slots=True)
class Call:
    trip_id: str
    route_id: str
    direction_id: int
    stop_id: str
    stop_sequence: int
    arrival_unix: float
    trip_start_unix: float
    trip_end_unix: float


@dataclass
class DayCalls:
    """One service day's timetable by stop pole."""

    day: dt.date | None
    """None for the empty timetable of an app without a schedule."""
    by_stop: dict[str, list[Call]] = field(default_factory=dict)
    by_trip: dict[str, list[Call]] = field(default_factory=dict)
    running: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    """route_id -> (start, end) of each trip, for "should buses be out now"."""
    times: dict[str, list[float]] = field(default_factory=dict)
    """stop -> the arrival times of `by_stop[stop]`, for finding a window by bisection."""
    first_last: dict[str, dict[tuple[str, int], tuple[float, float]]] = field(default_factory=dict)
    """stop -> (route_id, direction_id) -> the day's first and last call there."""


def day_calls(trips: Iterable[TripTimes], day: dt.date, start_unix: float) -> DayCalls:
    out = DayCalls(day)
    for t in trips:
        first = t.departure_s[0] if t.departure_s[0] is not None else t.arrival_s[0]
        last = t.arrival_s[-1] if t.arrival_s[-1] is not None else t.departure_s[-1]
        if first is None or last is None:
            continue
        begin, end = start_unix + first, start_unix + last
        out.running.setdefault(t.route_id, []).append((begin, end))
        seqs = t.stop_sequences or tuple(range(1, len(t.stop_ids) + 1))
        for stop, seq, arr, dep in zip(t.stop_ids, seqs, t.arrival_s, t.departure_s, strict=True):
            when = arr if arr is not None else dep
            if when is None:
                continue
            out.by_stop.setdefault(stop, []).append(
                Call(
                    t.trip_id, t.route_id, int(t.direction_id or 0), stop, seq,
                    start_unix + when, begin, end,
                )
            )  # fmt: skip
    for stop, calls in out.by_stop.items():
        calls.sort(key=lambda c: c.arrival_unix)
        out.times[stop] = [c.arrival_unix for c in calls]
        ends = out.first_last[stop] = {}
        for c in calls:
            out.by_trip.setdefault(c.trip_id, []).append(c)
            key = (c.route_id, c.direction_id)
            ends[key] = (ends[key][0], c.arrival_unix) if key in ends else (c.arrival_unix,) * 2
    for calls in out.by_trip.values():
        calls.sort(key=lambda c: c.stop_sequence)
    return out


class TimetableCache:
    """Today's (and yesterday's, past midnight) calls, built once per service day."""

    def __init__(self, schedule: ScheduleQueries, tz: zoneinfo.ZoneInfo) -> None:
        self.schedule = schedule
        self.tz = tz
        self._lock = threading.Lock()
        self._days: dict[dt.date, DayCalls] = {}

    def day(self, day: dt.date) -> DayCalls:
        with self._lock:
            got = self._days.get(day)
            if got is None:
                got = day_calls(
                    self.schedule.trip_times_on(day), day, service_day_start(day, self.tz)
                )
                self._days = {d: v for d, v in self._days.items() if abs((d - day).days) <= 1}
                self._days[day] = got
            return got

    def today(self, now: float) -> DayCalls:
        return self.day(service_date_of(now, self.tz))


def calls_at(timetable: TimetableCache | None, now: float) -> DayCalls:
    """Today's calls, or none when the app was built without a schedule."""
    return timetable.today(now) if timetable is not None else DayCalls(day=None)


@dataclass(frozen=True, slots=True)
class LiveIndex:
    """A snapshot's predictions by stop pole, and when each line was last heard from."""

    by_stop: dict[str, list[tuple[VehicleLive, StopPrediction]]]
    heard: dict[str, float]


_INDEX_LOCK = threading.Lock()
_INDEX: list[tuple[LiveSnapshot, LiveIndex]] = []


def live_index(snapshot: LiveSnapshot) -> LiveIndex:
    """The index of `snapshot`, built once per snapshot (boards read it many times over)."""
    with _INDEX_LOCK:
        if _INDEX and _INDEX[0][0] is snapshot:
            return _INDEX[0][1]
    by_stop: dict[str, list[tuple[VehicleLive, StopPrediction]]] = {}
    heard: dict[str, float] = {}
    for v in snapshot.vehicles:
        if v.route_id is not None:
            heard[v.route_id] = max(heard.get(v.route_id, 0.0), v.fix_unix)
        for p in v.predictions:
            by_stop.setdefault(p.stop_id, []).append((v, p))
    index = LiveIndex(by_stop, heard)
    with _INDEX_LOCK:
        _INDEX[:] = [(snapshot, index)]
    return index


def board(
    poles: set[str],
    now: float,
    calls: DayCalls,
    snapshot: LiveSnapshot | None,
    route_names: dict[str, str],
    *,
    per_line: int = 3,
    changes: DayChanges | None = None,
    extra_calls: dict[str, list[Call]] | None = None,
) -> list[dict[str, object]]:
    """The arrivals board of a stop (its poles), one entry per line and direction;
    `changes` are the day's trip changes and `extra_calls` the extra trips' calls by stop
    (see the module docstring)."""
    day_changes = changes if changes is not None else DayChanges()
    lines: dict[tuple[str, int], dict[str, object]] = {}

    def line(route_id: str, direction: int) -> dict[str, object]:
        key = (route_id, direction)
        if key not in lines:
            lines[key] = {
                "route_id": route_id,
                "line": route_names.get(route_id, route_id),
                "direction_id": direction,
                "arrivals": [],
            }
        return lines[key]

    live_trips: set[str] = set()
    heard: dict[str, float] = {}

    def trip_start(trip_id: str, stop_id: str) -> float:
        """When the trip leaves its first stop (unix s): the timetable's, or an extra
        trip's (its call at `stop_id`), else `now` (an unknown trip counts as gone)."""
        got = calls.by_trip.get(trip_id)
        if got:
            return got[0].trip_start_unix
        extra = [c for c in (extra_calls or {}).get(stop_id, ()) if c.trip_id == trip_id]
        return extra[0].trip_start_unix if extra else now

    if snapshot is not None:
        index = live_index(snapshot)
        heard = index.heard
        for pole in poles:
            for v, p in index.by_stop.get(pole, ()):
                if v.trip_id is None or v.route_id is None:
                    continue
                if not (now - PAST_SLACK_S <= p.arrival_unix <= now + HORIZON_S):
                    continue  # never show an absurd prediction
                live_trips.add(v.trip_id)
                away = stops_away(v, p)
                entry: list[object] = line(v.route_id, int(v.direction_id or 0))["arrivals"]  # type: ignore[assignment]
                entry.append(
                    {
                        "trip_id": v.trip_id,
                        "vehicle_id": v.vehicle_id,
                        "label": v.label,
                        "live": True,
                        "arrival_unix": round(p.arrival_unix),
                        "minutes": max(0, round((p.arrival_unix - now) / 60)),
                        "stops_away": away,
                        "arriving": p.arrival_unix - now <= SOON_S,
                        "prediction_age_s": None
                        if v.predicted_at is None
                        else round(now - v.predicted_at),
                        "uncertainty_s": p.uncertainty_s,
                        "not_yet_departed": trip_start(v.trip_id, p.stop_id) > now,
                        "crowding": crowding(v.occupancy_percent),
                        "cancelled": not day_changes.serves(v.trip_id, p.stop_sequence),
                        "extra": v.trip_id in day_changes.extras,
                    }
                )
    first_last: dict[tuple[str, int], tuple[float, float]] = {}
    for pole in poles:
        for key, (lo, hi) in calls.first_last.get(pole, {}).items():
            was = first_last.get(key)
            first_last[key] = (lo, hi) if was is None else (min(was[0], lo), max(was[1], hi))
        times = calls.times.get(pole, [])
        begin = bisect.bisect_left(times, now - 60)
        end = bisect.bisect_right(times, now + SCHEDULE_AHEAD_S)
        extras = [
            c
            for c in (extra_calls or {}).get(pole, ())
            if now - 60 <= c.arrival_unix <= now + SCHEDULE_AHEAD_S
        ]
        for c in [*(calls.by_stop[pole][begin:end] if end > begin else ()), *extras]:
            if c.trip_id in live_trips:
                continue
            entries: list[object] = line(c.route_id, c.direction_id)["arrivals"]  # type: ignore[assignment]
            entries.append(
                {
                    "trip_id": c.trip_id,
                    "vehicle_id": None,
                    "label": None,
                    "live": False,
                    "arrival_unix": round(c.arrival_unix),
                    "minutes": max(0, round((c.arrival_unix - now) / 60)),
                    "stops_away": None,
                    "arriving": False,
                    "prediction_age_s": None,
                    "uncertainty_s": None,
                    "not_yet_departed": c.trip_start_unix > now,
                    "crowding": None,
                    "cancelled": not day_changes.serves(c.trip_id, c.stop_sequence),
                    "extra": c.trip_id in day_changes.extras,
                }
            )
    for key, (lo, hi) in first_last.items():
        ln = line(*key)
        ln["first_bus_unix"] = round(lo)
        ln["last_bus_unix"] = round(hi)
    out = []
    for (route_id, _d), ln in sorted(
        lines.items(), key=lambda kv: (natural_key(str(kv[1]["line"])), kv[0][1])
    ):
        arrivals: list[dict[str, object]] = ln["arrivals"]  # type: ignore[assignment]
        arrivals.sort(key=lambda a: float(a["arrival_unix"]))  # type: ignore[arg-type]
        ln["arrivals"] = _first_running(arrivals, per_line)
        last = ln.get("last_bus_unix")
        ln["last_bus_gone"] = bool(last is not None and now > float(last) + 60 and not arrivals)  # type: ignore[arg-type]
        should_run = any(a <= now <= b for a, b in calls.running.get(route_id, []))
        if route_id in heard and now - heard[route_id] <= STALE_S:
            ln["live_status"] = "live"
        elif should_run:
            ln["live_status"] = "lost"  # buses should be out, none is reporting
        else:
            ln["live_status"] = "none"
        out.append(ln)
    return out


def _first_running(arrivals: list[dict[str, object]], per_line: int) -> list[dict[str, object]]:
    """The first `per_line` buses that run, with the cancelled ones due before the last
    of them (at most `per_line` of those too): a rider sees what was cancelled and still
    the next buses that come."""
    kept: list[dict[str, object]] = []
    running = cancelled = 0
    for a in arrivals:
        if running >= per_line:
            break
        if a["cancelled"]:
            if cancelled < per_line:
                kept.append(a)
                cancelled += 1
            continue
        kept.append(a)
        running += 1
    return kept
