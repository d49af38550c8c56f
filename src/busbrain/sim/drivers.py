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


CARD_STREAM = 702
"""The random stream of the drivers' IC cards (names, certificate numbers)."""
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国志海波鹏辉斌宇浩凯"
AUTHORITY = "锦州市交通运输局"
"""Who issues the simulated drivers' qualification certificates (从业资格证)."""


@dataclass(frozen=True, slots=True)
class DriverCard:
    """A simulated driver's qualification certificate IC card: a fake Chinese name and a
    certificate number (18 digits, like the ID-card-based numbers Liaoning issues),
    stable for a seed and driver id, so every run of a scenario signs in the same people."""

    driver_id: str
    name: str
    certificate: str
    valid_until: tuple[int, int, int]
    """(year, month, day) of the certificate's expiry."""


def driver_card(seed: int, driver_id: str) -> DriverCard:
    """The card of simulated driver `driver_id` (fake: no real person's data)."""
    key = int.from_bytes(driver_id.encode()[:16].ljust(16, b"\0"), "big")
    rng = np.random.default_rng([seed, CARD_STREAM, key & 0xFFFF_FFFF, key >> 32])
    name = SURNAMES[int(rng.integers(len(SURNAMES)))] + "".join(
        GIVEN[int(k)] for k in rng.integers(len(GIVEN), size=int(rng.integers(1, 3)))
    )
    born = (
        1965 + int(rng.integers(0, 35)),
        1 + int(rng.integers(0, 12)),
        1 + int(rng.integers(0, 28)),
    )
    serial = int(rng.integers(0, 10_000))
    certificate = (
        f"2107{int(rng.integers(0, 100)):02d}{born[0]:04d}{born[1]:02d}{born[2]:02d}{serial:04d}"
    )
    valid = (
        2027 + int(rng.integers(0, 6)),
        1 + int(rng.integers(0, 12)),
        1 + int(rng.integers(0, 28)),
    )
    return DriverCard(driver_id, name, certificate, valid)
