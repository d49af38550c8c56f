"""The event bus contract, run on the in-process bus and on the real NATS JetStream server.

Each test opens a bus with 4 partitions; on NATS each test has a stream of its own.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence

import pytest

from busbrain.bus.ports import Delivery, EventBus, share_partitions
from busbrain.domain.events import (
    AlarmRaised,
    CommandOutcome,
    Event,
    TerminalOffline,
    TerminalOnline,
    partition_of,
)
from tests.bus.conftest import OpenBus
from tests.bus.helpers import T0, drain, drain_all, fleet, location, phone, run


def ids(deliveries: list[Delivery]) -> list[str]:
    return [d.event.event_id for d in deliveries]


def by_vehicle(deliveries: list[Delivery]) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = defaultdict(list)
    for d in deliveries:
        seen[d.event.phone].append(d.event.event_id)
    return dict(seen)


def test_every_kind_of_event_arrives_as_published(open_bus: OpenBus) -> None:
    events: list[Event] = [
        TerminalOnline(phone=phone(1), vehicle="辽G00001", ts_utc=T0),
        location(1, 0),
        AlarmRaised(phone=phone(1), ts_utc=T0, kind="overspeed", details={"limit_kmh": 60}),
        CommandOutcome(phone=phone(2), ts_utc=T0, command_id="c1", kind="text", status="acked"),
        TerminalOffline(phone=phone(1), ts_utc=T0, reason="idle_timeout"),
    ]

    async def scenario() -> None:
        bus = await open_bus()
        assert [await bus.publish(e) for e in events] == [True] * 5
        async with await bus.subscribe("realtime") as sub:
            got = await drain(sub, 5)
            assert sorted(ids(got)) == sorted(e.event_id for e in events)
            assert {d.event.event_id: d.event for d in got} == {e.event_id: e for e in events}
            assert all(d.partition == partition_of(d.event.phone, 4) for d in got)
            assert all(d.attempt == 1 for d in got)
            for d in got:
                await d.ack()
        await bus.close()

    run(scenario())


def test_each_vehicle_keeps_publish_order(open_bus: OpenBus) -> None:
    events = fleet(vehicles=8, reports=25)

    async def scenario() -> None:
        bus = await open_bus()
        await bus.publish_many(events[:100])
        for event in events[100:150]:
            await bus.publish(event)
        await bus.publish_many(events[150:])
        async with await bus.subscribe("realtime") as sub:
            got = await drain(sub, len(events))
            for d in got:
                await d.ack()
        assert by_vehicle(got) == by_vehicle_of(events)
        await bus.close()

    run(scenario())


def by_vehicle_of(events: Sequence[Event]) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = defaultdict(list)
    for e in events:
        seen[e.phone].append(e.event_id)
    return dict(seen)


def test_unacked_deliveries_come_back_in_order_after_close(open_bus: OpenBus) -> None:
    events = fleet(vehicles=1, reports=10)

    async def scenario() -> None:
        bus = await open_bus()
        await bus.publish_many(events)
        async with await bus.subscribe("realtime") as sub:
            first = await drain(sub, 10)
            for d in first[:3] + first[6:7]:
                await d.ack()
        async with await bus.subscribe("realtime") as sub:
            again = await drain(sub, 6)
            assert ids(again) == ids(first[3:6] + first[7:])
            assert [d.attempt for d in again] == [2] * 6
            for d in again:
                await d.ack()
            assert await sub.fetch(10, 0.3) == []
        await bus.close()

    run(scenario())


def test_a_nakked_delivery_comes_back_before_newer_ones(open_bus: OpenBus) -> None:
    events = fleet(vehicles=1, reports=3)

    async def scenario() -> None:
        bus = await open_bus()
        async with await bus.subscribe("realtime") as sub:
            await bus.publish(events[0])
            (d0,) = await drain(sub, 1)
            await d0.nak()
            await d0.nak()  # settled already: ignored
            await bus.publish_many(events[1:])
            got = await drain(sub, 3)
            assert ids(got) == [e.event_id for e in events]
            assert [d.attempt for d in got] == [2, 1, 1]
            for d in got:
                await d.ack()
                await d.ack()  # twice is harmless
            assert await sub.fetch(10, 0.3) == []
        await bus.close()

    run(scenario())


def test_a_durable_group_resumes_where_it_left_off(open_bus: OpenBus) -> None:
    events = fleet(vehicles=3, reports=10)

    async def scenario() -> None:
        bus = await open_bus()
        await bus.publish_many(events[:20])
        async with await bus.subscribe("realtime") as sub:
            done = await drain(sub, 20)
            for d in done[:10]:
                await d.ack()
        await bus.publish_many(events[20:])
        async with await bus.subscribe("realtime") as sub:
            rest = await drain_all(sub)
        acked = set(ids(done[:10]))
        assert sorted(ids(rest)) == sorted({e.event_id for e in events} - acked)
        await bus.close()

    run(scenario())


def test_every_group_gets_every_event(open_bus: OpenBus) -> None:
    events = fleet(vehicles=5, reports=4)

    async def scenario() -> None:
        bus = await open_bus()
        await bus.publish_many(events)
        async with await bus.subscribe("realtime") as a, await bus.subscribe("archive") as b:
            assert sorted(ids(await drain_all(a))) == sorted(e.event_id for e in events)
            assert sorted(ids(await drain_all(b))) == sorted(e.event_id for e in events)
        await bus.close()

    run(scenario())


def test_partitions_are_split_between_two_members_of_a_group(open_bus: OpenBus) -> None:
    events = fleet(vehicles=24, reports=3)

    async def scenario() -> None:
        bus = await open_bus()
        await bus.publish_many(events)
        mine, theirs = share_partitions(0, 2, 4), share_partitions(1, 2, 4)
        assert mine == {0, 2} and theirs == {1, 3}
        a, b = await bus.subscribe("realtime", mine), await bus.subscribe("realtime", theirs)
        got_a, got_b = await drain_all(a), await drain_all(b)
        await a.close()
        await b.close()
        assert got_a and got_b
        assert {d.partition for d in got_a} <= mine and {d.partition for d in got_b} <= theirs
        assert sorted(ids(got_a) + ids(got_b)) == sorted(e.event_id for e in events)
        assert by_vehicle(got_a) | by_vehicle(got_b) == by_vehicle_of(events)
        await bus.close()

    run(scenario())


def test_a_republished_event_is_stored_once(open_bus: OpenBus) -> None:
    events = fleet(vehicles=2, reports=3)

    async def scenario() -> None:
        bus = await open_bus()
        assert await bus.publish(events[0]) is True
        assert await bus.publish(events[0]) is False
        assert await bus.publish_many(events) == len(events) - 1
        async with await bus.subscribe("realtime") as sub:
            assert sorted(ids(await drain_all(sub))) == sorted(e.event_id for e in events)
        await bus.close()

    run(scenario())


def test_fetch_waits_then_returns_nothing_when_idle(open_bus: OpenBus) -> None:
    async def scenario() -> None:
        bus = await open_bus()
        async with await bus.subscribe("realtime") as sub:
            start = time.monotonic()
            assert await sub.fetch(10, 0.4) == []
            assert 0.35 < time.monotonic() - start < 2.0
        assert await sub.fetch(10, 0.4) == []  # closed: returns at once
        await bus.close()

    run(scenario())


def test_iteration_yields_deliveries(open_bus: OpenBus) -> None:
    events = fleet(vehicles=2, reports=5)

    async def scenario() -> None:
        bus = await open_bus()
        await bus.publish_many(events)
        got: list[str] = []
        async with await bus.subscribe("realtime") as sub:
            async for delivery in sub:
                got.append(delivery.event.event_id)
                await delivery.ack()
                if len(got) == len(events):
                    break
        assert sorted(got) == sorted(e.event_id for e in events)
        await bus.close()

    run(scenario())


@pytest.mark.parametrize(
    ("group", "partitions"), [("bad name", None), ("a.b", None), ("ok", [4]), ("ok", [])]
)
def test_bad_group_or_partitions_are_refused(
    open_bus: OpenBus, group: str, partitions: list[int] | None
) -> None:
    async def scenario() -> None:
        bus: EventBus = await open_bus()
        try:
            with pytest.raises(ValueError):
                await bus.subscribe(group, partitions)
        finally:
            await bus.close()

    run(scenario())
