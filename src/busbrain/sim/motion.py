"""A bus's motion along a segment as (time, distance) knots.

Between knots the bus moves at constant speed, so positions and speeds at any instant
come from linear interpolation. Accelerating and braking are each drawn as two pieces
(a quarter and three quarters of cruise speed), close enough to constant acceleration
for 10-second reports and 1-second bursts. Seconds, metres, m/s, m/s².
"""

from __future__ import annotations

import math

from busbrain.sim.traffic import SegmentRun

ACCEL = 1.0
DECEL = 1.2


def _ramp_up(
    t: float, d: float, v: float, a: float, ts: list[float], ds: list[float]
) -> tuple[float, float]:
    tau = v / a
    ts.append(t + tau / 2)
    ds.append(d + v * v / (8 * a))
    t, d = t + tau, d + v * v / (2 * a)
    ts.append(t)
    ds.append(d)
    return t, d


def _ramp_down(
    t: float, d: float, v: float, b: float, ts: list[float], ds: list[float]
) -> tuple[float, float]:
    tau = v / b
    ts.append(t + tau / 2)
    ds.append(d + 3 * v * v / (8 * b))
    t, d = t + tau, d + v * v / (2 * b)
    ts.append(t)
    ds.append(d)
    return t, d


def cruise_speed(length: float, moving_s: float, ramps: float) -> float:
    """Cruise speed (m/s) covering `length` in `moving_s` seconds with `ramps` seconds
    per (m/s) of cruise speed lost to speeding up and slowing down: C v² - T v + L = 0."""
    if ramps <= 0:
        return length / moving_s
    disc = moving_s * moving_s - 4 * ramps * length
    if disc <= 0:
        return moving_s / (2 * ramps)
    return (moving_s - math.sqrt(disc)) / (2 * ramps)


def drive(
    t0: float,
    d0: float,
    length: float,
    run: SegmentRun,
    *,
    start_still: bool,
    end_still: bool,
    decel: float = DECEL,
    speed_factor: float = 1.0,
) -> tuple[list[float], list[float], float]:
    """Knots (times, distances) after (t0, d0) for running `length` metres as `run`
    plans, and the cruise speed used. The last knot is the arrival at d0 + length.
    `decel` at the final stop (harsh braking is 3.5-5 m/s²); `speed_factor` above 1
    drives faster than the plan (an aggressive driver on a clear road)."""
    cuts = [0.0, *(h[0] for h in run.holds), length]
    n = len(cuts) - 1
    ramps = 0.0
    for i in range(n):
        if i > 0 or start_still:
            ramps += 1 / (2 * ACCEL)
        if i < n - 1 or end_still:
            ramps += 1 / (2 * (decel if i == n - 1 else DECEL))
    v = cruise_speed(length, max(run.moving_s, 1.0), ramps) * speed_factor
    ts: list[float] = []
    ds: list[float] = []
    t, d = t0, d0
    for i in range(n):
        sub = cuts[i + 1] - cuts[i]
        end = d0 + cuts[i + 1]
        up = i > 0 or start_still
        b = decel if i == n - 1 else DECEL
        down = i < n - 1 or end_still
        need = (v * v / (2 * ACCEL) if up else 0.0) + (v * v / (2 * b) if down else 0.0)
        vi = v if need <= sub else math.sqrt(sub / max(need / (v * v), 1e-9))
        if up:
            t, d = _ramp_up(t, d, vi, ACCEL, ts, ds)
        cruise_end = end - (vi * vi / (2 * b) if down else 0.0)
        if cruise_end > d + 1e-6:
            t += (cruise_end - d) / vi
            d = cruise_end
            ts.append(t)
            ds.append(d)
        if down:
            t, d = _ramp_down(t, d, vi, b, ts, ds)
        ds[-1] = end
        if i < n - 1:
            t += run.holds[i][1]
            ts.append(t)
            ds.append(end)
    return ts, ds, v
