"""Run a simulated day in one of its modes: outputs only, live against a gateway, or
into a capture file. The world is computed first (pure, faster than real time); then
the terminals' scripts are played."""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from busbrain.domain.terminals import TerminalRecord
from busbrain.protocol import jt808 as j
from busbrain.sim.apc import stop_flows
from busbrain.sim.capture import CaptureStats, write_capture
from busbrain.sim.fares import FareBatch, fare_batches, write_fare_batches
from busbrain.sim.live import LiveStats, play_live
from busbrain.sim.script import Action, ActionKind, SimClock, SimTerminal, TerminalScript
from busbrain.sim.terminals import card_actions, flow_actions, script
from busbrain.sim.world import World


def clip(
    actions: Iterable[Action], terminal: SimTerminal, start: float, end: float
) -> Iterator[Action]:
    """The actions between unix times `start` and `end`. A terminal that is on at
    `start` connects, registers and authenticates then; every terminal still connected
    at `end` closes."""
    connected = False
    registered = False
    last: ActionKind | None = None
    for a in actions:
        if a.t < start:
            if a.kind is ActionKind.CONNECT:
                connected = True
            elif a.kind is ActionKind.CLOSE:
                connected = False
            continue
        if a.t > end:
            break
        if a.kind is ActionKind.SEND and a.message is None:
            continue  # a report the script left unbuilt: it belongs before `start`
        if last is None and connected and a.kind is not ActionKind.CONNECT:
            yield Action(start, ActionKind.CONNECT)
            last = ActionKind.CONNECT
        if not registered and a.kind is ActionKind.AUTHENTICATE:
            yield Action(a.t, ActionKind.REGISTER, terminal.register_message())
            registered = True
        elif not registered and last is ActionKind.CONNECT and a.kind is ActionKind.SEND:
            yield Action(a.t, ActionKind.REGISTER, terminal.register_message())
            auth = j.Authentication(terminal.placeholder_auth_code)
            yield Action(a.t, ActionKind.AUTHENTICATE, auth)
            registered = True
        if a.kind is ActionKind.REGISTER:
            registered = True
        yield a
        last = a.kind
    if last is not None and last is not ActionKind.CLOSE:
        yield Action(end, ActionKind.CLOSE)


def build_scripts(world: World, span_s: tuple[float, float] | None = None) -> list[TerminalScript]:
    """Each terminal's script, clipped to `span_s` (seconds after the service day's start):
    its positions and, merged in time order, its passenger counter's reports and its
    drivers' IC card sign-ins and sign-outs."""
    u = world.day_start_unix
    flows = stop_flows(world)
    scripts = []
    for bus, (term, obs) in enumerate(zip(world.terminals, world.observed, strict=True)):
        if span_s is not None and (
            obs.track.t.size == 0 or obs.track.t[-1] < span_s[0] or obs.track.t[0] > span_s[1]
        ):
            continue
        before = u + span_s[0] if span_s is not None else float("-inf")
        actions: Iterable[Action] = heapq.merge(
            script(obs, term, u, world.scenario, before=before),
            flow_actions(flows.get(bus, []), obs, u, before=before),
            card_actions(world.day.buses[bus].drivers, obs, u, world.scenario.seed, before=before),
            key=lambda a: a.t,
        )
        if span_s is not None:
            actions = clip(actions, term, u + span_s[0], u + span_s[1])
        scripts.append(TerminalScript(term, actions))
    return scripts


def fleet_records(world: World) -> list[TerminalRecord]:
    """The simulated fleet as registry rows (so the gateway knows its terminals)."""
    return [
        TerminalRecord(t.phone, t.plate, 1, t.vehicle_id, None, None, None) for t in world.terminals
    ]


def capture_metadata(world: World) -> dict[str, Any]:
    sc = world.scenario
    return {
        "generator": "busbrain simulate",
        "service_date": sc.service_date.isoformat(),
        "seed": sc.seed,
        "day_start_unix": world.day_start_unix,
        "report_interval_s": sc.report_interval_s,
    }


def run_capture(
    world: World,
    path: Path,
    span_s: tuple[float, float] | None,
    progress: Callable[[int], None] | None = None,
) -> CaptureStats:
    return write_capture(
        path,
        build_scripts(world, span_s),
        capture_metadata(world),
        progress=(lambda stats: progress(stats.records)) if progress else None,
    )


async def drop_fares(batches: list[FareBatch], folder: Path, clock: SimClock) -> None:
    """Write each fare batch into `folder` when clearing delivers it on `clock`."""
    loop = asyncio.get_running_loop()
    folder.mkdir(parents=True, exist_ok=True)
    for batch in sorted(batches, key=lambda b: b.delivered_unix):
        delay = clock.wall(batch.delivered_unix) - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        await asyncio.to_thread(write_fare_batches, [batch], folder)


async def run_live(
    world: World,
    host: str,
    port: int,
    *,
    speed: float,
    span_s: tuple[float, float],
    fares_to: Path | None = None,
    progress: Callable[[LiveStats], None] | None = None,
    stop: asyncio.Event | None = None,
) -> LiveStats:
    """Play the day's scripts against a gateway, `span_s[0]` mapped to now. With
    `fares_to`, fare batches are dropped there as clearing delivers them (those already
    delivered at the start at once, those still due when the play ends then)."""
    loop = asyncio.get_running_loop()
    clock = SimClock(sim0=world.day_start_unix + span_s[0], wall0=loop.time(), speed=speed)
    drops = None
    batches: list[FareBatch] = []
    if fares_to is not None:
        batches = fare_batches(world, np.random.default_rng([world.scenario.seed, 7]))
        drops = asyncio.create_task(drop_fares(batches, fares_to, clock))
    try:
        return await play_live(
            build_scripts(world, span_s), host, port, clock, progress=progress, stop=stop
        )
    finally:
        if drops is not None and fares_to is not None:
            drops.cancel()
            due = [b for b in batches if not (fares_to / f"{b.batch_id}.csv").exists()]
            await asyncio.to_thread(write_fare_batches, due, fares_to)
