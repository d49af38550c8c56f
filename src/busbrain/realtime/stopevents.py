"""When a bus arrived at and left a stop, from the fixes around it.

Fixes come every 10–30 s, so the moment the bus stopped or left lies between two of
them. The bus brakes into a stop and pulls away from it; so instead of straight-line
interpolation (which puts the arrival too early when the bus was braking), the time is
worked out from the distance to the stop and the speed the terminal reported, with
ordinary braking and acceleration. A stop the bus went past without standing is
recorded with one crossing time and `stopped` False. Seconds, metres, m/s.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

ZONE_M = 20.0
"""A fix this close to a stop (along the shape) counts as at the stop."""
STILL_KMH = 3.0
"""Slower than this is standing."""
DECEL = 1.2
ACCEL = 1.0


@dataclass(frozen=True, slots=True)
class Sample:
    """A fix on the current trip: time (s after the service day's start), distance along
    the pattern (m), reported speed (km/h, None when not reported)."""

    t: float
    d: float
    v: float | None


@dataclass(frozen=True, slots=True)
class StopTimes:
    arrival: float
    departure: float
    stopped: bool


def braking_s(distance: float, v: float) -> float:
    """Seconds to cover `distance` and come to a stop from speed `v`."""
    if v < 0.5:
        return distance / 2.0
    brake = v * v / (2 * DECEL)
    return (distance - brake) / v + v / DECEL if distance > brake else 2 * distance / v


def pulling_away_s(distance: float, v: float) -> float:
    """Seconds since leaving a standstill to be `distance` on, now at speed `v`."""
    if v < 0.5:
        return math.sqrt(2 * distance / ACCEL)
    ramp = v * v / (2 * ACCEL)
    return v / ACCEL + (distance - ramp) / v if distance > ramp else math.sqrt(2 * distance / ACCEL)


def _speed_ms(a: Sample, b: Sample | None) -> float:
    if a.v is not None:
        return a.v / 3.6
    if b is not None and b.t > a.t:
        return max((b.d - a.d) / (b.t - a.t), 0.0)
    return 0.0


def _still(s: Sample, prev: Sample | None) -> bool:
    if s.v is not None:
        return s.v < STILL_KMH
    return prev is not None and abs(s.d - prev.d) < 3.0 and s.t > prev.t


def stop_times(samples: list[Sample], s: float, *, terminal_end: bool = False) -> StopTimes | None:
    """Arrival and departure at the stop at distance `s` from the samples around it
    (time-ordered; they must reach past the stop unless `terminal_end`)."""
    at: list[Sample] = []
    prev: Sample | None = None
    for x in samples:
        if abs(x.d - s) <= ZONE_M and _still(x, prev):
            at.append(x)
        prev = x
    if at:
        first, last = at[0], at[-1]
        before = next(
            (x for x in reversed(samples) if x.t < first.t and x.d < s - ZONE_M / 2), None
        )
        after = next((x for x in samples if x.t > last.t and x.d > s + ZONE_M / 2), None)
        arrival = first.t
        if before is not None:
            guess = before.t + braking_s(max(s - before.d, 0.0), _speed_ms(before, first))
            arrival = min(max(guess, before.t), first.t)
        departure = last.t
        if after is not None and not terminal_end:
            guess = after.t - pulling_away_s(max(after.d - s, 0.0), _speed_ms(after, None))
            departure = max(min(guess, after.t), last.t)
        return StopTimes(arrival, max(departure, arrival), True)
    for a, b in itertools.pairwise(samples):
        if a.d <= s <= b.d and b.d > a.d:
            t = a.t + (s - a.d) / (b.d - a.d) * (b.t - a.t)
            return StopTimes(t, t, False)
    if terminal_end and samples and samples[-1].d >= s - ZONE_M:
        last = samples[-1]
        return StopTimes(last.t, last.t, False)
    return None
