"""A small simulated city shared by the world tests: three lines of the demo city."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from busbrain.democity import write_demo_feed
from busbrain.domain.daynet import DayNetwork
from busbrain.network_io.importer import import_feed
from busbrain.sim.scenario import Scenario
from busbrain.sim.world import World, simulate_world
from busbrain.store.days import load_day_network, network_timezone, service_day_start
from busbrain.wiring import Store, open_store

DAY = dt.date(2026, 12, 1)  # a Tuesday
ROUTES = {"1", "2", "K1"}


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("demo")
    feed = write_demo_feed(folder / "demo.zip")
    store = open_store(f"sqlite:///{folder / 'demo.db'}")
    import_feed(feed, store.network, now=dt.datetime(2026, 11, 29, tzinfo=dt.UTC))
    return store


def small(net: DayNetwork, routes: set[str]) -> DayNetwork:
    return dataclasses.replace(net, trips=tuple(t for t in net.trips if t.route_id in routes))


@pytest.fixture(scope="session")
def small_net(demo_store: Store) -> DayNetwork:
    return small(load_day_network(demo_store.queries, demo_store.schedule, DAY), ROUTES)


@pytest.fixture(scope="session")
def day_start(demo_store: Store) -> float:
    return service_day_start(DAY, network_timezone(demo_store.queries))


@pytest.fixture(scope="session")
def world(small_net: DayNetwork, day_start: float) -> World:
    return simulate_world(small_net, Scenario(DAY, seed=7, demand=2.0, capacity=30), day_start)


__all__ = ["DAY", "ROUTES", "Path"]
