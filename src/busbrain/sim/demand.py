"""Who travels where and when: people, their cards, and their day's journeys.

Each person lives near a station and makes a tour: out to work, school, a hospital, a
market or a park at the hour such trips are made, and home again later (some stop at a
market on the way home; trips to and from the railway station are one-way). Every
journey is an itinerary of one or two rides (one transfer at most) found with `Reach`.
A person pays the same way all day, so card ids chain a person's rides as real card
data does. Times are seconds after the service day's start.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from busbrain.domain.daynet import DayNetwork
from busbrain.sim.landuse import LandUse, gravity
from busbrain.sim.reach import Leg, Reach

HOUR = 3600.0
PERSONS_PER_BUS = 90
"""People travelling per bus in service at demand 1.0 (about 300 boardings per bus)."""
DEST_SCALE_M = 4000.0
"""Gravity model length scale: people go farther for fewer reasons."""
WALK_ONLY_M = 600.0
"""Destinations this close are walked to, not ridden to."""


class Channel(StrEnum):
    """How a fare is paid (支付渠道)."""

    IC_CARD = "ic_card"
    SENIOR_CARD = "senior_card"
    UNIONPAY = "unionpay"
    WECHAT = "wechat"
    ALIPAY = "alipay"
    YUNSHANFU = "yunshanfu"
    CASH = "cash"


FARE_FEN = {
    Channel.IC_CARD: 90,  # 10 % off with the city card
    Channel.SENIOR_CARD: 0,
    Channel.UNIONPAY: 100,
    Channel.WECHAT: 100,
    Channel.ALIPAY: 100,
    Channel.YUNSHANFU: 100,
    Channel.CASH: 100,
}
"""Flat fare per ride by channel, in fen (1 yuan = 100 fen)."""

_CHANNELS = (
    Channel.IC_CARD,
    Channel.WECHAT,
    Channel.ALIPAY,
    Channel.UNIONPAY,
    Channel.YUNSHANFU,
    Channel.CASH,
)
_CHANNEL_SHARE = np.array([0.40, 0.24, 0.16, 0.05, 0.05, 0.10])
_CHANNEL_CDF = np.cumsum(_CHANNEL_SHARE)
_SENIOR_SHARE = {"hospital": 0.45, "shopping": 0.30, "leisure": 0.30}

# purpose -> share on weekdays, share at weekends
_PURPOSE_SHARE = {
    "work": (0.40, 0.12),
    "school": (0.10, 0.02),
    "hospital": (0.06, 0.05),
    "shopping": (0.16, 0.33),
    "station": (0.05, 0.08),
    "leisure": (0.23, 0.40),
}
# purpose -> ((mean hour, sd hours, weight), ...) for the outbound departure
_OUT_TIME: dict[str, tuple[tuple[float, float, float], ...]] = {
    "work": ((7.4, 0.55, 0.85), (9.0, 1.5, 0.15)),
    "school": ((6.95, 0.3, 0.9), (13.0, 0.5, 0.1)),
    "hospital": ((8.5, 1.0, 1.0),),
    "shopping": ((9.5, 1.0, 0.6), (15.0, 1.5, 0.4)),
    "station": ((8.0, 1.5, 0.35), (13.0, 3.0, 0.4), (18.0, 2.0, 0.25)),
    "leisure": ((10.0, 2.0, 0.7), (15.5, 2.0, 0.3)),
}
# purpose -> (min, max) hours spent there before the journey home
_STAY_H = {
    "work": (8.0, 9.8),
    "school": (8.5, 9.8),
    "hospital": (1.2, 3.5),
    "shopping": (0.6, 2.5),
    "leisure": (1.0, 4.0),
}


@dataclass(frozen=True, slots=True)
class Person:
    person_id: int
    channel: Channel
    card_id: str | None
    """Stable id of the card, bank card token or QR account; None for cash."""
    home: int
    """Station index."""


@dataclass(frozen=True, slots=True)
class Journey:
    journey_id: int
    person: int
    purpose: str
    origin: int
    dest: int
    depart_s: float
    """When the person reaches the first boarding pole."""
    legs: tuple[Leg, ...]


@dataclass(frozen=True, slots=True)
class Demand:
    persons: tuple[Person, ...]
    journeys: tuple[Journey, ...]


def _card_id(channel: Channel, n: int, rng: np.random.Generator) -> str | None:
    if channel is Channel.CASH:
        return None
    if channel is Channel.IC_CARD:
        return f"21071{n:07d}"
    if channel is Channel.SENIOR_CARD:
        return f"21079{n:07d}"
    if channel is Channel.ALIPAY:
        return f"2088{int(rng.integers(10**11, 10**12)):012d}"
    if channel is Channel.UNIONPAY:
        return f"62{int(rng.integers(10**13, 10**14)):014d}"
    prefix = "wx" if channel is Channel.WECHAT else "ysf"
    return f"{prefix}{int(rng.integers(0, 2**62)):016x}"


def _hour(rng: np.random.Generator, purpose: str, weekend: bool) -> float:
    parts = _OUT_TIME[purpose]
    weights = np.cumsum([w for _, _, w in parts])
    mean, sd, _ = parts[_pick(weights, rng)]
    if weekend and purpose in ("shopping", "leisure", "work"):
        mean += 0.75
    return float(rng.normal(mean, sd))


class _Planner:
    def __init__(self, net: DayNetwork, use: LandUse, reach: Reach) -> None:
        self.net, self.use, self.reach = net, use, reach
        self._cache: dict[tuple[int, int], tuple[Leg, ...] | None] = {}
        self._cdf: dict[tuple[int, str], np.ndarray] = {}

    def route(self, o: int, d: int) -> tuple[Leg, ...] | None:
        key = (o, d)
        if key not in self._cache:
            self._cache[key] = self.reach.itinerary(o, d)
        return self._cache[key]

    def destination(self, rng: np.random.Generator, origin: int, purpose: str) -> int | None:
        cdf = self._cdf.get((origin, purpose))
        if cdf is None:
            p = gravity(
                self.net, origin, self.use.of(purpose), scale_m=DEST_SCALE_M, min_m=WALK_ONLY_M
            )
            cdf = self._cdf[origin, purpose] = np.cumsum(p)
        if cdf[-1] <= 0:
            return None
        for _ in range(6):
            d = _pick(cdf, rng)
            if self.route(origin, d) is not None:
                return d
        return None


def _pick(cdf: np.ndarray, rng: np.random.Generator) -> int:
    """An index drawn with probabilities given by the cumulative sums `cdf`."""
    return min(int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right")), len(cdf) - 1)


def _ride_s(legs: tuple[Leg, ...]) -> float:
    """A rough door-to-door time used only to space a person's journeys, seconds."""
    return sum(90.0 * leg.stops + 300.0 for leg in legs)


