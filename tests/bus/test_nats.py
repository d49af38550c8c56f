"""The NATS JetStream adapter against the real server on 127.0.0.1:4222.

Each test has a stream and subject prefix of its own (deleted afterwards). The crash
tests run a processor in a subprocess and kill it with SIGKILL mid-way.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import nats
import pytest

from busbrain.bus.nats import DEFAULT_URL, NatsBus, NatsSettings, consumer_name
from busbrain.bus.ports import BusError, BusUnavailableError, Subscription
from busbrain.domain.events import Event, partition_of
from tests.bus.helpers import delete_stream, drain, drain_all, fleet, location, run

WORKER = Path(__file__).with_name("nats_worker.py")


def test_an_unreachable_server_is_a_clear_error() -> None:
    async def scenario() -> None:
        with pytest.raises(BusUnavailableError, match=r"cannot reach NATS at nats://127.0.0.1:1"):
            await NatsBus.connect("nats://127.0.0.1:1", NatsSettings(timeout_s=1.0))

    run(scenario())


async def server_view(
    settings: NatsSettings,
) -> tuple[list[str], dict[str, nats.js.api.ConsumerInfo]]:
    """The streams on the server and the consumers of ours, by name."""
    nc = await nats.connect(DEFAULT_URL)
    js = nc.jetstream()
    streams = [s.config.name or "" for s in await js.streams_info()]
    consumers = {c.name: c for c in await js.consumers_info(settings.stream)}
    await nc.close()
    return streams, consumers


def test_stream_and_consumers_are_created_once_and_reused(nats_settings: NatsSettings) -> None:
    async def scenario() -> None:
        one = await NatsBus.connect(settings=nats_settings)
        two = await NatsBus.connect(settings=nats_settings)
        await (await one.subscribe("realtime")).close()
        await (await two.subscribe("realtime", [1, 2])).close()
        await one.close()
        await two.close()
        streams, consumers = await server_view(nats_settings)
        assert streams.count(nats_settings.stream) == 1
        assert sorted(consumers) == sorted(consumer_name("realtime", p) for p in range(4))
        config = consumers["realtime_p2"].config
        assert config.filter_subject == f"{nats_settings.prefix}.v1.*.2"
        assert config.ack_wait == nats_settings.ack_wait_s

    run(scenario())


def test_another_partition_count_is_refused(nats_settings: NatsSettings) -> None:
    async def scenario() -> None:
        await (await NatsBus.connect(settings=nats_settings)).close()
        other = dataclasses.replace(nats_settings, partitions=8)
        with pytest.raises(BusError, match="partitions=8"):
            await NatsBus.connect(settings=other)

    run(scenario())


def test_a_group_resumes_on_a_new_connection(nats_settings: NatsSettings) -> None:
    events = fleet(vehicles=4, reports=5)

    async def scenario() -> None:
        async with await NatsBus.connect(settings=nats_settings) as bus:
            await bus.publish_many(events)
            async with await bus.subscribe("realtime") as sub:
                first = await drain(sub, 20)
                for d in first[:10]:
                    await d.ack()
        bus = await NatsBus.connect(settings=nats_settings)
        async with bus, await bus.subscribe("realtime") as sub:
            rest = await drain_all(sub)
        assert sorted(d.event.event_id for d in rest) == sorted(
            d.event.event_id for d in first[10:]
        )

    run(scenario())


def test_undecodable_messages_are_dropped_and_the_rest_flow(
    nats_settings: NatsSettings, caplog: pytest.LogCaptureFixture
) -> None:
    good = next(e for e in fleet(8, 1) if partition_of(e.phone, 4) == 0)
    subject = f"{nats_settings.prefix}.v1.vehicle_location.0"
    future = json.dumps({"type": "door_opened", "version": 1, "data": {}}).encode()

    async def scenario() -> None:
        async with await NatsBus.connect(settings=nats_settings) as bus:
            nc = await nats.connect(DEFAULT_URL)
            await nc.jetstream().publish(subject, b"garbage")
            await nc.jetstream().publish(subject, future)
            await bus.publish(good)
            async with await bus.subscribe("realtime", [0]) as sub:
                got = await drain_all(sub)
            info = await nc.jetstream().consumer_info(nats_settings.stream, "realtime_p0")
            await nc.close()
        assert [d.event for d in got] == [good]
        assert info.num_ack_pending == 0 and info.num_pending == 0 and info.num_redelivered == 0

    with caplog.at_level(logging.ERROR, logger="busbrain.bus.nats"):
        run(scenario())
    assert "not an event envelope" in caplog.text and "door_opened" in caplog.text


def test_publishing_without_the_stream_fails_clearly(nats_settings: NatsSettings) -> None:
    async def scenario() -> None:
        async with await NatsBus.connect(settings=nats_settings) as bus:
            await delete_stream(nats_settings.stream)
            with pytest.raises(BusError, match=r"publish to .*vehicle_location"):
                await bus.publish(location(1, 0))
            with pytest.raises(BusError, match="publishing 2 events failed"):
                await bus.publish_many([location(1, 1), location(1, 2)])

    run(scenario())


# -- crashes --------------------------------------------------------------------------------


async def publish(settings: NatsSettings, events: Sequence[Event]) -> None:
    async with await NatsBus.connect(settings=settings) as bus:
        assert await bus.publish_many(events) == len(events)


def start_worker(
    settings: NatsSettings, effects: Path, expect: int, *extra: str
) -> subprocess.Popen[bytes]:
    args = [json.dumps(dataclasses.asdict(settings)), "realtime", str(effects), str(expect)]
    return subprocess.Popen([sys.executable, str(WORKER), *args, *extra])


def lines(path: Path) -> list[dict[str, object]]:
    """The complete lines a worker has written so far (it may be mid-line while we read)."""
    if not path.exists():
        return []
    text = path.read_text()
    done = text[: text.rfind("\n") + 1]
    return [json.loads(x) for x in done.splitlines()]


def wait_until(condition: Callable[[], bool], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


async def settled(settings: NatsSettings) -> dict[str, tuple[int | None, int | None]]:
    """Per consumer: (events not yet delivered, deliveries not yet acked)."""
    _, consumers = await server_view(settings)
    return {name: (c.num_pending, c.num_ack_pending) for name, c in consumers.items()}


@pytest.mark.slow
def test_a_processor_killed_mid_way_loses_nothing_and_applies_each_event_once(
    nats_settings: NatsSettings, tmp_path: Path
) -> None:
    events = fleet(vehicles=20, reports=10)
    effects = tmp_path / "effects.jsonl"
    run(publish(nats_settings, events))

    first = start_worker(nats_settings, effects, len(events), "--delay-s", "0.01")
    wait_until(lambda: len(lines(effects)) >= len(events) // 2, timeout_s=30)
    first.send_signal(signal.SIGKILL)
    assert first.wait(10) == -signal.SIGKILL
    assert len(events) // 2 <= len(lines(effects)) < len(events)

    second = start_worker(nats_settings, effects, len(events))
    assert second.wait(60) == 0
    applied = lines(effects)
    assert sorted(str(x["id"]) for x in applied) == sorted(e.event_id for e in events)  # once
    after = [x for x in applied if x["pid"] == second.pid]
    assert any(int(str(x["attempt"])) >= 2 for x in after)  # the killed one's, after ack wait
    assert set(run(settled(nats_settings)).values()) == {(0, 0)}


@pytest.mark.slow
def test_a_crash_between_effect_and_ack_redelivers_and_the_effect_is_not_repeated(
    nats_settings: NatsSettings, tmp_path: Path
) -> None:
    events = fleet(vehicles=5, reports=12)
    victim = events[37].event_id
    effects = tmp_path / "effects.jsonl"
    run(publish(nats_settings, events))

    first = start_worker(nats_settings, effects, len(events), "--crash-after", victim)
    assert first.wait(30) == -signal.SIGKILL
    assert str(lines(effects)[-1]["id"]) == victim

    second = start_worker(nats_settings, effects, len(events))
    assert second.wait(60) == 0
    applied = [str(x["id"]) for x in lines(effects)]
    assert sorted(applied) == sorted(e.event_id for e in events)
    skipped = lines(effects.with_suffix(".skips"))
    assert victim in {x["id"] for x in skipped}
    assert all(int(str(x["attempt"])) >= 2 for x in skipped)
    assert set(run(settled(nats_settings)).values()) == {(0, 0)}


@pytest.mark.slow
def test_delivery_never_stalls_when_the_server_drops_a_pull_request(
    nats_settings: NatsSettings,
) -> None:
    """NATS 2.9 sometimes lets a pull request expire without its 408 (about one in a
    hundred); with one request per partition that partition then stalled until the client
    noticed. 16 partitions at 2,000 events/s for 5 s: about 160 requests expire."""
    settings = dataclasses.replace(nats_settings, partitions=16, pull_expires_s=1.0)
    events = fleet(vehicles=400, reports=25)

    async def scenario() -> float:
        sent: dict[str, float] = {}
        worst = 0.0
        async with await NatsBus.connect(settings=settings) as bus:
            sub = await bus.subscribe("realtime")
            start = time.perf_counter()
            for i in range(0, len(events), 20):
                await asyncio.sleep(max(0.0, start + i / 2000 - time.perf_counter()))
                chunk = events[i : i + 20]
                sent |= dict.fromkeys((e.event_id for e in chunk), time.perf_counter())
                await bus.publish_many(chunk)
                worst = max(worst, await receive(sub, sent, 0.0))
            while sent:
                worst = max(worst, await receive(sub, sent, 2.0))
            await sub.close()
        return worst

    assert run(scenario()) < 0.3


async def receive(sub: Subscription, sent: dict[str, float], timeout_s: float) -> float:
    """Fetch once, ack, forget what came; the longest publish -> receipt time (s)."""
    worst = 0.0
    batch = await sub.fetch(256, timeout_s)
    assert batch or not timeout_s, "stalled"
    for d in batch:
        worst = max(worst, time.perf_counter() - sent.pop(d.event.event_id))
        await d.ack()
    return worst
