"""Geometry on (lon, lat) WGS-84 degrees: distances in metres, projection onto a path.

Distances are great-circle (`busbrain.domain.geo.haversine_m`, which takes lat first;
these helpers take the (lon, lat) pairs the Chinese sources use); point-to-segment uses
a local equirectangular plane, accurate to well under a metre over a bus line.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from busbrain.cnlines.records import LonLat
from busbrain.domain.geo import EARTH_RADIUS_M, haversine_m

_M_PER_DEG = math.pi * EARTH_RADIUS_M / 180.0


def distance_m(a: LonLat, b: LonLat) -> float:
    """Great-circle distance in metres between two (lon, lat) points in degrees."""
    return haversine_m(a[1], a[0], b[1], b[0])


def bearing_rad(a: LonLat, b: LonLat) -> float | None:
    """Direction from a to b in radians (0 north, clockwise), None if they coincide."""
    east = (b[0] - a[0]) * math.cos(math.radians((a[1] + b[1]) / 2))
    north = b[1] - a[1]
    if east == 0.0 and north == 0.0:
        return None
    return math.atan2(east, north)


def cumulative_m(points: Sequence[LonLat]) -> list[float]:
    """Distance in metres along `points` at each point, starting at 0."""
    total = [0.0]
    for a, b in itertools.pairwise(points):
        total.append(total[-1] + distance_m(a, b))
    return total


@dataclass(frozen=True, slots=True)
class _Foot:
    offset_m: float  # distance from the point to the segment
    fraction: float  # 0..1 along the segment


def _foot(point: LonLat, a: LonLat, b: LonLat) -> _Foot:
    """The nearest point of segment a-b to `point`, in a local plane."""
    kx = math.cos(math.radians(point[1])) * _M_PER_DEG
    ax, ay = (a[0] - point[0]) * kx, (a[1] - point[1]) * _M_PER_DEG
    bx, by = (b[0] - point[0]) * kx, (b[1] - point[1]) * _M_PER_DEG
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0.0 else min(1.0, max(0.0, -(ax * dx + ay * dy) / length2))
    return _Foot(math.hypot(ax + t * dx, ay + t * dy), t)


def project_in_order(path: Sequence[LonLat], stops: Sequence[LonLat]) -> list[float]:
    """Distance in metres along `path` of each stop, never decreasing along the stops.

    Chooses one segment per stop, in non-decreasing segment order, minimising the
    summed stop-to-path distances (dynamic programming, O(stops x segments)), so a
    loop line's last stop is matched to the end of the path, not to its start.
    """
    if len(path) < 2:
        return [0.0 for _ in stops]
    along = cumulative_m(path)
    segments = range(len(path) - 1)
    feet = [[_foot(s, path[j], path[j + 1]) for j in segments] for s in stops]
    choice = _best_segments([[f.offset_m for f in row] for row in feet])
    result: list[float] = []
    for stop_feet, j in zip(feet, choice, strict=True):
        position = along[j] + stop_feet[j].fraction * (along[j + 1] - along[j])
        result.append(max(position, result[-1]) if result else position)
    return result


def _best_segments(cost: list[list[float]]) -> list[int]:
    """Non-decreasing column per row minimising the summed cost (rows x columns)."""
    columns = len(cost[0])
    total = list(cost[0])
    back: list[list[int]] = []
    for row in cost[1:]:
        best_j, best, links, new_total = 0, math.inf, [], []
        for j in range(columns):
            if total[j] < best:
                best, best_j = total[j], j
            links.append(best_j)
            new_total.append(best + row[j])
        back.append(links)
        total = new_total
    j = min(range(columns), key=total.__getitem__)
    path = [j]
    for links in reversed(back):
        j = links[j]
        path.append(j)
    return path[::-1]
