"""One simulated day, start to finish: duties, demand, the day's events, alarms and
each terminal's observations. Pure: a network and a scenario in, a `World` out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from busbrain.domain.daynet import DayNetwork
from busbrain.sim.alarms import AlarmTruth, driving_episodes, safety_alarms
from busbrain.sim.demand import Demand, generate_demand
from busbrain.sim.duties import Duty, plan_duties
from busbrain.sim.engine import CityDay, simulate_day
from busbrain.sim.landuse import land_use
from busbrain.sim.reach import Reach
from busbrain.sim.sample import Sampler
from busbrain.sim.scenario import Scenario
from busbrain.sim.script import SimTerminal
from busbrain.sim.terminals import Observed, make_terminal, observe
from busbrain.sim.traffic import Traffic

Progress = Callable[[str, int, int], None]
"""(step, done, total) callback for long steps."""


@dataclass(frozen=True, slots=True)
class World:
    net: DayNetwork
    scenario: Scenario
    day_start_unix: float
    """Unix seconds of GTFS time 0 on the service day."""
    duties: list[Duty]
    demand: Demand
    day: CityDay
    terminals: list[SimTerminal]
    alarms: list[AlarmTruth]
    observed: list[Observed]


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream])


def simulate_world(
    net: DayNetwork,
    scenario: Scenario,
    day_start_unix: float,
    *,
    progress: Progress | None = None,
) -> World:
    """Simulate the whole service day (deterministic for `scenario.seed`)."""
    seed = scenario.seed
    weekend = scenario.service_date.weekday() >= 5
    duties = plan_duties(net)
    if not duties:
        window = (0.0, 0.0)
    else:
        window = (
            float(min(t.departure_s[0] for t in net.trips)) + 300.0,
            float(max(t.departure_s[0] for t in net.trips)) - 900.0,
        )
    if progress:
        progress("demand", 0, 1)
    demand = generate_demand(
        net,
        land_use(net),
        Reach(net),
        buses=len(duties),
        level=scenario.demand,
        weekend=weekend,
        window_s=window,
        rng=_rng(seed, 1),
        persons_count=scenario.persons,
    )
    if progress:
        progress("demand", 1, 1)
        progress("buses", 0, 1)
    traffic = Traffic(net, weekend=weekend, rng=_rng(seed, 2))
    day = simulate_day(net, duties, demand, traffic, scenario, _rng(seed, 3))
    if progress:
        progress("buses", 1, 1)
    sampler = Sampler(net)
    fleet_rng = _rng(seed, 4)
    terminals = [
        make_terminal(i, bool(fleet_rng.random() < scenario.version_2019_share), fleet_rng)
        for i in range(len(duties))
    ]
    alarms: list[AlarmTruth] = []
    observed: list[Observed] = []
    for i, bus in enumerate(day.buses):
        rng = _rng(seed, 1000 + i)
        mine = safety_alarms(bus, sampler, rng) + driving_episodes(
            bus, sampler, scenario.speed_limit_kmh
        )
        mine.sort(key=lambda a: a.t)
        alarms.extend(mine)
        observed.append(observe(bus, sampler, net.frame, scenario, mine, rng))
        if progress and (i % 50 == 0 or i == len(day.buses) - 1):
            progress("terminals", i + 1, len(day.buses))
    return World(net, scenario, day_start_unix, duties, demand, day, terminals, alarms, observed)
