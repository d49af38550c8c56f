"""Timetables: departures from the terminals and the times at every stop.

Times are whole seconds after the service day's start (GTFS time). Buses leave each
terminal every few minutes, more often in the weekday peaks (07:00–09:00, 17:00–19:00);
running times between stops follow distance, how central the road is, and the time of
day (slower in the peaks); each intermediate stop takes a 20–40 s dwell.
"""

from __future__ import annotations

import bisect
import functools
import math
import random
from dataclasses import dataclass

from busbrain.democity.geo import Point
from busbrain.democity.shapes import Pattern

HOUR = 3600
MINUTE = 60
PEAKS = ((7 * HOUR, 9 * HOUR), (17 * HOUR, 19 * HOUR))
"""Weekday peak windows, seconds after the service day's start."""
ACCEL_LOSS_S = 8.0
"""Seconds lost braking for and pulling away from each stop."""
DWELL_S = (20, 35)
"""Range of a stop's usual dwell, seconds."""
PEAK_EXTRA_DWELL_S = 5
"""Extra dwell (seconds) at each stop in the weekday peaks: more passengers board."""

SpeedProfile = tuple[tuple[float, float], ...]
"""(hour of day, traffic speed factor) breakpoints, linearly interpolated."""

# fmt: off
WEEKDAY_SPEED: SpeedProfile = (
    (0, 1.15), (6.5, 1.05), (7.5, 0.74), (8.5, 0.8), (9.5, 1.0), (12.0, 0.94),
    (13.5, 1.0), (16.5, 0.9), (17.5, 0.72), (18.5, 0.8), (19.5, 1.0), (21.0, 1.1), (30, 1.15),
)
WEEKEND_SPEED: SpeedProfile = (
    (0, 1.15), (8.0, 1.05), (10.0, 0.92), (12.0, 0.9), (15.0, 0.92), (17.0, 0.88),
    (19.0, 0.98), (21.0, 1.1), (30, 1.15),
)
# fmt: on


@dataclass(frozen=True, slots=True)
class ServiceDay:
    """A kind of day: its service_id, whether it has commuter peaks, its traffic profile."""

    service_id: str
    peaks: bool
    speed: SpeedProfile


WEEKDAY = ServiceDay("WD", True, WEEKDAY_SPEED)
WEEKEND = ServiceDay("WE", False, WEEKEND_SPEED)


@dataclass(frozen=True, slots=True)
class LinePlan:
    """How a line is run: headways (s), first/last departures per direction (s), speed (m/s)."""

    peak_headway_s: int
    offpeak_headway_s: int
    weekend_headway_s: int
    first_s: tuple[int, int]
    last_s: tuple[int, int]
    free_speed_mps: float


@dataclass(frozen=True, slots=True)
class ScheduledTrip:
    """One run of a pattern: `times` are (arrival, departure) seconds at each stop."""

    direction: int
    pattern: Pattern
    times: tuple[tuple[int, int], ...]

    @property
    def start_s(self) -> int:
        return self.times[0][1]

    @property
    def end_s(self) -> int:
        return self.times[-1][0]


def plan_line(kind: str, length_m: float, rng: random.Random) -> LinePlan:
    """Random but plausible operating parameters for a line of `kind`, `length_m` metres long.

    Long lines and express or tourist lines run less often.
    """
    minor = kind in ("express", "tourist") or length_m > 12_000
    peak = 8 if minor else rng.randint(6, 8)
    offpeak = rng.randint(13, 15) if minor else rng.randint(10, 15)
    weekend = min(15, offpeak + rng.randint(-2, 3)) if kind != "tourist" else 10
    first0 = 5 * HOUR + 30 * MINUTE + 5 * MINUTE * rng.randint(0, 12)
    first1 = min(6 * HOUR + 30 * MINUTE, first0 + 5 * MINUTE * rng.randint(0, 3))
    last0 = 20 * HOUR + 10 * MINUTE * rng.randint(0, 15)
    last1 = max(20 * HOUR, last0 - 5 * MINUTE * rng.randint(0, 3))
    speed_kmh = rng.uniform(34, 38) if kind == "express" else rng.uniform(28, 32)
    return LinePlan(
        peak * MINUTE,
        offpeak * MINUTE,
        weekend * MINUTE,
        (first0, first1),
        (last0, last1),
        speed_kmh / 3.6,
    )


