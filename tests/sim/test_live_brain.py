"""End to end: simulated buses -> real gateway over TCP -> bus -> live processor ->
snapshot (trips, predictions, riders on board from the passenger counters' 0x1005),
stop events back on the bus, history in the store."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import polars as pl

from busbrain.domain.events import StopVisited
from busbrain.domain.live import LiveSnapshot
from busbrain.realtime.live import DEFAULT_CAPACITY, LiveProcessor
from busbrain.realtime.rtnet import RtNetwork
from busbrain.runner.consumer import consume
from busbrain.runner.history import HistoryBuffer
from busbrain.sim.runner import fleet_records, run_live
from busbrain.sim.truth import positions_frame
from busbrain.sim.world import World
from tests.gateway.terminal import gateway
from tests.sim.conftest import DAY

SPAN = (8 * 3600.0, 8 * 3600.0 + 300.0)


def test_simulated_city_drives_the_live_picture(world: World, tmp_path: Path) -> None:
    rt = RtNetwork.build(world.net, world.day_start_unix)
    import zoneinfo

    processor = LiveProcessor(
        lambda day: rt if day == DAY else None, zoneinfo.ZoneInfo("Asia/Shanghai")
    )
    processor.plan(
        {t.vehicle_id: d.block_id for t, d in zip(world.terminals, world.duties, strict=True)}
    )
    snapshots: list[LiveSnapshot] = []
    visits: list[StopVisited] = []

    async def main() -> None:
        async with gateway(tmp_path) as h:
            h.store.terminals.upsert_terminals(fleet_records(world))
            sim0, wall0, speed = world.day_start_unix + SPAN[0], time.time(), 30.0
            stop = asyncio.Event()
            brain = asyncio.create_task(
                consume(
                    processor,
                    h.bus,
                    on_snapshot=snapshots.append,
                    to_sim=lambda t: sim0 + (t - wall0) * speed,
                    history=HistoryBuffer(h.store.history),
                    stop=stop,
                )
            )
            await run_live(world, "127.0.0.1", h.gateway.port, speed=speed, span_s=SPAN)
            await asyncio.sleep(1.5)
            stop.set()
            await brain
            async with asyncio.timeout(10):
                while True:  # what the brain put back on the bus
                    got = await h.sub.fetch(500, timeout_s=0.3)
                    if not got:
                        break
                    for d in got:
                        if isinstance(d.event, StopVisited):
                            visits.append(d.event)
                        await d.ack()
            kept = h.store.history.stop_events(DAY, DAY)
            stored.append(kept.height)

    stored: list[int] = []
    asyncio.run(main())
    last = snapshots[-1]
    on_trip = [v for v in last.vehicles if v.trip_id]
    assert len(on_trip) >= 10
    # the trip each bus is given is the one it really runs
    end = world.day_start_unix + SPAN[1]
    truth = positions_frame(world).filter(
        pl.col("time").is_between(end - 60, end) & pl.col("trip_id").is_not_null()
    )
    real = dict(truth.group_by("vehicle_id").agg(pl.col("trip_id").last()).iter_rows())
    right = sum(1 for v in on_trip if real.get(v.vehicle_id) == v.trip_id)
    assert right >= 0.9 * len(on_trip)
    with_predictions = [v for v in on_trip if v.predictions]
    assert len(with_predictions) >= 0.8 * len(on_trip)
    for v in with_predictions:
        times = [p.arrival_unix for p in v.predictions]
        assert times == sorted(times) and times[0] >= last.made_at - 60
    assert len(visits) > 20
    assert stored[0] == len({(v.trip_id, v.stop_sequence) for v in visits})
    assert all(v.trip_id in {t.trip_id for t in world.net.trips} for v in visits)

    # riders on board, from the counters' reports through the gateway: for a bus that
    # began its trip after the play started (so the counter saw every boarding), the
    # estimate is the true load within the counter's errors
    bus_of = {t.vehicle_id: i for i, t in enumerate(world.terminals)}
    first_dep = {t.trip_id: float(t.departure_s[0]) for t in world.net.trips}
    checked = 0
    for v in on_trip:
        if first_dep[v.trip_id] < SPAN[0] + 30 or v.occupancy_percent is None:
            continue
        seen = [
            x
            for x in world.day.visits
            if x.bus == bus_of[v.vehicle_id] and x.departure <= SPAN[1] - 20
        ]
        truth_load = max(seen, key=lambda x: x.departure).load
        estimate = v.occupancy_percent * DEFAULT_CAPACITY / 100
        assert abs(estimate - truth_load) <= max(3, 0.15 * truth_load), v.vehicle_id
        checked += 1
    assert checked >= 3
    assert any(v.occupancy_percent for v in on_trip)
