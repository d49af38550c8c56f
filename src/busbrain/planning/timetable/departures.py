"""Departure times from trips per period: even headways, or even loads, with smooth
transitions between periods.

Times are seconds of the service day (GTFS time). Periods are [start, end) windows.

- Even headways: departures are spaced evenly on the cumulative-trips curve N(t), which
  rises by a period's trips across that period. Within a period the headway is constant;
  across a boundary it moves gradually from one period's headway to the next, instead of
  jumping (a bus 2 minutes after the last one of a 10-minute period).
- Even loads: departures are spaced so that each bus meets the same number of
  passengers at the line's max-load point, on the cumulative-load curve of the observed
  trips (each observed trip's load there, accumulated at its time), with each period's
  desired occupancy as the step; the period's minimum frequency still holds.

Both start at the first bus and end at the last bus the policy names, and keep every
headway within [min_headway_s, max_headway_s] as far as the span allows.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def _clamp_gaps(times: list[float], min_h: float, max_h: float) -> list[float]:
    """Headways kept within [min_h, max_h] (for min_h <= max_h / 2): a departure too soon
    after the one before moves later (more trips than the shortest headway allows are
    dropped at the end of the span), then gaps longer than max_h are split evenly. The
    first and last departures stay."""
    first, last = times[0], times[-1]
    pushed = [first]
    for t in times[1:-1]:
        at = max(t, pushed[-1] + min_h)
        if at > last - min_h + 1e-6:
            break
        pushed.append(at)
    if last > first:
        pushed.append(last)
    out = [pushed[0]]
    for t in pushed[1:]:
        base = out[-1]
        gap = t - base
        if gap > max_h + 1e-6:
            k = int(np.ceil(gap / max_h - 1e-9))
            out.extend([base + gap * m / k for m in range(1, k)])
        out.append(t)
    return out


def even_headways(
    starts: npt.ArrayLike,
    ends: npt.ArrayLike,
    trips: npt.ArrayLike,
    first_s: float,
    last_s: float,
    *,
    min_headway_s: float,
    max_headway_s: float,
) -> list[float]:
    """Departures from `first_s` to `last_s` with `trips[j]` in period j (about)."""
    a, b = np.asarray(starts, np.float64), np.asarray(ends, np.float64)
    n = np.asarray(trips, np.float64)
    if last_s < first_s:
        raise ValueError(f"the last bus ({last_s}) is before the first ({first_s})")
    if last_s == first_s:
        return [first_s]
    # N(t): cumulative trips, linear inside each period, clipped to the service span.
    lo, hi = np.clip(a, first_s, last_s), np.clip(b, first_s, last_s)
    share = np.where(b > a, (hi - lo) / np.maximum(b - a, 1e-9), 0.0)
    rate = np.where(hi > lo, n * share / np.maximum(hi - lo, 1e-9), 0.0)
    knots_t = [first_s]
    knots_n = [0.0]
    for j in np.argsort(lo):
        if hi[j] <= lo[j]:
            continue
        if lo[j] > knots_t[-1]:  # a gap between periods: no trips asked there
            knots_t.append(float(lo[j]))
            knots_n.append(knots_n[-1])
        knots_t.append(float(hi[j]))
        knots_n.append(knots_n[-1] + float(rate[j] * (hi[j] - lo[j])))
    if knots_t[-1] < last_s:
        knots_t.append(last_s)
        knots_n.append(knots_n[-1])
    total = knots_n[-1]
    if total <= 0:
        return _clamp_gaps([first_s, last_s], min_headway_s, max_headway_s)
    # As many departures as asked (rounded up); a few more if that still leaves a gap
    # longer than the longest headway (partial periods at the ends).
    k = max(math.ceil(total - 1e-9), 1)
    for extra in range(k + 1):
        targets = np.linspace(0.0, total, k + extra + 1)
        times = [float(t) for t in np.interp(targets, knots_n, knots_t)]
        times[0], times[-1] = first_s, last_s
        if max(np.diff(times)) <= max_headway_s + 1e-6:
            break
    return _clamp_gaps(times, min_headway_s, max_headway_s)


def even_loads(
    observed_t: npt.ArrayLike,
    observed_load: npt.ArrayLike,
    starts: npt.ArrayLike,
    ends: npt.ArrayLike,
    d_o: npt.ArrayLike,
    first_s: float,
    last_s: float,
    *,
    min_headway_s: float,
    max_headway_s: float,
) -> list[float]:
    """Departures so that each meets about d_o[j] passengers at the max-load point.

    `observed_t`, `observed_load`: the observed trips' times at the max-load point and
    their loads there (one or several days together: the loads are then summed, and
    `d_o` should be multiplied by the number of days by the caller)."""
    t = np.asarray(observed_t, np.float64)
    q = np.asarray(observed_load, np.float64)
    order = np.argsort(t)
    t, q = t[order], q[order]
    a, b = np.asarray(starts, np.float64), np.asarray(ends, np.float64)
    occ = np.asarray(d_o, np.float64)
    if last_s < first_s:
        raise ValueError(f"the last bus ({last_s}) is before the first ({first_s})")
    if t.size == 0:
        return even_headways(
            a, b, np.zeros_like(a), first_s, last_s,
            min_headway_s=min_headway_s, max_headway_s=max_headway_s,
        )  # fmt: skip
    # The load curve rises by each trip's load over the headway before it.
    knots_t = np.concatenate([[min(first_s, t[0]) - 1.0], t, [max(last_s, t[-1]) + 1.0]])
    knots_l = np.concatenate([[0.0], np.cumsum(q), [q.sum()]])

    def occupancy(at: float) -> float:
        j = np.nonzero((a <= at) & (at < b))[0]
        return float(occ[j[0]]) if j.size else float(occ[np.argmin(np.abs(a - at))])

    times = [first_s]
    while times[-1] < last_s:
        now = times[-1]
        want = float(np.interp(now, knots_t, knots_l)) + occupancy(now)
        nxt = float(np.interp(want, knots_l, knots_t)) if want <= knots_l[-1] else last_s
        nxt = min(max(nxt, now + min_headway_s), now + max_headway_s)
        if nxt >= last_s or last_s - nxt < min_headway_s:
            times.append(last_s)
            break
        times.append(nxt)
    return _clamp_gaps(times, min_headway_s, max_headway_s)
