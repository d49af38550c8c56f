"""Hand-made networks and bus movements for the real-time matcher tests.

Everything is laid out in metres east (x) and north (y) of (LAT0, LON0) and turned into
domain values; times are seconds after the service day's start (the networks are built
with `day_start_unix` 0, so a fix's unix time is that too). A bus moves along a `Path`
by a kinematic profile (`Motion`): pull away, cruise, brake to each halt, stand, pull
away again; its fixes are sampled from that profile, so the truth of every arrival and
departure is known.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from busbrain.domain.daynet import build_day_network
from busbrain.domain.geo import EARTH_RADIUS_M
from busbrain.domain.network import Pattern, PatternStop, Shape, ShapePoint, Stop, TripTimes
from busbrain.realtime.fixes import Fix
from busbrain.realtime.rtnet import RtNetwork
from busbrain.realtime.tracker import Context, StopEvent, Track, step

LAT0, LON0 = 41.12, 121.13
KY = math.radians(1) * EARTH_RADIUS_M
KX = KY * math.cos(math.radians(LAT0))

CRUISE_MS = 10.0
"""Cruising speed (36 km/h)."""
ACCEL = 0.9
DECEL = 1.0
"""Pulling away and braking (m/s²); not the matcher's own constants on purpose."""
LANE_M = 3.5
"""A bus drives this far right of a path's centre line."""
POLE_M = 7.5
"""A pole stands this far right of the centre line (the two sides are 15 m apart)."""

XY = tuple[float, float]


def latlon(x: float, y: float) -> tuple[float, float]:
    return LAT0 + y / KY, LON0 + x / KX


class Path:
    """A polyline (metres) with the distance along it."""

    def __init__(self, points: Sequence[XY]) -> None:
        self.points = list(points)
        steps = [math.dist(a, b) for a, b in itertools.pairwise(self.points)]
        self.dist = [0.0, *itertools.accumulate(steps)]

    def at(self, d: float, right: float = 0.0) -> XY:
        """The point `d` metres along, shifted `right` metres to the right of travel."""
        i = min(max(bisect.bisect_left(self.dist, d) - 1, 0), len(self.points) - 2)
        (x0, y0), (x1, y1) = self.points[i], self.points[i + 1]
        seg = self.dist[i + 1] - self.dist[i]
        f = (d - self.dist[i]) / seg
        ux, uy = (x1 - x0) / seg, (y1 - y0) / seg
        return x0 + f * (x1 - x0) + right * uy, y0 + f * (y1 - y0) - right * ux

    def shape(self, shape_id: str) -> Shape:
        pts = (
            ShapePoint(*latlon(x, y), d) for (x, y), d in zip(self.points, self.dist, strict=True)
        )
        return Shape(shape_id, tuple(pts))


@dataclass
class NetBuilder:
    """Stops, patterns and trips, added one by one, then built into an `RtNetwork`."""

    stops: dict[str, Stop] = field(default_factory=dict)
    patterns: dict[str, Pattern] = field(default_factory=dict)
    shapes: list[Shape] = field(default_factory=list)
    trips: list[TripTimes] = field(default_factory=list)

    def pole(self, stop_id: str, name: str, xy: XY) -> None:
        self.stops[stop_id] = Stop(stop_id, name, name.lower(), *latlon(*xy))

    def pattern(
        self,
        pattern_id: str,
        route_id: str,
        direction: int,
        path: Path,
        calls: Sequence[tuple[str, float]],
    ) -> None:
        """A pattern on `path`; `calls` are (stop id, distance along). A stop id not seen
        yet gets a pole `POLE_M` right of the path, named by the id up to any "/" (so
        "S1/0" and "S1/1" are the two poles of station S1)."""
        stops = []
        for sid, d in calls:
            if sid not in self.stops:
                self.pole(sid, sid.split("/")[0], path.at(d, POLE_M))
            stops.append(PatternStop(sid, d))
        self.shapes.append(path.shape(pattern_id))
        self.patterns[pattern_id] = Pattern(
            pattern_id, route_id, direction, pattern_id, None, tuple(stops)
        )

    def trip(
        self,
        trip_id: str,
        pattern_id: str,
        times: Sequence[tuple[float, float]],
        block_id: str | None = None,
        timepoints: tuple[int | None, ...] = (),
    ) -> None:
        """A trip with scheduled (arrival, departure) at each call of its pattern (and
        the GTFS timepoint of each, when given)."""
        p = self.patterns[pattern_id]
        arr = tuple(round(a) for a, _ in times)
        dep = tuple(round(d) for _, d in times)
        ids = tuple(s.stop_id for s in p.stops)
        self.trips.append(
            TripTimes(
                trip_id, p.route_id, pattern_id, block_id, p.direction_id, ids, arr, dep,
                timepoints=timepoints,
            )
        )  # fmt: skip

    def build(self) -> RtNetwork:
        net = build_day_network(
            list(self.stops.values()), list(self.patterns.values()), self.shapes, self.trips
        )
        assert len(net.trips) == len(self.trips)
        return RtNetwork.build(net, day_start_unix=0.0)


Halt = tuple[float, float]
"""(distance along the bus's path, seconds standing there)"""


@dataclass(frozen=True, slots=True)
class _Phase:
    t0: float
    t1: float
    d0: float
    v0: float
    a: float


