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


_M_PER_DEG_UP = math.radians(1) * EARTH_RADIUS_M * (1 + 1e-9)
"""Metres per degree of a great circle, rounded up past floating-point error."""

_BOUND_SLACK_M = 1e-6
"""Absolute slack (metres): at micrometre distances `haversine_m` subtracts radians of
nearly equal latitudes, and its rounding (~1e-9 m) can exceed any relative margin."""


def distance_bound_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """An upper bound (metres) of `haversine_m` without its trigonometry: the way along
    the meridian, then along the parallel (never longer than the equator's arc), which
    the great circle cannot exceed. For deciding that two fixes are plainly near."""
    return (abs(lat2 - lat1) + abs(lon2 - lon1)) * _M_PER_DEG_UP + _BOUND_SLACK_M


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


def _segment_projection(
    ax: FloatArray, ay: FloatArray, dx: FloatArray, dy: FloatArray, px: float, py: float
) -> tuple[FloatArray, FloatArray]:
    """For one point: the fraction along each segment of its closest point, and the offset."""
    seg_len2 = np.maximum(dx * dx + dy * dy, 1e-12)
    t = np.clip(((px - ax) * dx + (py - ay) * dy) / seg_len2, 0.0, 1.0)
    return t, np.hypot(ax + t * dx - px, ay + t * dy - py)


def _candidates(off: FloatArray, slack_m: float, most: int) -> list[int]:
    """Segments where the offset has a local minimum, the closest `most` within slack."""
    n = off.size
    left = np.concatenate(([np.inf], off[:-1]))
    right = np.concatenate((off[1:], [np.inf]))
    minima = np.flatnonzero((off <= left) & (off <= right))
    best = float(off.min())
    keep = minima[off[minima] <= best + slack_m]
    if keep.size > most:
        keep = keep[np.argsort(off[keep], kind="stable")[:most]]
    return sorted(int(k) for k in keep) if keep.size else [int(np.argmin(off)) if n else 0]


def project_in_order(
    line_x: FloatArray,
    line_y: FloatArray,
    line_d: FloatArray,
    pts_x: FloatArray,
    pts_y: FloatArray,
    slack_m: float = 200.0,
    most: int = 8,
) -> tuple[FloatArray, FloatArray]:
    """Project points, in travel order, onto a polyline without going backwards.

    Returns (distance along the line in metres, offset from the line in metres) for each
    point. Each point has candidate positions (every passage of the line near it); the
    chosen positions never decrease along the line and minimise the sum of offsets
    (dynamic programming). So on loops, out-and-back roads and stops on both sides of a
    street every stop lands on the passage the vehicle serves it from.
    """
    n_pts = pts_x.size
    if line_x.size < 2:
        off = np.hypot(pts_x - line_x[0], pts_y - line_y[0]) if line_x.size else np.zeros(n_pts)
        return np.zeros(n_pts), off
    ax, ay = line_x[:-1], line_y[:-1]
    dx, dy = np.diff(line_x), np.diff(line_y)
    seg_len = np.hypot(dx, dy)
    cand_d: list[FloatArray] = []
    cand_o: list[FloatArray] = []
    for i in range(n_pts):
        t, off = _segment_projection(ax, ay, dx, dy, float(pts_x[i]), float(pts_y[i]))
        ks = _candidates(off, slack_m, most)
        cand_d.append(np.array([line_d[k] + t[k] * seg_len[k] for k in ks]))
        cand_o.append(np.array([off[k] for k in ks]))
    return _best_path(cand_d, cand_o, ax, ay, dx, dy, seg_len, line_d, pts_x, pts_y)


def _best_path(
    cand_d: list[FloatArray],
    cand_o: list[FloatArray],
    ax: FloatArray,
    ay: FloatArray,
    dx: FloatArray,
    dy: FloatArray,
    seg_len: FloatArray,
    line_d: FloatArray,
    pts_x: FloatArray,
    pts_y: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """The non-decreasing choice of candidates with the least total offset."""
    n = len(cand_d)
    cost = [cand_o[0].copy()]
    back: list[npt.NDArray[np.int64]] = [np.full(cand_d[0].size, -1)]
    for i in range(1, n):
        prev_d, prev_c = cand_d[i - 1], cost[i - 1]
        ok = prev_d[None, :] <= cand_d[i][:, None] + 1e-6
        total = np.where(ok, prev_c[None, :], np.inf)
        j = np.argmin(total, axis=1)
        best = total[np.arange(j.size), j]
        if not np.isfinite(best).any():
            # The stop order contradicts the line: hold at the best previous position.
            k = int(np.argmin(prev_c))
            hold = float(prev_d[k])
            cand_d[i] = np.array([hold])
            cand_o[i] = np.array(
                [_offset_at(hold, ax, ay, dx, dy, seg_len, line_d, pts_x[i], pts_y[i])]
            )
            j, best = np.array([k]), np.array([prev_c[k]])
        cost.append(best + cand_o[i])
        back.append(j)
    dist, offs = np.zeros(n), np.zeros(n)
    k = int(np.argmin(cost[-1]))
    for i in range(n - 1, -1, -1):
        dist[i], offs[i] = cand_d[i][k], cand_o[i][k]
        k = int(back[i][k])
    return dist, offs


def _offset_at(
    d: float,
    ax: FloatArray,
    ay: FloatArray,
    dx: FloatArray,
    dy: FloatArray,
    seg_len: FloatArray,
    line_d: FloatArray,
    px: float,
    py: float,
) -> float:
    k = int(np.clip(np.searchsorted(line_d, d, side="right") - 1, 0, seg_len.size - 1))
    t = 0.0 if seg_len[k] == 0 else (d - line_d[k]) / seg_len[k]
    return float(np.hypot(ax[k] + t * dx[k] - px, ay[k] + t * dy[k] - py))
