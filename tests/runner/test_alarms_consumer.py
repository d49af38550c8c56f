"""The alarm consumer on the real in-memory bus and a real SQLite store: the gateway's
AlarmRaised and AlarmCleared events end up in the queue, other events are passed over,
everything is acked, and an event delivered again (a second bus, as after a restart)
adds nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from busbrain.bus.memory import InMemoryBus
from busbrain.domain.events import AlarmCleared, AlarmRaised, Event, Position, VehicleLocation
from busbrain.oversight.safety import AlarmStatus, Severity
from busbrain.runner.alarms import consume_alarms
from busbrain.wiring import Store, open_store

T0 = dt.datetime(2026, 12, 1, 0, 30, tzinfo=dt.UTC)
PHONE = "13900000101"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    st = open_store(f"sqlite:///{tmp_path / 'alarms.db'}")
    yield st
    st.close()


def _events() -> list[Event]:
    where = Position(lat_deg=41.12, lon_deg=121.14)
    return [
        VehicleLocation(
            phone=PHONE,
            vehicle="V1",
            ts_utc=T0,
            lat_deg=41.12,
            lon_deg=121.14,
            speed_kmh=40.0,
            heading_deg=90.0,
            altitude_m=20.0,
            received_utc=T0,
        ),
        AlarmRaised(
            phone=PHONE,
            vehicle="V1",
            ts_utc=T0,
            kind="dms.phone_call",
            level=2,
            position=where,
            alarm_id="42",
            details={"speed_kmh": 38},
        ),
        AlarmRaised(phone=PHONE, vehicle="V1", ts_utc=T0, kind="overspeed", position=where),
        AlarmCleared(
            phone=PHONE, vehicle="V1", ts_utc=T0 + dt.timedelta(seconds=40), kind="overspeed"
        ),
    ]


async def _consume_all(store: Store, bus: InMemoryBus) -> int:
    """Run the consumer until the bus holds no event its group has not acked; returns
    how many it still holds (0 unless the consumer got stuck)."""
    stop = asyncio.Event()
    task = asyncio.create_task(consume_alarms(store.alarms, bus, stop=stop))
    deadline = time.monotonic() + 5.0
    while bus.retained and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(task, 5.0)
    return bus.retained


def test_alarms_on_the_bus_reach_the_store_once(store: Store) -> None:
    async def scenario() -> tuple[int, int, int]:
        bus = InMemoryBus(partitions=4)
        await bus.publish_many(_events())
        first = await _consume_all(store, bus)
        stored = len(store.alarms.alarms())
        again = InMemoryBus(partitions=4)  # the same events again: a redelivery
        await again.publish_many(_events())
        return first, stored, await _consume_all(store, again)

    assert asyncio.run(scenario()) == (0, 2, 0)  # every event acked, both times
    assert len(store.alarms.alarms()) == 2
    phone_call, overspeed = store.alarms.alarms()
    assert (phone_call.kind, phone_call.severity, phone_call.alarm_id) == (
        "dms.phone_call",
        Severity.HIGH,
        "42",
    )
    assert phone_call.vehicle_id == "V1" and phone_call.details == {"speed_kmh": 38}
    assert (phone_call.lat, phone_call.lon, phone_call.status) == (41.12, 121.14, AlarmStatus.OPEN)
    assert overspeed.kind == "overspeed" and overspeed.severity is Severity.MEDIUM
    assert overspeed.cleared_utc == T0 + dt.timedelta(seconds=40)
