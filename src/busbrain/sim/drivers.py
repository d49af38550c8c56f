"""Drivers: who is at the wheel of each bus, and how they drive.

A duty longer than `SPLIT_DUTY_S` is worked in two shifts (早班, 晚班) changing at the
terminal stand nearest its middle. Each driver has a pace (above 1 slower than
average), a few are aggressive (faster on open road, harsh braking, more alarms), and
a few start their first trip late.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from busbrain.domain.daynet import DayNetwork
from busbrain.sim.duties import Duty

SPLIT_DUTY_S = 9.5 * 3600
AGGRESSIVE_SHARE = 0.1
LATE_START_SHARE = 0.08


@dataclass(frozen=True, slots=True)
class Driver:
    driver_id: str
    start: float
    """Shift start (seconds after the service day's start; -inf for the first shift)."""
    end: float
    pace: float
    speed_factor: float
    aggressive: bool
    risk: float
    """Multiplier of the driver's ADAS/DMS alarm rates."""
    late_start_s: float


def _driver(driver_id: str, start: float, end: float, rng: np.random.Generator) -> Driver:
    aggressive = bool(rng.random() < AGGRESSIVE_SHARE)
    late = float(rng.uniform(60, 480)) if rng.random() < LATE_START_SHARE else 0.0
    return Driver(
        driver_id,
        start,
        end,
        float(np.clip(rng.normal(1.0, 0.04), 0.9, 1.12)) * (0.95 if aggressive else 1.0),
        float(rng.uniform(1.08, 1.2)) if aggressive else 1.0,
        aggressive,
        float(np.exp(rng.normal(0.0, 0.6))) * (2.0 if aggressive else 1.0),
        late,
    )


def crew_duty(net: DayNetwork, duty: Duty, index: int, rng: np.random.Generator) -> list[Driver]:
    """The driver (or two) of a duty, driver ids unique across the city."""
    first = net.trips[duty.trips[0]]
    last = net.trips[duty.trips[-1]]
    start, end = float(first.departure_s[0]), float(last.arrival_s[-1])
    if end - start <= SPLIT_DUTY_S or len(duty.trips) < 2:
        return [_driver(f"D{index + 1:04d}", -np.inf, np.inf, rng)]
    middle = (start + end) / 2
    cut = min(
        range(1, len(duty.trips)),
        key=lambda i: abs(net.trips[duty.trips[i]].departure_s[0] - middle),
    )
    change = float(net.trips[duty.trips[cut]].departure_s[0]) - 300.0
    return [
        _driver(f"D{index + 1:04d}A", -np.inf, change, rng),
        _driver(f"D{index + 1:04d}B", change, np.inf, rng),
    ]
