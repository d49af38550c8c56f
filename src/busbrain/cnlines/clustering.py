"""Cluster same-name stop positions into poles, and poles into stations.

Each line lists its own position for a stop, so one physical pole appears many times
with a few metres of scatter, and the two poles of a stop on either side of a road
share its name. Positions are WGS-84 degrees, distances metres.

- Pole: same-name positions within `POLE_RADIUS_M` (50 m) of the cluster's centroid
  whose travel headings agree (within 90 degrees), so the two sides of a road stay
  apart; positions within `SAME_PLACE_M` (15 m) merge whatever the heading (a
  terminus where buses arrive and leave at the same kerb).
- Station: same-name poles within `STATION_RADIUS_M` (300 m) of one another (single
  linkage), when there are at least two of them.

Names are compared ignoring bracket width and spaces. Deterministic: points are
visited in sorted order.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from busbrain.cnlines.geometry import distance_m
from busbrain.cnlines.linename import normalise_name
from busbrain.cnlines.records import LonLat

POLE_RADIUS_M = 50.0
SAME_PLACE_M = 15.0
STATION_RADIUS_M = 300.0


@dataclass(frozen=True, slots=True)
class Sighting:
    """One line's position for a named stop, with the bus's heading there (radians or None)."""

    name: str
    lon: float
    lat: float
    heading: float | None


@dataclass
class _Cluster:
    sum_lon: float = 0.0
    sum_lat: float = 0.0
    count: int = 0
    east: float = 0.0  # summed heading unit vectors
    north: float = 0.0
    members: list[int] = field(default_factory=list)

    @property
    def centre(self) -> LonLat:
        return self.sum_lon / self.count, self.sum_lat / self.count

    def add(self, index: int, s: Sighting) -> None:
        self.sum_lon += s.lon
        self.sum_lat += s.lat
        self.count += 1
        if s.heading is not None:
            self.east += math.sin(s.heading)
            self.north += math.cos(s.heading)
        self.members.append(index)

    def accepts(self, s: Sighting) -> float | None:
        """Distance in metres to `s` if it may join, else None."""
        d = distance_m(self.centre, (s.lon, s.lat))
        if d <= SAME_PLACE_M:
            return d
        if d > POLE_RADIUS_M:
            return None
        if s.heading is None or (self.east == 0.0 and self.north == 0.0):
            return d
        agree = self.east * math.sin(s.heading) + self.north * math.cos(s.heading)
        return d if agree > 0.0 else None


@dataclass(frozen=True, slots=True)
class Place:
    """A pole or station: name and WGS-84 position (degrees)."""

    name: str
    lon: float
    lat: float


@dataclass
class StopLayout:
    """Poles and stations; `pole_of[i]` is the pole of sighting i, `station_of[k]` of pole k."""

    poles: list[Place]
    pole_of: list[int]
    stations: list[Place]
    station_of: list[int | None]


def _sort_key(s: Sighting) -> tuple[float, float, float, str]:
    return s.lon, s.lat, -10.0 if s.heading is None else s.heading, s.name


def _cluster_name(sightings: list[Sighting], indices: list[int]) -> list[_Cluster]:
    """Leader clustering of one name's sightings, in sorted order."""
    clusters: list[_Cluster] = []
    order = sorted(indices, key=lambda i: _sort_key(sightings[i]))
    for i in order:
        s = sightings[i]
        scored = [(d, k) for k, c in enumerate(clusters) if (d := c.accepts(s)) is not None]
        if scored:
            clusters[min(scored)[1]].add(i, s)
        else:
            cluster = _Cluster()
            cluster.add(i, s)
            clusters.append(cluster)
    return clusters


def _stations(poles: list[Place]) -> tuple[list[Place], list[int | None]]:
    """Group same-name poles within STATION_RADIUS_M (union-find); singletons get None."""
    parent = list(range(len(poles)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_name: dict[str, list[int]] = defaultdict(list)
    for k, pole in enumerate(poles):
        by_name[pole.name].append(k)
    for members in by_name.values():
        for x, a in enumerate(members):
            for b in members[x + 1 :]:
                pa, pb = (poles[a].lon, poles[a].lat), (poles[b].lon, poles[b].lat)
                if distance_m(pa, pb) <= STATION_RADIUS_M:
                    parent[root(b)] = root(a)
    groups: dict[int, list[int]] = defaultdict(list)
    for k in range(len(poles)):
        groups[root(k)].append(k)
    stations: list[Place] = []
    station_of: list[int | None] = [None] * len(poles)
    for members in sorted(groups.values()):
        if len(members) < 2:
            continue
        lon = sum(poles[k].lon for k in members) / len(members)
        lat = sum(poles[k].lat for k in members) / len(members)
        for k in members:
            station_of[k] = len(stations)
        stations.append(Place(poles[members[0]].name, lon, lat))
    return stations, station_of


def _spelling(sightings: list[Sighting], indices: list[int]) -> str:
    """The most frequent spelling of a name (ties: the smallest string)."""
    counts = Counter(sightings[i].name for i in indices)
    return min(counts, key=lambda name: (-counts[name], name))


def layout_stops(sightings: list[Sighting]) -> StopLayout:
    """Poles (sorted by name, then position) and stations for all `sightings`.

    Names are compared after `normalise_name` (so "浙大(玉古路)" and "浙大（玉古路）" are
    one name) and shown in their most frequent spelling.
    """
    by_name: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(sightings):
        by_name[normalise_name(s.name)].append(i)
    found: list[tuple[Place, list[int]]] = []
    for indices in by_name.values():
        name = _spelling(sightings, indices)
        for cluster in _cluster_name(sightings, indices):
            lon, lat = cluster.centre
            found.append((Place(name, lon, lat), cluster.members))
    found.sort(key=lambda item: (item[0].name, item[0].lon, item[0].lat))
    pole_of = [0] * len(sightings)
    for k, (_, members) in enumerate(found):
        for i in members:
            pole_of[i] = k
    poles = [place for place, _ in found]
    stations, station_of = _stations(poles)
    return StopLayout(poles, pole_of, stations, station_of)
