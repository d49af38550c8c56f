"""Benchmark: events through each event bus adapter, publish -> consume, in one process.

    .venv/bin/python bench/event_bus.py [--events 50000] [--vehicles 1000] [--rate 1000]
                                        [--url nats://127.0.0.1:4222] [--json PATH]

For each adapter (in-process, NATS JetStream on --url) two runs, each with one publisher
and one subscriber (a group of all 16 partitions) in this process's event loop:

  flood   publish_many in batches of 100 as fast as the bus takes them, while the
          subscriber fetches and acks: the most events per second the adapter carries.
          Latency here is mostly time spent queued behind earlier events.
  paced   publish one event at a time, awaiting each (as one gateway connection does),
          at --rate events/s for about 5 s: publish -> consume latency at a city's load
          (1,000/s is 10,000 buses reporting every 10 s). One event loop carries the
          publisher and the subscriber, so a rate it cannot keep up with shows as a
          lower events/s than asked.

Latency is from just before the publish call to the moment fetch hands the event to the
subscriber (before its ack); events/s counts from the first publish to the last receipt.
Each event is a VehicleLocation (about 350 bytes on the wire). The NATS stream is created
for the run and deleted afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import nats

from busbrain.bus.memory import InMemoryBus
from busbrain.bus.nats import DEFAULT_URL, NatsBus, NatsSettings
from busbrain.bus.ports import EventBus
from busbrain.domain.events import VehicleLocation

T0 = dt.datetime(2026, 11, 29, 0, 0, tzinfo=dt.UTC)
BATCH = 100


@dataclass(frozen=True)
class Result:
    adapter: str
    mode: str
    events: int
    events_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float


def make_events(count: int, vehicles: int) -> list[VehicleLocation]:
    """Reports of `vehicles` buses, one a second each, interleaved in time order."""
    out = []
    for i in range(count):
        n, v = divmod(i, vehicles)
        t = T0 + dt.timedelta(seconds=n)
        out.append(
            VehicleLocation(
                phone=f"0139{v:08d}",
                vehicle=f"辽G{v:05d}",
                ts_utc=t,
                lat_deg=41.1 + n * 1e-5,
                lon_deg=121.1 + v * 1e-4,
                speed_kmh=23.4,
                heading_deg=87.0,
                altitude_m=18.0,
                received_utc=t,
                status_bits=0xC0003,
                mileage_km=10234.5,
                extra={"gnss_satellites": 14, "signal_strength": 23},
            )
        )
    return out


async def consume(bus: EventBus, count: int, sent: dict[str, float], seen: list[float]) -> float:
    """Fetch and ack until `count` events came; record each one's latency in seconds.
    Returns when the last one came (closing the subscription takes longer, unmeasured)."""
    async with await bus.subscribe("bench") as sub:
        while len(seen) < count:
            batch = await sub.fetch(256, 5.0)
            if not batch:
                raise RuntimeError(f"stalled after {len(seen)} of {count} events")
            now = time.perf_counter()
            for delivery in batch:
                seen.append(now - sent[delivery.event.event_id])
                await delivery.ack()
        return now


async def flood(bus: EventBus, events: list[VehicleLocation], sent: dict[str, float]) -> None:
    for i in range(0, len(events), BATCH):
        chunk = events[i : i + BATCH]
        now = time.perf_counter()
        for event in chunk:
            sent[event.event_id] = now
        await bus.publish_many(chunk)
        await asyncio.sleep(0)  # let the subscriber run, as a gateway yields between reads


def paced(
    rate: float,
) -> Callable[[EventBus, list[VehicleLocation], dict[str, float]], Awaitable[None]]:
    async def publish(bus: EventBus, events: list[VehicleLocation], sent: dict[str, float]) -> None:
        start = time.perf_counter()
        for i, event in enumerate(events):
            delay = start + i / rate - time.perf_counter()
            if delay > 0.002:  # the loop sleeps in whole milliseconds: pace in 2 ms steps
                await asyncio.sleep(delay)
            sent[event.event_id] = time.perf_counter()
            await bus.publish(event)

    return publish


async def measure(
    adapter: str,
    mode: str,
    bus: EventBus,
    events: list[VehicleLocation],
    publish: Callable[[EventBus, list[VehicleLocation], dict[str, float]], Awaitable[None]],
) -> Result:
    sent: dict[str, float] = {}
    seen: list[float] = []
    consumer = asyncio.create_task(consume(bus, len(events), sent, seen))
    await asyncio.sleep(0.2)  # the subscription is up before the first event
    start = time.perf_counter()
    await publish(bus, events, sent)
    elapsed = await consumer - start
    ms = sorted(x * 1000 for x in seen)
    return Result(
        adapter,
        mode,
        len(events),
        len(events) / elapsed,
        statistics.median(ms),
        ms[int(len(ms) * 0.99) - 1],
        ms[-1],
    )


async def run_adapter(
    adapter: str,
    open_bus: Callable[[], Awaitable[EventBus]],
    events: list[VehicleLocation],
    paced_events: list[VehicleLocation],
    rate: float,
) -> list[Result]:
    results = []
    for mode, batch, publish in (
        ("flood", events, flood),
        ("paced", paced_events, paced(rate)),
    ):
        bus = await open_bus()
        try:
            results.append(await measure(adapter, mode, bus, batch, publish))
        finally:
            await bus.close()
    return results


async def main(args: argparse.Namespace) -> list[Result]:
    events = make_events(args.events, args.vehicles)
    paced_events = make_events(int(args.rate * 5), args.vehicles)
    streams: list[str] = []

    async def open_memory() -> EventBus:
        return InMemoryBus(max_retained=max(args.events, 100_000))

    async def open_nats() -> EventBus:
        """A bus on a stream of its own, so runs do not see (or dedupe) each other's events."""
        tag = uuid.uuid4().hex[:8]
        streams.append(f"BENCH_{tag}")
        return await NatsBus.connect(
            args.url, NatsSettings(stream=streams[-1], prefix=f"bench_{tag}")
        )

    results = await run_adapter("in-process", open_memory, events, paced_events, args.rate)
    try:
        results += await run_adapter("nats", open_nats, events, paced_events, args.rate)
    finally:
        nc = await nats.connect(args.url)
        for stream in streams:
            await nc.jetstream().delete_stream(stream)
        await nc.close()
    return results


