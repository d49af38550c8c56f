"""Types and independent geometry helpers for the tests (metres, WGS-84 degrees)."""

from __future__ import annotations

import math

Row = dict[str, object]
Feed = dict[str, list[Row]]

R = 6_371_010.0


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * R * math.asin(math.sqrt(h))


def local(lat: float, lon: float, lat0: float = 41.12, lon0: float = 121.13) -> tuple[float, float]:
    """Equirectangular metres around (lat0, lon0); fine for a city."""
    x = math.radians(lon - lon0) * R * math.cos(math.radians((lat + lat0) / 2))
    return x, math.radians(lat - lat0) * R


def project(
    p: tuple[float, float], line: list[tuple[float, float]], cum: list[float], lo: float, hi: float
) -> tuple[float, float]:
    """(arc, distance): p's nearest point on the polyline between arcs lo and hi (metres)."""
    best = (lo, math.inf)
    for i in range(len(line) - 1):
        if cum[i + 1] < lo or cum[i] > hi:
            continue
        (ax, ay), (bx, by) = line[i], line[i + 1]
        dx, dy = bx - ax, by - ay
        seg2 = dx * dx + dy * dy
        t = 0.0 if seg2 == 0 else max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / seg2))
        d = math.hypot(p[0] - ax - t * dx, p[1] - ay - t * dy)
        if d < best[1]:
            best = (cum[i] + t * (cum[i + 1] - cum[i]), d)
    return best


def side(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    """Positive when p lies left of the direction a→b, negative when right."""
    return (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])
