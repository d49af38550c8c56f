"""Geometry of the demo city: a local metric frame and polylines in it.

The local frame has x pointing east and y pointing north, both in metres, with its
origin at the city centre (41.12 N, 121.13 E). It maps to WGS-84 degrees with a
sinusoidal projection centred on the origin, which keeps lengths true to about one part
in a million over the whole city, so distances measured in the frame agree with great
circle distances between the published coordinates.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from itertools import pairwise

Point = tuple[float, float]
"""(x, y) in metres east and north of the city centre."""

ORIGIN_LAT = 41.12
"""Latitude of the frame's origin, WGS-84 degrees."""
ORIGIN_LON = 121.13
"""Longitude of the frame's origin, WGS-84 degrees."""
EARTH_RADIUS_M = 6_371_010.0
"""Sphere radius in metres; the one GTFS validators use for haversine distances."""
COORD_DECIMALS = 6
"""Decimals of published coordinates (about 0.1 m)."""


def to_wgs84(p: Point) -> tuple[float, float]:
    """(lat, lon) in WGS-84 degrees, rounded to `COORD_DECIMALS`, of a frame point."""
    lat = ORIGIN_LAT + math.degrees(p[1] / EARTH_RADIUS_M)
    lon = ORIGIN_LON + math.degrees(p[0] / (EARTH_RADIUS_M * math.cos(math.radians(lat))))
    return round(lat, COORD_DECIMALS), round(lon, COORD_DECIMALS)


def to_local(lat: float, lon: float) -> Point:
    """The frame point (metres) of WGS-84 degrees; the inverse of `to_wgs84` before rounding."""
    y = math.radians(lat - ORIGIN_LAT) * EARTH_RADIUS_M
    x = math.radians(lon - ORIGIN_LON) * EARTH_RADIUS_M * math.cos(math.radians(lat))
    return x, y


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS-84 positions given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * math.asin(math.sqrt(min(1.0, h))) * EARTH_RADIUS_M


def dist(a: Point, b: Point) -> float:
    """Straight-line distance in metres between two frame points."""
    return math.hypot(b[0] - a[0], b[1] - a[1])


def heading(a: Point, b: Point) -> float:
    """Direction from a to b in radians, counter-clockwise from east."""
    return math.atan2(b[1] - a[1], b[0] - a[0])


def turn_angle(h1: float, h2: float) -> float:
    """Absolute change of direction in radians (0..pi) between two headings."""
    d = (h2 - h1 + math.pi) % (2 * math.pi) - math.pi
    return abs(d)


def project_on_segment(p: Point, a: Point, b: Point) -> tuple[float, float]:
    """(t, d): the fraction 0..1 along a→b of p's foot point, and p's distance to it (metres)."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    seg2 = dx * dx + dy * dy
    t = 0.0 if seg2 == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / seg2))
    fx, fy = a[0] + t * dx, a[1] + t * dy
    return t, math.hypot(p[0] - fx, p[1] - fy)


def dedupe(points: list[Point], min_gap_m: float = 1.0) -> list[Point]:
    """Drop points closer than `min_gap_m` metres to the previous kept one (keeps the last)."""
    out: list[Point] = []
    for i, p in enumerate(points):
        if out and dist(out[-1], p) < min_gap_m:
            if i == len(points) - 1:
                out[-1] = p
            continue
        out.append(p)
    return out


@dataclass(frozen=True, slots=True)
class Polyline:
    """A line through frame points, with cumulative lengths `cum` in metres."""

    points: tuple[Point, ...]
    cum: tuple[float, ...]

    @staticmethod
    def of(points: list[Point]) -> Polyline:
        cum = [0.0]
        for a, b in pairwise(points):
            cum.append(cum[-1] + dist(a, b))
        return Polyline(tuple(points), tuple(cum))

    @property
    def length(self) -> float:
        """Total length in metres."""
        return self.cum[-1]

    def segment_at(self, s: float) -> int:
        """Index i of the segment points[i]→points[i+1] holding arc position s (metres)."""
        i = bisect.bisect_right(self.cum, s) - 1
        return max(0, min(i, len(self.points) - 2))

    def point_at(self, s: float) -> Point:
        """The point at arc position s metres from the start (clamped to the line)."""
        i = self.segment_at(s)
        seg = self.cum[i + 1] - self.cum[i]
        t = 0.0 if seg == 0 else max(0.0, min(1.0, (s - self.cum[i]) / seg))
        a, b = self.points[i], self.points[i + 1]
        return a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])

    def direction_at(self, s: float) -> Point:
        """Unit tangent (dx, dy) at arc position s metres."""
        i = self.segment_at(s)
        a, b = self.points[i], self.points[i + 1]
        d = dist(a, b) or 1.0
        return (b[0] - a[0]) / d, (b[1] - a[1]) / d

    def between(self, s0: float, s1: float) -> list[Point]:
        """The points from arc position s0 to s1 (metres), reversed when s1 < s0."""
        lo, hi = min(s0, s1), max(s0, s1)
        inner = [p for p, c in zip(self.points, self.cum, strict=True) if lo < c < hi]
        out = [self.point_at(lo), *inner, self.point_at(hi)]
        return out if s0 <= s1 else out[::-1]

    def project(self, p: Point, lo: float, hi: float) -> tuple[float, float]:
        """(s, d): arc position (metres) of the point of [lo, hi] nearest p, and its distance."""
        best_s, best_d = lo, math.inf
        for i in range(self.segment_at(lo), self.segment_at(hi) + 1):
            t, d = project_on_segment(p, self.points[i], self.points[i + 1])
            if d < best_d:
                best_d = d
                best_s = self.cum[i] + t * (self.cum[i + 1] - self.cum[i])
        return max(lo, min(hi, best_s)), best_d