class Motion:
    """A bus's distance along its path against time: standing at `start_d` until
    `start_t`, then driving to each halt in turn (pull away at `ACCEL`, cruise, brake at
    `DECEL`), standing there for the halt's seconds; standing at the last halt after.
    `arrivals[i]`/`departures[i]`: when it came to a stand at halt i and left it."""

    def __init__(self, start_t: float, halts: Sequence[Halt], start_d: float = 0.0) -> None:
        self.phases: list[_Phase] = []
        self.halt_d = [d for d, _ in halts]
        self.arrivals: list[float] = []
        self.departures: list[float] = []
        self.start_t, self.start_d = start_t, start_d
        t, d = start_t, start_d
        for stop_d, dwell in halts:
            gap = stop_d - d
            v = min(CRUISE_MS, math.sqrt(gap / (1 / (2 * ACCEL) + 1 / (2 * DECEL))))
            ta, tb = v / ACCEL, v / DECEL
            tc = (gap - v * v / (2 * ACCEL) - v * v / (2 * DECEL)) / v
            self._add(t, ta, d, 0.0, ACCEL)
            self._add(t + ta, tc, d + v * v / (2 * ACCEL), v, 0.0)
            self._add(t + ta + tc, tb, stop_d - v * v / (2 * DECEL), v, -DECEL)
            t, d = t + ta + tc + tb, stop_d
            self.arrivals.append(t)
            self._add(t, dwell, stop_d, 0.0, 0.0)
            t += dwell
            self.departures.append(t)

    def _add(self, t0: float, dur: float, d0: float, v0: float, a: float) -> None:
        self.phases.append(_Phase(t0, t0 + dur, d0, v0, a))

    def at(self, t: float) -> tuple[float, float]:
        """(distance along, speed m/s) at time t."""
        if t <= self.start_t:
            return self.start_d, 0.0
        for ph in self.phases:
            if ph.t0 <= t < ph.t1:
                dt = t - ph.t0
                return ph.d0 + ph.v0 * dt + ph.a * dt * dt / 2, ph.v0 + ph.a * dt
        last = self.phases[-1]
        dt = last.t1 - last.t0
        return last.d0 + last.v0 * dt + last.a * dt * dt / 2, 0.0

    def truth(self, d: float) -> tuple[float, float]:
        """(arrival, departure) at `d`: the start, a halt, or else the crossing time."""
        if abs(d - self.start_d) < 1.0:
            return self.start_t, self.start_t
        for i, h in enumerate(self.halt_d):
            if abs(d - h) < 1.0:
                return self.arrivals[i], self.departures[i]
        c = self.crossing(d)
        return c, c

    def schedule(self, dists: Sequence[float], late: float = 0.0) -> list[tuple[float, float]]:
        """A timetable for calls at `dists` that this movement runs `late` seconds late."""
        return [(a - late, d - late) for a, d in map(self.truth, dists)]

    def crossing(self, d: float) -> float:
        """When the bus passes `d` (bisection: distance never decreases)."""
        lo, hi = self.start_t, self.phases[-1].t1
        for _ in range(60):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if self.at(mid)[0] < d else (lo, mid)
        return hi


def sample(
    vehicle_id: str,
    path: Path,
    motion: Motion,
    t0: float,
    t1: float,
    *,
    every: float = 10.0,
    noise_m: float = 2.0,
    seed: int = 1,
    speed: Callable[[float], float | None] | None = None,
) -> list[Fix]:
    """Fixes every `every` s from t0 to t1: the bus's lane position plus uniform noise
    (±`noise_m` on each axis), its true speed in km/h (or `speed(v_kmh)`)."""
    rng = random.Random(seed)
    out = []
    for i in range(int((t1 - t0) // every) + 1):
        t = t0 + i * every
        d, v = motion.at(t)
        x, y = path.at(d, LANE_M)
        x += rng.uniform(-noise_m, noise_m)
        y += rng.uniform(-noise_m, noise_m)
        kmh = round(v * 3.6, 1)
        out.append(Fix(vehicle_id, t, *latlon(x, y), speed_kmh=speed(kmh) if speed else kmh))
    return out


@dataclass
class Run:
    """What the tracker did with one vehicle's fixes."""

    track: Track
    events: list[StopEvent] = field(default_factory=list)
    emitted_at: list[float] = field(default_factory=list)
    """The fix time at which each event came out."""
    assigned: list[int] = field(default_factory=list)
    released_at: list[float] = field(default_factory=list)
    trip_after: list[int] = field(default_factory=list)
    """The track's trip after each fix."""


def track(rt: RtNetwork, fixes: Sequence[Fix], ctx: Context | None = None) -> Run:
    """Step one vehicle's tracker through `fixes` in order (no quality rules)."""
    ctx = ctx or Context(rt)
    run = Run(Track(fixes[0].vehicle_id))
    for f in fixes:
        x, y = rt.net.frame.to_xy(np.array([f.lat]), np.array([f.lon]))
        hint = rt.trip_index.get(f.trip_id) if f.trip_id else None
        res = step(run.track, f.t, float(x[0]), float(y[0]), f.speed_kmh, ctx, trip_hint=hint)
        run.events.extend(res.events)
        run.emitted_at.extend(f.t for _ in res.events)
        if res.assigned is not None:
            run.assigned.append(res.assigned)
        if res.released:
            run.released_at.append(f.t)
        run.trip_after.append(run.track.trip)
    return run


def trip_of(rt: RtNetwork, trip_id: str) -> int:
    return rt.trip_index[trip_id]


def stop_id(rt: RtNetwork, e: StopEvent) -> str:
    """The pole of a stop event."""
    net = rt.net
    return net.stop_ids[int(net.patterns[net.trips[e.trip].pattern].stops[e.k])]


def calls(rt: RtNetwork, events: Sequence[StopEvent]) -> list[tuple[str, int]]:
    """(trip id, call index) of each event."""
    return [(rt.net.trips[e.trip].trip_id, e.k) for e in events]