def stop_dwells(count: int, rng: random.Random) -> list[int]:
    """The usual dwell (seconds) at each of `count` stops of a pattern."""
    return [rng.randint(*DWELL_S) for _ in range(count)]


def in_peak(t: float) -> bool:
    """Whether clock time t (seconds) lies in a weekday peak window."""
    return any(a <= t < b for a, b in PEAKS)


def departures(plan: LinePlan, day: ServiceDay, direction: int) -> list[int]:
    """Departure times (s) from the direction's first terminal, first to last bus."""
    first, last = plan.first_s[direction], plan.last_s[direction]
    out = [first]
    while True:
        t = out[-1]
        if not day.peaks:
            step = plan.weekend_headway_s
        else:
            step = plan.peak_headway_s if in_peak(t) else plan.offpeak_headway_s
        if t + step >= last:
            break
        out.append(t + step)
    if last - out[-1] < 3 * MINUTE and len(out) > 1:
        # too close to the last bus: move the one before it half-way back instead
        out[-1] = (out[-2] + last) // 2 // MINUTE * MINUTE
    out.append(last)
    return out


def speed_factor(profile: SpeedProfile, t: float) -> float:
    """Traffic speed factor (1 = free flow) at clock time t seconds."""
    h = t / HOUR
    hours = [p[0] for p in profile]
    i = max(0, min(len(profile) - 2, bisect.bisect_right(hours, h) - 1))
    (h0, f0), (h1, f1) = profile[i], profile[i + 1]
    return f0 + (f1 - f0) * max(0.0, min(1.0, (h - h0) / (h1 - h0)))


def free_times(pattern: Pattern, stops_at: list[Point], speed_mps: float) -> list[float]:
    """Free-flow running time (s) of each stop-to-stop segment; slower near the centre."""
    out = []
    for k in range(len(pattern.stop_dist) - 1):
        mid = ((stops_at[k][0] + stops_at[k + 1][0]) / 2, (stops_at[k][1] + stops_at[k + 1][1]) / 2)
        r = math.hypot(*mid)
        local = 0.85 if r < 2500 else (1.0 if r < 6000 else 1.25)
        out.append((pattern.stop_dist[k + 1] - pattern.stop_dist[k]) / (speed_mps * local))
    return out


@functools.cache
def _minute_tables(day: ServiceDay) -> tuple[tuple[float, ...], tuple[int, ...]]:
    """Per minute of the service day (up to 30 h): 1 / speed factor, and extra dwell (s)."""
    minutes = range(30 * 60)
    slowness = tuple(1.0 / speed_factor(day.speed, m * MINUTE) for m in minutes)
    extra = tuple(PEAK_EXTRA_DWELL_S if day.peaks and in_peak(m * MINUTE) else 0 for m in minutes)
    return slowness, extra


def run_trip(
    pattern: Pattern,
    direction: int,
    start: int,
    run_s: list[float],
    dwell_s: list[int],
    day: ServiceDay,
) -> ScheduledTrip:
    """Times at every stop of a trip leaving its first stop at `start` seconds."""
    slowness, extra = _minute_tables(day)
    t = float(start)
    times = [(start, start)]
    last = len(run_s) - 1
    for k, free in enumerate(run_s):
        t += free * slowness[int(t) // MINUTE] + ACCEL_LOSS_S
        arrive = round(t)
        if k < last:
            t += dwell_s[k + 1] + extra[int(t) // MINUTE]
        times.append((arrive, round(t)))
    return ScheduledTrip(direction, pattern, tuple(times))
