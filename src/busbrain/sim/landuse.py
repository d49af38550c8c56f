"""What draws people to each station, read from its name and its place in the city.

Chinese stop names say what is there: 医院 (hospital), 中学/大学 (school), 市场
(market), 小区 (housing), 火车站 (railway station). Each station gets a weight per trip
purpose from keywords in its name plus how central it is; a network whose names say
nothing (e.g. a foreign feed) still gets centrality and a uniform base.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from busbrain.domain.daynet import F64, DayNetwork

PURPOSES = ("home", "work", "school", "hospital", "shopping", "station", "leisure")

_KEYWORDS: dict[str, tuple[re.Pattern[str], float]] = {
    "home": (re.compile(r"小区|家园|花园|苑|新村|村|里$|公寓|社区|屯|庄|宿舍|住宅"), 4.0),
    "work": (
        re.compile(r"政府|大厦|中心|开发区|工业|石化|港|公司|厂|银行|商务|办事处|局|园区|新区"),
        5.0,
    ),
    "school": (re.compile(r"大学|学院|中学|小学|学校|校区|职专|技校"), 10.0),
    "hospital": (re.compile(r"医院|卫生院|诊所|医科|妇幼"), 10.0),
    "shopping": (re.compile(r"市场|商场|超市|百货|万达|大润发|购物|商城|步行街|古玩城|批发"), 8.0),
    "station": (re.compile(r"火车站|汽车站|客运站|高铁|南站|北站|东站|西站|^锦州站$"), 12.0),
    "leisure": (re.compile(r"公园|广场|寺|博物馆|纪念馆|体育场|山$|湖|景区|海滨"), 5.0),
}
CENTRE_SCALE_M = 3000.0
"""Work and shopping fall off with distance from the centre over about this length."""


@dataclass(frozen=True, slots=True)
class LandUse:
    """Per purpose, an attraction weight per station (normalised to sum 1); stations
    no trip of the day serves weigh nothing."""

    weights: dict[str, F64]

    def of(self, purpose: str) -> F64:
        return self.weights[purpose]


def land_use(net: DayNetwork) -> LandUse:
    n = net.stations
    cx = float(np.average(net.station_x)) if n else 0.0
    cy = float(np.average(net.station_y)) if n else 0.0
    r = np.hypot(net.station_x - cx, net.station_y - cy)
    centrality = np.exp(-r / CENTRE_SCALE_M)
    base: dict[str, F64] = {
        "home": 1.0 + 0.5 * (1 - centrality),
        "work": 0.3 + 3.0 * centrality,
        "school": np.full(n, 0.05),
        "hospital": np.full(n, 0.02),
        "shopping": 0.2 + 2.0 * centrality,
        "station": np.full(n, 0.01),
        "leisure": 0.5 + 1.0 * centrality,
    }
    served = np.zeros(n, dtype=bool)
    for p in {t.pattern for t in net.trips}:
        served[net.station_of[net.patterns[p].stops]] = True
    weights: dict[str, F64] = {}
    for purpose in PURPOSES:
        pattern, boost = _KEYWORDS[purpose]
        w = np.array(base[purpose], dtype=np.float64) * np.ones(n)
        hits = np.array([bool(pattern.search(name)) for name in net.station_names], dtype=bool)
        w = (w + hits * boost) * served
        total = float(w.sum())
        weights[purpose] = w / total if total > 0 else np.full(n, 1 / max(n, 1))
    return LandUse(weights)


def gravity(net: DayNetwork, origin: int, weights: F64, *, scale_m: float, min_m: float) -> F64:
    """Destination probabilities from `origin`: attraction times exp(-distance/scale),
    none closer than `min_m` (people walk that far)."""
    d = np.hypot(net.station_x - net.station_x[origin], net.station_y - net.station_y[origin])
    p = weights * np.exp(-d / scale_m) * (d >= min_m)
    total = float(p.sum())
    out: F64 = p / total if total > 0 else p
    return out


def walk_s(net: DayNetwork, pole_a: int, pole_b: int) -> float:
    """Seconds to walk between two poles (1.2 m/s, 1.3 detour, 20 s to cross)."""
    if pole_a == pole_b:
        return 0.0
    d = math.hypot(net.stop_x[pole_a] - net.stop_x[pole_b], net.stop_y[pole_a] - net.stop_y[pole_b])
    return 20.0 + 1.3 * d / 1.2
