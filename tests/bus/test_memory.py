"""What only the in-process bus has: its memory bound and how it frees memory."""

from __future__ import annotations

import asyncio

import pytest

from busbrain.bus.memory import InMemoryBus
from busbrain.bus.ports import BusError, BusFullError
from tests.bus.helpers import drain, drain_all, fleet, run


def test_a_full_bus_refuses_after_waiting_and_names_the_laggards() -> None:
    events = fleet(vehicles=1, reports=4)

    async def scenario() -> None:
        bus = InMemoryBus(partitions=2, max_retained=3, full_timeout_s=0.2)
        sub = await bus.subscribe("slow")
        await bus.publish_many(events[:3])
        with pytest.raises(BusFullError, match=r"3 events not yet acked.*slow"):
            await bus.publish(events[3])
        (first,) = await drain(sub, 1)
        await first.ack()
        assert await bus.publish(events[3]) is True  # not remembered as published before
        assert bus.retained == 3
        await bus.close()

    run(scenario())


def test_a_full_bus_holds_the_publisher_until_a_subscriber_acks() -> None:
    events = fleet(vehicles=1, reports=3)

    async def scenario() -> None:
        bus = InMemoryBus(partitions=1, max_retained=2, full_timeout_s=5.0)
        sub = await bus.subscribe("realtime")
        await bus.publish_many(events[:2])
        blocked = asyncio.create_task(bus.publish(events[2]))
        await asyncio.sleep(0.05)
        assert not blocked.done()
        (first,) = await drain(sub, 1)
        await first.ack()
        assert await asyncio.wait_for(blocked, 1.0) is True
        await bus.close()

    run(scenario())


def test_events_are_dropped_once_every_group_acked_them() -> None:
    events = fleet(vehicles=3, reports=4)

    async def scenario() -> None:
        bus = InMemoryBus(partitions=2)
        a, b = await bus.subscribe("a"), await bus.subscribe("b")
        await bus.publish_many(events)
        await drain_all(a, quiet_s=0.05)
        assert bus.retained == len(events)  # b has not acked yet
        await drain_all(b, quiet_s=0.05)
        assert bus.retained == 0
        await bus.close()

    run(scenario())


def test_events_wait_for_the_first_group_and_a_late_group_starts_at_the_oldest_held() -> None:
    events = fleet(vehicles=2, reports=3)

    async def scenario() -> None:
        bus = InMemoryBus(partitions=2)
        await bus.publish_many(events[:4])
        early = await bus.subscribe("early")
        assert len(await drain_all(early, quiet_s=0.05)) == 4
        await bus.publish_many(events[4:])
        late = await bus.subscribe("late")
        assert len(await drain_all(late, quiet_s=0.05)) == 2
        assert len(await drain_all(early, quiet_s=0.05)) == 2
        await bus.close()

    run(scenario())


def test_a_closed_bus_refuses_work_and_ends_its_subscriptions() -> None:
    async def scenario() -> None:
        bus = InMemoryBus()
        sub = await bus.subscribe("realtime")
        waiting = asyncio.create_task(sub.fetch(10, 5.0))
        await asyncio.sleep(0.01)
        await bus.close()
        assert await asyncio.wait_for(waiting, 1.0) == []
        with pytest.raises(BusError, match="closed"):
            await bus.publish(fleet(1, 1)[0])
        with pytest.raises(BusError, match="closed"):
            await bus.subscribe("realtime")

    run(scenario())


def test_an_ack_after_close_does_not_lose_the_redelivery() -> None:
    events = fleet(vehicles=1, reports=1)

    async def scenario() -> None:
        bus = InMemoryBus(partitions=1)
        await bus.publish_many(events)
        sub = await bus.subscribe("realtime")
        (late,) = await drain(sub, 1)
        await sub.close()
        await late.ack()  # too late: it went back to the group on close
        again = await bus.subscribe("realtime")
        assert [d.attempt for d in await drain(again, 1)] == [2]
        await bus.close()

    run(scenario())


def test_with_no_group_a_full_bus_drops_its_oldest_instead_of_stopping_the_producer() -> None:
    events = fleet(vehicles=1, reports=5)

    async def scenario() -> None:
        bus = InMemoryBus(partitions=1, max_retained=3, full_timeout_s=0.0)
        assert await bus.publish_many(events) == 5
        assert (bus.retained, bus.dropped) == (3, 2)
        first = await bus.subscribe("late")
        got = await drain_all(first, quiet_s=0.05)
        assert [d.event for d in got] == events[2:]
        await bus.close()

    run(scenario())
