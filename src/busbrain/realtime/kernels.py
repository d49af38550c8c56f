"""The live path's inner loops, compiled (numba): projecting a fix on a shape, finding
a shape's passes near a point, and a bus's arrival times at the calls ahead.

Each is a few multiplications on a few dozen numbers. In Python, or as a chain of numpy
calls, the per-call cost (about a microsecond per numpy call) was most of what a fix
cost; compiled, each is one call. They take plain arrays and numbers and return new
arrays or numbers, so they stay pure; `rtnet` and `predict` keep the state and hand
them their slices. Lengths in metres, times in seconds after the service day's start.

The first call of each in a process compiles it (about a second) unless numba's cache,
kept beside this file in `__pycache__`, already holds it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
from numba import njit

from busbrain.domain.daynet import F64, I64

BoolArray = np.ndarray[Any, np.dtype[np.bool_]]
_F = TypeVar("_F", bound=Callable[..., Any])


def _compiled(fn: _F) -> _F:
    """`fn` compiled on its first call (cached on disk), its signature kept for mypy."""
    return cast(_F, njit(cache=True, nogil=True)(fn))


@_compiled
def _closest_on_segment(
    xs: F64, ys: F64, ds: F64, dxs: F64, dys: F64, dds: F64, inv2: F64, i: int, x: float,
    y: float,
) -> tuple[float, float]:  # fmt: skip
    """Segment i's point closest to (x, y): (its distance along the shape, its squared
    offset; squared, so that comparing costs no root)."""
    dx = dxs[i]
    dy = dys[i]
    px = x - xs[i]
    py = y - ys[i]
    f = (px * dx + py * dy) * inv2[i]
    if f < 0.0:
        f = 0.0
    elif f > 1.0:
        f = 1.0
    ex = px - f * dx
    ey = py - f * dy
    return ds[i] + f * dds[i], ex * ex + ey * ey


@_compiled
def project_window(
    xs: F64,
    ys: F64,
    ds: F64,
    dxs: F64,
    dys: F64,
    dds: F64,
    inv2: F64,
    x: float,
    y: float,
    lo: float,
    hi: float,
) -> tuple[float, float]:
    """Closest point of the shape (points `xs`, `ys` at distances along `ds`; per
    segment its extents and the inverse of its squared length, 0 when degenerate) to
    (x, y) among distances [lo, hi]: (distance along, offset). Linear referencing
    restricted to a window keeps loops and lollipops from matching the wrong pass; the
    closest point outside the window counts only when none falls inside."""
    n = len(ds)
    i0 = max(int(np.searchsorted(ds, lo, side="right")) - 1, 0)
    i1 = min(int(np.searchsorted(ds, hi, side="left")) + 1, n - 1)
    if i1 <= i0:
        i1 = min(i0 + 1, n - 1)
        i0 = max(i1 - 1, 0)
    best_off = math.inf  # squared offsets until the end
    best_in = math.inf
    best_d = 0.0
    best_d_in = 0.0
    lo_in = lo - 1e-6
    hi_in = hi + 1e-6
    for i in range(i0, i1):
        d, off = _closest_on_segment(xs, ys, ds, dxs, dys, dds, inv2, i, x, y)
        if off >= best_in:
            continue  # cannot beat the best inside the window (nor so the best overall)
        if off < best_off:
            best_off = off
            best_d = d
        if lo_in <= d <= hi_in:
            best_in = off
            best_d_in = d
    if best_in < math.inf:
        return best_d_in, math.sqrt(best_in)
    return best_d, math.sqrt(best_off)


@_compiled
def passes(
    xs: F64, ys: F64, ds: F64, dxs: F64, dys: F64, dds: F64, inv2: F64, x: float, y: float,
    near: float,
) -> F64:  # fmt: skip
    """Distances along the shape of each pass within `near` metres of (x, y), one per
    pass (its closest point): a loop or a lollipop's stem goes by the same place twice,
    and only the fixes that follow can tell which pass the bus is on. Segments within
    `near` whose points lie within 2 × `near` along of the pass so far belong to it."""
    out = np.empty(len(dxs))
    m = 0
    best_off = math.inf
    near2 = near * near
    for i in range(len(dxs)):
        d, off = _closest_on_segment(xs, ys, ds, dxs, dys, dds, inv2, i, x, y)
        if off > near2:
            continue
        if m > 0 and d - out[m - 1] <= 2.0 * near:
            if off < best_off:
                out[m - 1] = d
                best_off = off
            continue
        out[m] = d
        best_off = off
        m += 1
    return out[:m].copy()


@_compiled
def arrivals_ahead(
    begin: float,
    frac: float,
    k0: int,
    expected: F64,
    ratio: F64,
    segs: I64,
    factor: F64,
    dwell_base: F64,
    dwell_off: F64,
    stops: I64,
    waits: BoolArray,
    departures: I64,
    held: float,
) -> F64:
    """Arrival at each call from `k0` on of a trip whose pattern has segments `segs`
    (indices into `ratio`) and calls at `stops` (indices into `dwell_off`): the bus
    leaves at `begin` with `frac` of segment k0 − 1 left to run; each segment takes its
    `expected` running time × its filter's `ratio` × the bus's pace `factor` for the
    j-th segment ahead (empty: none), and each call before the next its expected dwell
    (`dwell_base`, per call of the trip) + its stop's filtered offset (`dwell_off`).
    Where `waits` (empty: none) marks a call, an early bus waits there for its
    scheduled departure (`departures`), `held` being the share of their earliness the
    line's drivers wait away: every later call comes later by the longest such wait so
    far (a later wait absorbs an earlier one's)."""
    calls = len(segs) - k0 + 1
    out = np.empty(calls)
    nf = len(factor)
    has_waits = len(waits) > 0
    t = begin
    shift = 0.0  # the longest wait so far, before `held`
    for j in range(calls):
        s = k0 - 1 + j
        run = expected[s] * ratio[segs[s]]
        if j < nf:
            run *= factor[j]
        if j == 0:
            run *= frac
        else:
            t += dwell_base[s] + dwell_off[stops[s]]
        t += run
        out[j] = t + shift * held
        c = k0 + j
        if has_waits and waits[c]:
            leave = t + dwell_base[c] + dwell_off[stops[c]] if j < calls - 1 else t
            early = departures[c] - leave
            if early > shift:
                shift = early
    return out


@_compiled
def time_at(dist: float, stop_dist: F64, times: I64) -> float:
    """The time (s) at `dist` along a trip timetabled `times` at its stops, which lie
    `stop_dist` along: linear between stops, the first or last time beyond them
    (`np.interp`'s rule, without converting `times` to floats on every call)."""
    return float(np.interp(dist, stop_dist, times))


NO_FACTOR: F64 = np.empty(0)
"""`arrivals_ahead`'s `factor` for a bus with no pace yet."""
NO_WAITS: BoolArray = np.empty(0, dtype=np.bool_)
"""`arrivals_ahead`'s `waits` for a trip without timepoints."""
