"""The simulated fleet drives the real gateway over TCP: every report arrives."""

from __future__ import annotations

import asyncio
from pathlib import Path

from busbrain.domain.events import VehicleLocation
from busbrain.protocol import jt808 as j
from busbrain.sim.capture import read_capture
from busbrain.sim.replay import replay_capture
from busbrain.sim.runner import build_scripts, fleet_records, run_capture, run_live
from busbrain.sim.script import ActionKind
from busbrain.sim.world import World
from tests.gateway.terminal import Harness, gateway

SPAN = (8 * 3600.0, 8 * 3600.0 + 120.0)


def _expected(world: World) -> int:
    """Distinct positions the scripts send (the bus drops exact duplicates by event id)."""
    seen: set[tuple[str, object]] = set()
    for s in build_scripts(world, SPAN):
        for a in s:
            if isinstance(a.message, j.Location):
                seen.add((s.terminal.phone, a.message.device_time))
            elif isinstance(a.message, j.BatchLocation):
                seen.update((s.terminal.phone, loc.device_time) for loc in a.message.locations)
    return len(seen)


async def _locations(h: Harness, n: int) -> list[VehicleLocation]:
    events = await h.events(n, timeout=30.0)
    return [e for e in events if isinstance(e, VehicleLocation)]


def test_live_simulation_reaches_the_gateway(world: World, tmp_path: Path) -> None:
    expected = _expected(world)
    assert expected > 300

    fares = tmp_path / "fares"
    seen_during_play: set[str] = set()

    def progress(_: object) -> None:
        seen_during_play.update(p.name for p in fares.glob("*.csv"))

    async def main() -> None:
        async with gateway(tmp_path) as h:
            h.store.terminals.upsert_terminals(fleet_records(world))
            stats = await run_live(
                world,
                "127.0.0.1",
                h.gateway.port,
                speed=40.0,
                span_s=SPAN,
                fares_to=fares,
                progress=progress,
            )
            got = []
            while len(got) < expected:
                got += await _locations(h, 1)
            assert stats.auth_failures == 0
            assert stats.locations_sent >= expected
            vehicles = {e.vehicle for e in got}
            assert vehicles <= {t.vehicle_id for t in world.terminals}
            assert len(vehicles) > 10
            first = world.day_start_unix + SPAN[0]
            assert all(first - 700 <= e.ts_utc.timestamp() <= first + 800 for e in got)

    asyncio.run(main())
    # clearing delivers 07:00-08:00 at 08:30, after the span: not during the play, but at its end
    day = world.scenario.service_date.strftime("%Y%m%d")
    late = [n for n in seen_during_play if n.startswith(f"fares_{day}_0700")]
    assert late == []
    written = {p.name for p in fares.glob("*.csv")}
    assert any(n.startswith(f"fares_{day}_0700") for n in written)
    assert any(n.startswith(f"fares_{day}_0500") for n in written)


def test_capture_then_replay_to_a_gateway(world: World, tmp_path: Path) -> None:
    path = tmp_path / "day.bbcap"
    stats = run_capture(world, path, SPAN)
    meta, records = read_capture(path)
    kinds = [r.kind for r in records]
    assert meta["service_date"] == world.scenario.service_date.isoformat()
    assert kinds.count(ActionKind.REGISTER) == len(meta["terminals"])
    expected = _expected(world)
    assert stats.locations >= expected

    async def main() -> None:
        async with gateway(tmp_path) as h:
            h.store.terminals.upsert_terminals(fleet_records(world))
            done = await replay_capture(path, "127.0.0.1", h.gateway.port, speed=float("inf"))
            got = []
            while len(got) < expected:
                got += await _locations(h, 1)
            assert done.auth_failures == 0
            assert len(got) == expected

    asyncio.run(main())
