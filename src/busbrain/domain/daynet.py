"""The network on one service day as arrays in a local metric frame.

Shared by the simulator and the real-time processors, built from the store's domain
values (stops, patterns, shapes, the day's trips); pure.
Positions are metres east (x) and north (y) of the network's centre; distances along a
pattern are metres along its shape; times are seconds after the service day's start.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from busbrain.domain.geo import EARTH_RADIUS_M
from busbrain.domain.network import LocationType, Pattern, Shape, Stop, TripTimes

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

STATION_RADIUS_M = 250.0
"""Poles with the same name this close together form one station when the feed has no
parent stations (the two sides of a road)."""
FALLBACK_SPEED_MS = 6.0
"""Running speed (m/s, about 22 km/h) where the schedule gives no usable time."""


@dataclass(frozen=True, slots=True)
class Frame:
    """A local equirectangular frame around (lat0, lon0), degrees."""

    lat0: float
    lon0: float
    kx: float = field(init=False)
    """Metres per degree of longitude here."""
    ky: float = field(init=False)
    """Metres per degree of latitude."""

    def __post_init__(self) -> None:
        ky = math.radians(1) * EARTH_RADIUS_M
        object.__setattr__(self, "ky", ky)
        object.__setattr__(self, "kx", ky * math.cos(math.radians(self.lat0)))

    def to_xy(self, lat: F64, lon: F64) -> tuple[F64, F64]:
        return (lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky

    def to_xy_point(self, lat: float, lon: float) -> tuple[float, float]:
        """One position's metres east and north (no arrays, for the per-fix hot path)."""
        return (lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky

    def to_latlon(self, x: F64, y: F64) -> tuple[F64, F64]:
        return self.lat0 + y / self.ky, self.lon0 + x / self.kx


@dataclass(frozen=True, slots=True)
class DayPattern:
    """A stopping pattern: its stops (indices into `DayNetwork.stop_ids`), their distances
    along the shape (m), and the shape itself in the local frame."""

    pattern_id: str
    route_id: str
    stops: I64
    stop_dist: F64
    shape_x: F64
    shape_y: F64
    shape_d: F64

    def xy_at(self, d: F64) -> tuple[F64, F64]:
        """Positions at distances `d` (m) along the shape."""
        return np.interp(d, self.shape_d, self.shape_x), np.interp(d, self.shape_d, self.shape_y)


@dataclass(frozen=True, slots=True)
class DayTrip:
    """A scheduled trip: its pattern and the times at each of its stops (seconds after
    the service day's start, gaps filled by distance)."""

    trip_id: str
    route_id: str
    pattern: int
    block_id: str | None
    arrival_s: I64
    departure_s: I64
    stop_sequences: tuple[int, ...]
    direction_id: int | None = None
    waits: tuple[int, ...] = ()
    """Calls (indices) where an early bus waits for its scheduled departure: the
    timepoints of a feed that marks some calls exact (timepoint 1) and others approximate
    (0), as operators who hold at timepoints publish them. Empty when the feed does not
    say (a blank timepoint is exact by GTFS, but a feed that leaves them all blank tells
    nothing of holding)."""


@dataclass(frozen=True, slots=True)
class DayNetwork:
    frame: Frame
    stop_ids: tuple[str, ...]
    stop_names: tuple[str, ...]
    stop_x: F64
    stop_y: F64
    station_of: I64
    """Station index of each stop (pole)."""
    station_names: tuple[str, ...]
    station_x: F64
    station_y: F64
    station_poles: tuple[tuple[int, ...], ...]
    patterns: tuple[DayPattern, ...]
    trips: tuple[DayTrip, ...]

    @property
    def stations(self) -> int:
        return len(self.station_names)


def _stations(stops: list[Stop], x: F64, y: F64) -> tuple[I64, list[str], list[list[int]]]:
    """Group poles into stations: by parent_station where given, else by name and
    distance (within `STATION_RADIUS_M`), else each pole alone."""
    station_of = np.full(len(stops), -1, dtype=np.int64)
    names: list[str] = []
    poles: list[list[int]] = []
    by_parent: dict[str, int] = {}
    by_name: dict[str, list[int]] = defaultdict(list)  # name -> station indices
    for i, stop in enumerate(stops):
        if stop.parent_station:
            k = by_parent.get(stop.parent_station)
            if k is None:
                k = by_parent[stop.parent_station] = len(names)
                names.append(stop.name)
                poles.append([])
        else:
            k = -1
            for cand in by_name[stop.name]:
                first = poles[cand][0]
                if math.hypot(x[first] - x[i], y[first] - y[i]) <= STATION_RADIUS_M:
                    k = cand
                    break
            if k < 0:
                k = len(names)
                names.append(stop.name)
                poles.append([])
                by_name[stop.name].append(k)
        station_of[i] = k
        poles[k].append(i)
    return station_of, names, poles


def _fill_times(times: list[int | None], dist: F64) -> I64:
    """Missing times interpolated by distance; a trip needs its first and last time."""
    known = [i for i, t in enumerate(times) if t is not None]
    out = np.interp(dist, dist[known], np.array([times[i] for i in known], dtype=np.float64))
    return np.round(out).astype(np.int64)


def _trip(t: TripTimes, p: int, pattern: DayPattern) -> DayTrip | None:
    n = len(pattern.stops)
    if len(t.stop_ids) != n:
        return None
    arr = [a if a is not None else d for a, d in zip(t.arrival_s, t.departure_s, strict=True)]
    dep = [d if d is not None else a for a, d in zip(t.arrival_s, t.departure_s, strict=True)]
    if arr[0] is None or arr[-1] is None:
        return None
    arrival = _fill_times(arr, pattern.stop_dist)
    departure = np.maximum(_fill_times(dep, pattern.stop_dist), arrival)
    sequences = t.stop_sequences or tuple(range(1, n + 1))
    marked = t.timepoints if len(t.timepoints) == n and 0 in t.timepoints else ()
    waits = tuple(k for k, tp in enumerate(marked) if tp == 1)
    return DayTrip(
        t.trip_id, t.route_id, p, t.block_id, arrival, departure, sequences, t.direction_id,
        waits,
    )  # fmt: skip


def build_day_network(
    stops: list[Stop],
    patterns: list[Pattern],
    shapes: list[Shape],
    trips: list[TripTimes],
) -> DayNetwork:
    """The network on one day, as the simulator and the matcher see it. Trips whose
    calls do not match their pattern are left out (the importer builds patterns from
    the calls, so none should be)."""
    poles = [s for s in stops if s.location_type == LocationType.STOP]
    lat = np.array([s.lat for s in poles], dtype=np.float64)
    lon = np.array([s.lon for s in poles], dtype=np.float64)
    frame = Frame(float(lat.mean()) if len(poles) else 0.0, float(lon.mean()) if poles else 0.0)
    x, y = frame.to_xy(lat, lon)
    index = {s.stop_id: i for i, s in enumerate(poles)}
    station_of, names, station_poles = _stations(poles, x, y)
    sx = np.array([x[p].mean() for p in station_poles])
    sy = np.array([y[p].mean() for p in station_poles])
    shape_by_id = {s.shape_id: s for s in shapes}
    sim_patterns: list[DayPattern] = []
    pattern_index: dict[str, int] = {}
    for p in patterns:
        shape = shape_by_id.get(p.shape_id)
        if shape is None or len(shape.points) < 2 or any(ps.stop_id not in index for ps in p.stops):
            continue
        plat = np.array([pt.lat for pt in shape.points])
        plon = np.array([pt.lon for pt in shape.points])
        px, py = frame.to_xy(plat, plon)
        pd = np.maximum.accumulate(np.array([pt.dist_m for pt in shape.points]))
        pattern_index[p.pattern_id] = len(sim_patterns)
        sim_patterns.append(
            DayPattern(
                p.pattern_id,
                p.route_id,
                np.array([index[ps.stop_id] for ps in p.stops], dtype=np.int64),
                np.maximum.accumulate(np.array([ps.dist_m for ps in p.stops], dtype=np.float64)),
                px,
                py,
                pd,
            )
        )
    sim_trips = []
    for t in trips:
        k = pattern_index.get(t.pattern_id)
        if k is None:
            continue
        trip = _trip(t, k, sim_patterns[k])
        if trip is not None:
            sim_trips.append(trip)
    sim_trips.sort(key=lambda t: (int(t.departure_s[0]), t.trip_id))
    return DayNetwork(
        frame,
        tuple(s.stop_id for s in poles),
        tuple(s.name for s in poles),
        x,
        y,
        station_of,
        tuple(names),
        sx,
        sy,
        tuple(tuple(p) for p in station_poles),
        tuple(sim_patterns),
        tuple(sim_trips),
    )
