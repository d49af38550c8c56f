"""How long a bus really takes between two stops.

The timetable's running time is the planner's estimate; the street adds its own
pattern: the peaks are worse than planned, some segments are always slower or faster
than the timetable thinks, some days are slow all over, each driver has a pace, each
run has noise, red lights stop the bus on the way, and now and then an incident holds
it for minutes. Times in seconds, distances in metres, speeds in m/s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from busbrain.domain.daynet import F64, FALLBACK_SPEED_MS, DayNetwork, DayTrip

MAX_SPEED_MS = 70 / 3.6
"""No bus is simulated faster than 70 km/h."""
SIGNAL_SPACING_M = 450.0
"""About one traffic light this far apart on city streets."""
RED_SHARE = 0.35
"""Chance of stopping at a light."""
INCIDENT_PER_SEGMENT = 0.0012
"""Chance that a segment run meets an incident (breakdown ahead, accident, police)."""

USUAL_DWELL_S = 10.0
"""The dwell a timetable allows at an ordinary stop, seconds."""

# (hour, factor) breakpoints: real running time over timetabled running time
_WEEKDAY: tuple[tuple[float, float], ...] = (
    (0, 0.93), (6.5, 0.96), (7.4, 1.13), (8.3, 1.1), (9.5, 0.99), (12.0, 1.01),
    (16.5, 1.03), (17.5, 1.16), (18.5, 1.08), (20.0, 0.96), (30, 0.93),
)  # fmt: skip
_WEEKEND: tuple[tuple[float, float], ...] = (
    (0, 0.94), (9.0, 0.98), (11.0, 1.05), (15.0, 1.04), (17.5, 1.07), (20.0, 0.96), (30, 0.94),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SegmentRun:
    """The plan of one stop-to-stop run: time moving, and where the bus stands still
    on the way (distance from the segment start in m, seconds standing, incident?)."""

    moving_s: float
    holds: tuple[tuple[float, float, bool], ...]


class Traffic:
    """Running times for one simulated day (deterministic for a seed)."""

    def __init__(self, net: DayNetwork, *, weekend: bool, rng: np.random.Generator) -> None:
        self.net = net
        profile = _WEEKEND if weekend else _WEEKDAY
        self._hours = np.array([h for h, _ in profile])
        self._factors = np.array([f for _, f in profile])
        self.day_factor = float(np.clip(rng.normal(1.0, 0.04), 0.9, 1.12))
        self._bias: list[F64] = [
            np.exp(rng.normal(0.0, 0.08, max(len(p.stops) - 1, 0))) for p in net.patterns
        ]

    def tod_factor(self, t: float) -> float:
        return float(np.interp(t / 3600.0, self._hours, self._factors))

    def planned_s(self, trip: DayTrip, k: int) -> float:
        """Timetabled running time from stop k to k+1, sane even when the feed's is not.

        Measured departure to departure less an ordinary dwell, since timetables differ
        in whether they write dwell into arrival times; the simulated dwell comes from
        the passengers instead."""
        pattern = self.net.patterns[trip.pattern]
        length = float(pattern.stop_dist[k + 1] - pattern.stop_dist[k])
        if k + 2 < len(trip.departure_s):
            planned = float(trip.departure_s[k + 1] - trip.departure_s[k]) - USUAL_DWELL_S
        else:
            planned = float(trip.arrival_s[k + 1] - trip.departure_s[k])
        if planned <= 0:
            planned = length / FALLBACK_SPEED_MS
        return max(planned, length / MAX_SPEED_MS, 5.0)

    def run(
        self, trip: DayTrip, k: int, t: float, pace: float, rng: np.random.Generator
    ) -> SegmentRun:
        """The run from stop k to k+1 leaving at `t`, for a driver of pace `pace` (1.0
        average, above 1 slower)."""
        pattern = self.net.patterns[trip.pattern]
        length = float(pattern.stop_dist[k + 1] - pattern.stop_dist[k])
        total = (
            self.planned_s(trip, k)
            * self.tod_factor(t)
            * self.day_factor
            * float(self._bias[trip.pattern][k])
            * pace
            * float(np.exp(rng.normal(0.0, 0.08)))
        )
        holds: list[tuple[float, float, bool]] = []
        lights = int(length // SIGNAL_SPACING_M)
        for n in range(lights):
            if rng.random() < RED_SHARE:
                holds.append(((n + 0.5) * SIGNAL_SPACING_M, float(rng.uniform(8, 45)), False))
        standing = sum(h[1] for h in holds)
        moving = max(total - standing, length / MAX_SPEED_MS)
        if rng.random() < INCIDENT_PER_SEGMENT:
            holds.append(
                (float(rng.uniform(0.1, 0.9)) * length, float(rng.uniform(120, 600)), True)
            )
            holds.sort()
        return SegmentRun(moving, tuple(holds))
