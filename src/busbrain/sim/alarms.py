"""Active-safety alarms (苏标 ADAS 0x64 / DMS 0x65) and driving episodes.

ADAS and DMS alarms come at rates per hour of driving, scaled by each driver's risk and
by the hour (fatigue and distraction more at night and at dawn), and only while the
bus moves fast enough for the device to judge. Speeding episodes and harsh braking are
read off the bus's true motion, so they are in the positions themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from busbrain.protocol.jt808.extensions.adas_0x64 import AdasType
from busbrain.protocol.jt808.extensions.dms_0x65 import DmsType
from busbrain.sim.engine import BusDay, Kind
from busbrain.sim.sample import Sampler

# (category, type, alarms per driving hour at risk 1.0, minimum speed km/h)
RATES: tuple[tuple[str, int, float, float], ...] = (
    ("dms", DmsType.FATIGUE, 0.05, 20.0),
    ("dms", DmsType.PHONE_CALL, 0.08, 10.0),
    ("dms", DmsType.SMOKING, 0.05, 10.0),
    ("dms", DmsType.DISTRACTION, 0.30, 20.0),
    ("adas", AdasType.FORWARD_COLLISION, 0.20, 25.0),
    ("adas", AdasType.LANE_DEPARTURE, 0.30, 30.0),
)
_NIGHT = {DmsType.FATIGUE, DmsType.DISTRACTION}


def night_factor(t: float) -> float:
    """Fatigue and distraction: twice as likely between 20:00 and 06:00."""
    hour = (t / 3600.0) % 24
    return 2.0 if hour >= 20 or hour < 6 else 1.0


@dataclass(frozen=True, slots=True)
class AlarmTruth:
    bus: int
    driver_id: str
    t: float
    """Start, seconds after the service day's start."""
    end: float
    category: str
    """"adas", "dms", "speeding" or "harsh_braking"."""
    kind: str
    """The ADAS/DMS type's name, or the episode's category."""
    code: int
    level: int
    x: float
    y: float
    speed_kmh: float


def safety_alarms(day: BusDay, sampler: Sampler, rng: np.random.Generator) -> list[AlarmTruth]:
    out: list[AlarmTruth] = []
    for driver in day.drivers:
        start = max(driver.start, day.power_on)
        end = min(driver.end, day.power_off)
        hours = max(end - start, 0.0) / 3600.0
        for category, code, rate, min_kmh in RATES:
            expected = rate * hours * driver.risk * (1.4 if code in _NIGHT else 1.0)
            for t in rng.uniform(start, end, int(rng.poisson(expected))):
                if code in _NIGHT and rng.random() > night_factor(float(t)) / 2.0:
                    continue
                state = sampler.at(day, float(t))
                kmh = float(state.speed[0]) * 3.6
                if kmh < min_kmh or state.kind[0] == Kind.PARKED:
                    continue
                level = 2 if rng.random() < 0.25 else 1
                name = (DmsType if category == "dms" else AdasType)(code).name.lower()
                out.append(
                    AlarmTruth(
                        day.index, driver.driver_id, float(t), float(t), category, name,
                        int(code), level, float(state.x[0]), float(state.y[0]), kmh,
                    )
                )  # fmt: skip
    out.sort(key=lambda a: a.t)
    return out


def _driver_at(day: BusDay, t: float) -> str:
    for d in day.drivers:
        if d.start <= t < d.end:
            return d.driver_id
    return day.drivers[-1].driver_id


def driving_episodes(
    day: BusDay, sampler: Sampler, limit_kmh: float, *, min_s: float = 10.0
) -> list[AlarmTruth]:
    """Speeding (above `limit_kmh` for at least `min_s`) and harsh braking, from the
    motion knots."""
    out: list[AlarmTruth] = []
    limit = limit_kmh / 3.6
    for piece in day.pieces:
        ts, ds = piece.ts, piece.ds
        run_start = -1.0
        top = 0.0
        for i in range(len(ts) - 1):
            dt_ = ts[i + 1] - ts[i]
            v = (ds[i + 1] - ds[i]) / dt_ if dt_ > 0 else 0.0
            if v > limit:
                if run_start < 0:
                    run_start = ts[i]
                top = max(top, v)
                continue
            if run_start >= 0 and ts[i] - run_start >= min_s:
                s = sampler.at(day, run_start)
                out.append(
                    AlarmTruth(
                        day.index, _driver_at(day, run_start), run_start, ts[i], "speeding",
                        "speeding", 0, 1, float(s.x[0]), float(s.y[0]), top * 3.6,
                    )
                )  # fmt: skip
            run_start, top = -1.0, 0.0
    for t, v in day.harsh_brakes:
        s = sampler.at(day, t)
        out.append(
            AlarmTruth(
                day.index, _driver_at(day, t), t, t + v / 4.0, "harsh_braking", "harsh_braking",
                0, 1, float(s.x[0]), float(s.y[0]), v * 3.6,
            )
        )  # fmt: skip
    out.sort(key=lambda a: a.t)
    return out
