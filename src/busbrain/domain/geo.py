"""Geometry on WGS-84 positions at city scale.

Distances in metres. For lengths and projections inside one city a local
equirectangular frame (metres east and north of a reference point) is accurate to
well under 0.1 % — far below GPS noise — and needs no projection library.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_M = 6_371_008.8
FloatArray = npt.NDArray[np.float64]


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS-84 positions (degrees)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def to_local_m(
    lat: FloatArray, lon: FloatArray, ref_lat: float, ref_lon: float
) -> tuple[FloatArray, FloatArray]:
    """Metres east (x) and north (y) of (ref_lat, ref_lon), equirectangular."""
    k = math.radians(1) * EARTH_RADIUS_M
    x = (lon - ref_lon) * k * math.cos(math.radians(ref_lat))
    y = (lat - ref_lat) * k
    return x, y


def cumulative_length_m(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """Distance along a polyline from its first point to each point, in metres."""
    if lat.size == 0:
        return np.zeros(0)
    x, y = to_local_m(lat, lon, float(lat[0]), float(lon[0]))
    steps = np.hypot(np.diff(x), np.diff(y))
    return np.concatenate(([0.0], np.cumsum(steps)))


def project_in_order(
    line_x: FloatArray,
    line_y: FloatArray,
    line_d: FloatArray,
    pts_x: FloatArray,
    pts_y: FloatArray,
    tolerance_m: float = 25.0,
) -> tuple[FloatArray, FloatArray]:
    """Project points, in travel order, onto a polyline without going backwards.

    Returns (distance along the line in metres, offset from the line in metres) for each
    point. A point goes to the first passage of the line, at or after the previous
    point's position, that comes within `tolerance_m` of the best offset further on (then
    to that passage's closest point): on loops and out-and-back routes this picks the
    passage the vehicle reaches first, not a later one.
    """
    n_seg = line_x.size - 1
    dist = np.zeros(pts_x.size)
    off = np.zeros(pts_x.size)
    if n_seg < 1:
        off[:] = np.hypot(pts_x - line_x[0], pts_y - line_y[0]) if line_x.size else 0.0
        return dist, off
    ax, ay = line_x[:-1], line_y[:-1]
    dx, dy = np.diff(line_x), np.diff(line_y)
    seg_len2 = np.maximum(dx * dx + dy * dy, 1e-12)
    seg_len = np.sqrt(seg_len2)
    start_seg, start_t = 0, 0.0
    for i in range(pts_x.size):
        sl = slice(start_seg, n_seg)
        t = ((pts_x[i] - ax[sl]) * dx[sl] + (pts_y[i] - ay[sl]) * dy[sl]) / seg_len2[sl]
        t = np.clip(t, 0.0, 1.0)
        t[0] = max(t[0], start_t)
        d = np.hypot(ax[sl] + t * dx[sl] - pts_x[i], ay[sl] + t * dy[sl] - pts_y[i])
        best = float(d.min())
        k = int(np.argmax(d <= best + tolerance_m))
        while k + 1 < d.size and d[k + 1] <= d[k]:  # slide to this passage's closest point
            k += 1
        seg = start_seg + k
        dist[i] = line_d[seg] + t[k] * seg_len[seg]
        off[i] = d[k]
        start_seg, start_t = seg, float(t[k])
    return dist, off
