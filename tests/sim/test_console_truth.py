"""The console's figures on simulated data with known truth, end to end: simulated buses
→ real gateway over TCP → bus → live processor → stop events in the store → the
服务监管 and 运营监管 APIs, checked against the simulator's own record of every visit."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import time
import zoneinfo
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from busbrain.access.roles import Role
from busbrain.api import create_app
from busbrain.domain.live import LiveSnapshot
from busbrain.oversight.service import HORIZON_BANDS
from busbrain.realtime.live import LiveProcessor
from busbrain.realtime.rtnet import RtNetwork
from busbrain.runner.alarms import consume_alarms
from busbrain.runner.consumer import consume
from busbrain.runner.history import HistoryBuffer
from busbrain.sim.runner import fleet_records, run_live
from busbrain.sim.world import World
from busbrain.wiring import Store, open_store
from tests.api.dispatch_helpers import BASE, add_user, cheap_passwords, login
from tests.gateway.terminal import gateway
from tests.sim.conftest import DAY

SPAN = (7 * 3600.0 + 40 * 60, 7 * 3600.0 + 52 * 60)
SPEED = 60.0


@pytest.fixture(scope="module")
def brain(
    world: World, demo_store: Store, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """A store with the demo network and the stop events the live side recorded while the
    simulated city ran SPAN through the gateway."""
    folder = tmp_path_factory.mktemp("brain")
    demo_file = Path(str(demo_store.engine.url.database))
    shutil.copy(demo_file, folder / "brain.db")
    store = open_store(f"sqlite:///{folder / 'brain.db'}")
    rt = RtNetwork.build(world.net, world.day_start_unix)
    processor = LiveProcessor(
        lambda day: rt if day == DAY else None,
        zoneinfo.ZoneInfo("Asia/Shanghai"),
        capacity={t.vehicle_id: world.scenario.capacity for t in world.terminals},
    )
    processor.plan(
        {t.vehicle_id: d.block_id for t, d in zip(world.terminals, world.duties, strict=True)}
    )
    snapshots: list[LiveSnapshot] = []

    async def main() -> None:
        async with gateway(folder) as h:
            h.store.terminals.upsert_terminals(fleet_records(world))
            sim0, wall0 = world.day_start_unix + SPAN[0], time.time()
            stop = asyncio.Event()
            task = asyncio.create_task(
                consume(
                    processor,
                    h.bus,
                    on_snapshot=snapshots.append,
                    to_sim=lambda t: sim0 + (t - wall0) * SPEED,
                    history=HistoryBuffer(store.history),
                    stop=stop,
                )
            )
            alarms = asyncio.create_task(consume_alarms(store.alarms, h.bus, stop=stop))
            await asyncio.sleep(0)  # both groups subscribed before the buses report
            await run_live(world, "127.0.0.1", h.gateway.port, speed=SPEED, span_s=SPAN)
            await asyncio.sleep(1.5)
            stop.set()
            await task
            await alarms

    asyncio.run(main())
    yield store
    store.close()


def _client(store: Store, world: World) -> TestClient:
    passwords = cheap_passwords()
    if store.users.find_user("wang") is None:
        add_user(store.users, passwords, "wang", Role.DISPATCHER)
    end = world.day_start_unix + SPAN[1]
    app = create_app(
        store.queries,
        schedule=store.schedule,
        history=store.history,
        alarms=store.alarms,
        users=store.users,
        passwords=passwords,
        clock=lambda: end,
    )
    client = TestClient(app)
    login(client, "wang")
    return client


def _truth(world: World) -> dict[tuple[str, int], tuple[float, bool]]:
    """(trip_id, stop_sequence) -> (departure deviation s, stopped) of every visit the
    simulated buses made inside SPAN (the last stop: arrival deviation)."""
    out = {}
    for v in world.day.visits:
        if not SPAN[0] <= v.departure <= SPAN[1] - 30:
            continue
        trip = world.net.trips[v.trip]
        last = v.k == len(trip.arrival_s) - 1
        dev = v.arrival - trip.arrival_s[v.k] if last else v.departure - trip.departure_s[v.k]
        out[(trip.trip_id, trip.stop_sequences[v.k])] = (float(dev), v.stopped)
    return out


def test_late_and_early_buses_show_with_the_right_minutes(brain: Store, world: World) -> None:
    client = _client(brain, world)
    r = client.get(f"{BASE}/service/adherence", params={"date": DAY.isoformat(), "limit": 5000})
    assert r.status_code == 200, r.text
    calls = r.json()["calls"]
    truth = _truth(world)
    seen = [
        (c, truth[(c["trip_id"], c["stop_sequence"])])
        for c in calls
        if (c["trip_id"], c["stop_sequence"]) in truth
    ]
    assert len(seen) >= 100
    close = [abs(c["deviation_s"] - dev) <= 20 for c, (dev, _) in seen]
    assert sum(close) >= 0.95 * len(seen)
    status = [
        c["status"] == ("late" if dev > 300 else "early" if dev < -60 else "on_time")
        for c, (dev, _) in seen
        if abs(abs(dev) - (300 if dev > 0 else 60)) > 20  # away from the window's edges
    ]
    assert sum(status) >= 0.97 * len(status)
    late = [(c, dev) for c, (dev, _) in seen if dev > 360]
    assert late, "the simulated city runs some buses late"
    for c, dev in late:
        if abs(c["deviation_s"] - dev) <= 20:
            assert c["status"] == "late" and abs(c["deviation_min"] - dev / 60) <= 0.4


def test_stops_passed_without_stopping_are_flagged(brain: Store, world: World) -> None:
    client = _client(brain, world)
    r = client.get(f"{BASE}/service/skips", params={"date": DAY.isoformat(), "limit": 5000})
    assert r.status_code == 200, r.text
    passed = {
        (s["trip_id"], s["stop_sequence"]) for s in r.json()["skips"] if s["kind"] == "passed"
    }
    truth = _truth(world)
    true_passed = {k for k, (_, stopped) in truth.items() if not stopped}
    true_stopped = {k for k, (_, stopped) in truth.items() if stopped}
    assert len(true_passed) >= 10
    assert len(passed & true_passed) >= 0.85 * len(true_passed)
    assert len(passed & true_stopped) <= 0.05 * len(passed)


def test_crowding_max_load_per_trip_matches_the_riders_on_board(brain: Store, world: World) -> None:
    """满载率 from the simulated passenger counters (0x1005 through the gateway, attributed
    to stop visits by the live processor, stored, read by /service/crowding): each trip's
    max load against the simulator's riders on board leaving each stop. Only trips that
    started inside SPAN: the processor cannot know who boarded before it ran."""
    client = _client(brain, world)
    r = client.get(f"{BASE}/service/crowding", params={"date": DAY.isoformat()})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["available"] is True and body["source"] == "passenger_counter"
    got = {t["trip_id"]: t for t in body["trips"]}
    truth: dict[str, int] = {}
    started: set[str] = set()
    for v in world.day.visits:
        trip = world.net.trips[v.trip]
        if v.k == 0 and v.departure >= SPAN[0]:
            started.add(trip.trip_id)
        if v.departure <= SPAN[1] - 30:
            truth[trip.trip_id] = max(truth.get(trip.trip_id, 0), v.load)
    compared = [(got[t]["onboard"], truth[t]) for t in sorted(started & set(truth)) if t in got]
    assert len(compared) >= 0.8 * len(started & set(truth)) and len(compared) >= 8
    close = [abs(a - b) <= max(2, 0.1 * b) for a, b in compared]
    print(f"crowding truth: {sum(close)}/{len(compared)} trips within max(2, 10 %); {compared}")
    assert sum(close) >= 0.9 * len(compared)
    assert all(t["capacity"] == world.scenario.capacity for t in body["trips"])
    assert max(b for _, b in compared) > 0
    (line,) = [x for x in body["by_line"] if x["route_id"] == "1"] or [None]
    assert line is not None and line["trips"] >= 1


def test_the_waybill_has_each_trip_leaving_when_it_truly_left(brain: Store, world: World) -> None:
    """运营监管: a trip's actual departure from its first stop is the simulated one."""
    client = _client(brain, world)
    r = client.get(f"{BASE}/operations/waybills", params={"date": DAY.isoformat()})
    assert r.status_code == 200, r.text
    left = {
        world.net.trips[v.trip].trip_id: world.day_start_unix + v.departure
        for v in world.day.visits
        if v.k == 0 and SPAN[0] + 60 <= v.departure <= SPAN[1] - 60
    }
    seen = [
        (t["trip_id"], t["actual_departure_utc"])
        for w in r.json()["vehicles"]
        for t in w["trips"]
        if t["trip_id"] in left and t["actual_departure_utc"]
    ]
    assert len(seen) >= 0.8 * len(left) and len(left) >= 5
    for trip_id, at in seen:
        got = dt.datetime.fromisoformat(at).timestamp()
        assert abs(got - left[trip_id]) <= 30, trip_id


def test_predictions_are_logged_as_far_ahead_as_they_are_scored(brain: Store, world: World) -> None:
    """Once a minute per bus, up to the last horizon band (30 min): block-long predictions
    would be several times the rows and no figure reads them."""
    lo = dt.datetime.fromtimestamp(world.day_start_unix + SPAN[0], dt.UTC)
    hi = dt.datetime.fromtimestamp(world.day_start_unix + SPAN[1] + 60, dt.UTC)
    logged = brain.history.predictions(lo, hi)
    assert logged.height > 0
    ahead = (logged["predicted_utc"] - logged["made_utc"]).dt.total_seconds()
    assert ahead.max() <= HORIZON_BANDS[-1].hi_s
    assert ahead.max() > HORIZON_BANDS[-2].hi_s  # the last band is logged
    body = _client(brain, world).get(f"{BASE}/service/predictions").json()
    assert {r["band"] for r in body["rows"]} >= {b.label for b in HORIZON_BANDS[:2]}
