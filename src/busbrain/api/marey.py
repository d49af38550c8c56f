"""The time-space (Marey) diagram of one line and direction for one service day: the
stops of the main pattern by their distance along it, and per trip the timetable's and
the real-time side's times at each of them, plus where the live buses are now.

A dispatcher reads bunching off it at a glance: two actual lines running close together
(or crossing) are two buses on top of each other, a planned (dashed) line with no actual
one beside it is a trip that did not run. Pure assembly over values (the route module
gathers them from the app): stops are matched by stop_id, on a loop by the occurrence
nearest the call's stop_sequence, so trips of a shorter variant fall on the main
pattern's stops they share. Times are unix seconds (UTC), distances metres.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from busbrain.api.arrivals import Call
from busbrain.domain.network import Pattern


@dataclass(slots=True)
class MareyTrip:
    """One trip's times at the main pattern's stops (None where it has none)."""

    trip_id: str
    planned: list[int | None]
    arrival: list[int | None]
    departure: list[int | None]
    vehicle_ids: set[str] = field(default_factory=set)

    def times(self) -> Iterable[int]:
        for column in (self.planned, self.arrival, self.departure):
            yield from (t for t in column if t is not None)

    def as_json(self) -> dict[str, Any]:
        return {
            "trip_id": self.trip_id,
            "vehicle_ids": sorted(self.vehicle_ids),
            "planned": self.planned,
            "arrival": self.arrival,
            "departure": self.departure,
        }


class StopIndex:
    """Where a (stop_id, stop_sequence) falls on the main pattern: its 0-based position."""

    def __init__(self, pattern: Pattern) -> None:
        self.size = len(pattern.stops)
        self._at: dict[str, list[int]] = {}
        for k, ps in enumerate(pattern.stops):
            self._at.setdefault(ps.stop_id, []).append(k)

    def __call__(self, stop_id: str, stop_sequence: int) -> int | None:
        hits = self._at.get(stop_id)
        if not hits:
            return None
        return hits[0] if len(hits) == 1 else min(hits, key=lambda k: abs(k + 1 - stop_sequence))


def _trip(trips: dict[str, MareyTrip], trip_id: str, size: int) -> MareyTrip:
    got = trips.get(trip_id)
    if got is None:
        got = trips[trip_id] = MareyTrip(trip_id, [None] * size, [None] * size, [None] * size)
    return got


def marey_trips(
    pattern: Pattern,
    planned: dict[str, list[Call]],
    events: pl.DataFrame,
    window: tuple[float, float] | None,
) -> list[MareyTrip]:
    """The trips of `pattern`'s route and direction: `planned` is the day's calls by trip
    (all routes; this keeps the pattern's route and direction), `events` the day's stop
    events of the route (the store's columns). `window` (start, end unix seconds) keeps
    the trips with a time inside it; None keeps all. Sorted by first time."""
    index = StopIndex(pattern)
    direction = int(pattern.direction_id or 0)
    trips: dict[str, MareyTrip] = {}
    for trip_id, calls in planned.items():
        if not calls or calls[0].route_id != pattern.route_id:
            continue
        if calls[0].direction_id != direction:
            continue
        trip = _trip(trips, trip_id, index.size)
        for c in calls:
            k = index(c.stop_id, c.stop_sequence)
            if k is not None:
                trip.planned[k] = round(c.arrival_unix)
    if events.height:
        rows = events.filter(
            (pl.col("route_id") == pattern.route_id)
            & (pl.col("direction_id").fill_null(-1) == direction)
        ).select(
            "trip_id",
            "stop_id",
            "stop_sequence",
            "vehicle_id",
            (pl.col("arrival_utc").dt.epoch("ms") // 1000).alias("arr"),
            (pl.col("departure_utc").dt.epoch("ms") // 1000).alias("dep"),
        )
        for trip_id, stop_id, seq, vehicle_id, arr, dep in rows.iter_rows():
            k = index(stop_id, int(seq))
            if k is None:
                continue
            trip = _trip(trips, trip_id, index.size)
            trip.arrival[k] = int(arr)
            trip.departure[k] = int(dep)
            trip.vehicle_ids.add(vehicle_id)
    kept = [t for t in trips.values() if _in_window(t, window)]
    kept.sort(key=lambda t: (min(t.times(), default=0), t.trip_id))
    return kept


def _in_window(trip: MareyTrip, window: tuple[float, float] | None) -> bool:
    times = list(trip.times())
    if not times:
        return False
    if window is None:
        return True
    return min(times) <= window[1] and max(times) >= window[0]


def dist_along(pattern: Pattern, strip_at: float | None) -> float | None:
    """Metres along `pattern` at a strip position (1.0 at the first stop, 1.5 halfway to
    the second: routes/lines.py `strip_at`), by linear interpolation between stops."""
    if strip_at is None or not pattern.stops:
        return None
    k = int(strip_at) - 1
    if k < 0:
        return pattern.stops[0].dist_m
    if k >= len(pattern.stops) - 1:
        return pattern.stops[-1].dist_m
    here, there = pattern.stops[k].dist_m, pattern.stops[k + 1].dist_m
    return here + (there - here) * (strip_at - (k + 1))


def main_pattern(patterns: Sequence[Pattern], route_id: str, direction: int) -> Pattern | None:
    """The pattern a line's direction is drawn on: the one with most stops (as the line
    view and the strip choose it)."""
    mine = [p for p in patterns if p.route_id == route_id and int(p.direction_id or 0) == direction]
    return max(mine, key=lambda p: len(p.stops)) if mine else None