def generate_demand(
    net: DayNetwork,
    use: LandUse,
    reach: Reach,
    *,
    buses: int,
    level: float,
    weekend: bool,
    window_s: tuple[float, float],
    rng: np.random.Generator,
    persons_count: int | None = None,
) -> Demand:
    """People and journeys for one day; journeys start inside `window_s` (the hours
    buses run, seconds after the service day's start). `persons_count` fixes how many
    people travel (else PERSONS_PER_BUS per bus, times `level`)."""
    planner = _Planner(net, use, reach)
    homes = np.cumsum(use.of("home"))
    purposes = list(_PURPOSE_SHARE)
    shares = np.array([_PURPOSE_SHARE[p][1 if weekend else 0] for p in purposes])
    shares = np.cumsum(shares / shares.sum())
    count = round(PERSONS_PER_BUS * buses * level) if persons_count is None else persons_count
    persons: list[Person] = []
    journeys: list[Journey] = []
    lo, hi = window_s

    def add(person: int, purpose: str, o: int, d: int, t: float) -> float | None:
        legs = planner.route(o, d)
        if legs is None or not lo <= t <= hi:
            return None
        journeys.append(Journey(len(journeys), person, purpose, o, d, t, legs))
        return t + _ride_s(legs)

    for _ in range(count):
        purpose = purposes[_pick(shares, rng)]
        home = _pick(homes, rng)
        senior = rng.random() < _SENIOR_SHARE.get(purpose, 0.03)
        channel = Channel.SENIOR_CARD if senior else _CHANNELS[_pick(_CHANNEL_CDF, rng)]
        pid = len(persons)
        dest = planner.destination(rng, home, purpose)
        if dest is None:
            continue
        persons.append(Person(pid, channel, _card_id(channel, pid, rng), home))
        t_out = _hour(rng, purpose, weekend) * HOUR
        if purpose == "station":
            if rng.random() < 0.5:  # a visitor arriving by train, riding into town
                add(pid, purpose, dest, home, t_out)
            else:
                add(pid, purpose, home, dest, t_out)
            continue
        arrived = add(pid, purpose, home, dest, t_out)
        if arrived is None:
            continue
        stay_lo, stay_hi = _STAY_H[purpose]
        t_back = arrived + float(rng.uniform(stay_lo, stay_hi)) * HOUR
        if purpose == "work" and rng.random() < 0.12:
            market = planner.destination(rng, dest, "shopping")
            if market is not None and market != home:
                shopped = add(pid, "shopping", dest, market, t_back)
                if shopped is not None:
                    add(pid, "home", market, home, shopped + float(rng.uniform(0.4, 1.2)) * HOUR)
                    continue
        add(pid, "home", dest, home, t_back)
    return Demand(tuple(persons), tuple(journeys))