def report(results: list[Result]) -> None:
    print(
        f"{'adapter':<11} {'mode':<6} {'events':>7} {'events/s':>10} "
        f"{'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    )
    for r in results:
        print(
            f"{r.adapter:<11} {r.mode:<6} {r.events:>7} {r.events_per_s:>10,.0f} "
            f"{r.p50_ms:>8.3f} {r.p99_ms:>8.3f} {r.max_ms:>8.3f}"
        )
    by = {(r.adapter, r.mode): r for r in results}
    for mode in ("flood", "paced"):
        mem, jet = by[("in-process", mode)], by[("nats", mode)]
        print(
            f"{mode}: in-process carries {mem.events_per_s / jet.events_per_s:.1f}x the "
            f"events/s of NATS; NATS p50 latency is {jet.p50_ms / mem.p50_ms:.1f}x, "
            f"p99 {jet.p99_ms / mem.p99_ms:.1f}x the in-process bus"
        )


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--events", type=int, default=50_000, help="events in the flood run")
    p.add_argument("--vehicles", type=int, default=1000)
    p.add_argument("--rate", type=float, default=1000.0, help="events/s in the paced run")
    p.add_argument("--url", default=DEFAULT_URL)
    p.add_argument("--json", type=Path, default=None, help="also write the figures here")
    return p.parse_args()


if __name__ == "__main__":
    arguments = parse()
    figures = asyncio.run(main(arguments))
    report(figures)
    if arguments.json:
        arguments.json.write_text(json.dumps([asdict(r) for r in figures], indent=2) + "\n")
