"""Shapes (the streets a line drives, as WGS-84 polylines) and where its stops lie on them.

Distances are metres of great-circle length between the published (rounded) shape
points, so `shape_dist_traveled` agrees with what any consumer measures. A stop's
distance is its pole's projection onto the shape, searched near where the line's path
says the station is, so a shape passing the same place twice never confuses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from busbrain.democity.geo import Point, Polyline, dedupe, haversine_m, to_local, to_wgs84
from busbrain.democity.network import Network
from busbrain.democity.paths import Path
from busbrain.democity.stations import Call, Pole, Station

SEARCH_WINDOW_M = 90.0
"""A pole is projected onto the shape within this many metres of its expected place."""
DIST_DECIMALS = 2
"""Decimals of published `shape_dist_traveled` values (centimetres)."""


@dataclass(frozen=True, slots=True)
class Pattern:
    """One direction of one line: its shape and its calls.

    `points` are (lat, lon) WGS-84 degrees; `shape_dist` and `stop_dist` metres along
    the shape; `poles` the pole indices called at, in order.
    """

    shape_id: str
    points: tuple[tuple[float, float], ...]
    shape_dist: tuple[float, ...]
    poles: tuple[int, ...]
    stop_dist: tuple[float, ...]


def _path_geometry(net: Network, path: Path) -> tuple[list[Point], list[float]]:
    """The path's points (metres) and the arc (metres) where each step starts."""
    points: list[Point] = []
    offsets: list[float] = []
    travelled = 0.0
    for e, d in path:
        edge = net.edges[e]
        offsets.append(travelled)
        travelled += edge.line.length
        points.extend(edge.points(d) if not points else edge.points(d)[1:])
    return dedupe(points), offsets


def _expected_arcs(
    net: Network, path: Path, offsets: list[float], stations: list[Station]
) -> dict[int, float]:
    """Station index -> roughly where (metres along the path) the path passes it."""
    on_edge: dict[int, list[Station]] = {}
    for st in stations:
        on_edge.setdefault(st.edge, []).append(st)
    out: dict[int, float] = {}
    for (e, d), start in zip(path, offsets, strict=True):
        edge = net.edges[e]
        for st in on_edge.get(e, []):
            out[st.index] = start + (st.s - edge.s0 if d > 0 else edge.s1 - st.s)
    return out


def _rotate(points: list[Point], at: float) -> list[Point]:
    """A closed polyline's points restarted at arc position `at` (metres)."""
    line = Polyline.of(points)
    return dedupe(line.between(at, line.length) + line.between(0.0, at)[1:])


def _to_published(points: list[Point]) -> tuple[list[tuple[float, float]], Polyline, list[float]]:
    """Rounded (lat, lon) points, their local-frame polyline and great-circle cumulative metres."""
    latlon = [to_wgs84(p) for p in points]
    latlon = [p for i, p in enumerate(latlon) if i == 0 or p != latlon[i - 1]]
    cum = [0.0]
    for (la1, lo1), (la2, lo2) in pairwise(latlon):
        cum.append(cum[-1] + haversine_m(la1, lo1, la2, lo2))
    return latlon, Polyline.of([to_local(*p) for p in latlon]), cum


def _great_circle_arc(local: Polyline, cum: list[float], s: float) -> float:
    """Convert arc position s on the local polyline into great-circle metres."""
    i = local.segment_at(s)
    seg = local.cum[i + 1] - local.cum[i]
    t = 0.0 if seg == 0 else (s - local.cum[i]) / seg
    return cum[i] + t * (cum[i + 1] - cum[i])


def build_pattern(
    net: Network,
    path: Path,
    calls: list[Call],
    poles: dict[Call, Pole],
    stations: list[Station],
    loop: bool,
    shape_id: str,
) -> Pattern:
    """The shape and stop distances of one direction of a line driving `path`."""
    points, offsets = _path_geometry(net, path)
    expected = _expected_arcs(net, path, offsets, stations)
    arcs = [expected[s] for s, _ in calls]
    if loop:
        line = Polyline.of(points)
        first = poles[calls[0]].pos
        start, _ = line.project(first, arcs[0] - SEARCH_WINDOW_M, arcs[0] + SEARCH_WINDOW_M)
        points = _rotate(points, start)
        arcs = [0.0, *((a - start) % line.length for a in arcs[1:-1]), line.length]
    latlon, local, cum = _to_published(points)
    stop_dist: list[float] = []
    for call, arc in zip(calls, arcs, strict=True):
        pos = to_local(*to_wgs84(poles[call].pos))
        lo = max(0.0, arc - SEARCH_WINDOW_M)
        s, _ = local.project(pos, lo, min(local.length, arc + SEARCH_WINDOW_M))
        stop_dist.append(round(min(_great_circle_arc(local, cum, s), cum[-1]), DIST_DECIMALS))
    if any(b <= a for a, b in pairwise(stop_dist)):
        raise ValueError(f"stops out of order along shape {shape_id}")
    return Pattern(
        shape_id,
        tuple(latlon),
        tuple(round(c, DIST_DECIMALS) for c in cum),
        tuple(poles[c].index for c in calls),
        tuple(stop_dist),
    )
