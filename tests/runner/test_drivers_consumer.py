"""The driver consumer on the real in-memory bus and a real SQLite store: the gateway's
DriverIdentity events become driver shifts, an unreadable card signs nobody in, other
events are passed over, everything is acked, and a redelivery adds nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from busbrain.bus.memory import InMemoryBus
from busbrain.domain.events import DriverIdentity, Event, TerminalOnline
from busbrain.oversight.drivers import DriverShift
from busbrain.runner.drivers import consume_drivers
from busbrain.wiring import Store, open_store

T0 = dt.datetime(2026, 11, 30, 22, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
PHONE = "13900000101"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    st = open_store(f"sqlite:///{tmp_path / 'drivers.db'}")
    yield st
    st.close()


def _card(at: dt.datetime, cert: str | None, name: str | None = None) -> DriverIdentity:
    return DriverIdentity(
        phone=PHONE,
        vehicle="V1",
        ts_utc=at,
        signed_in=True,
        driver_name=name,
        certificate=cert,
        authority="锦州市运管处",
    )


def _events() -> list[Event]:
    return [
        TerminalOnline(phone=PHONE, vehicle="V1", ts_utc=T0),
        _card(T0, "210703198805120012", "张伟"),
        DriverIdentity(phone=PHONE, vehicle="V1", ts_utc=T0 + H, signed_in=True, read_ok=False),
        DriverIdentity(phone=PHONE, vehicle="V1", ts_utc=T0 + 7 * H, signed_in=False),
        _card(T0 + 7 * H + dt.timedelta(minutes=2), "210703199001010034", "李娜"),
    ]


async def _consume_all(store: Store, bus: InMemoryBus) -> int:
    stop = asyncio.Event()
    task = asyncio.create_task(consume_drivers(store.drivers, bus, stop=stop))
    deadline = time.monotonic() + 5.0
    while bus.retained and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(task, 5.0)
    return bus.retained


def test_sign_ins_on_the_bus_become_shifts_once(store: Store) -> None:
    async def scenario() -> tuple[int, int]:
        bus = InMemoryBus(partitions=4)
        await bus.publish_many(_events())
        first = await _consume_all(store, bus)
        again = InMemoryBus(partitions=4)
        await again.publish_many(_events())
        return first, await _consume_all(store, again)

    assert asyncio.run(scenario()) == (0, 0)  # every event acked, both times
    assert store.drivers.shifts(dt.date(2026, 12, 1), dt.date(2026, 12, 1)) == [
        DriverShift("V1", "210703198805120012", "张伟", T0, T0 + 7 * H, PHONE),
        DriverShift(
            "V1", "210703199001010034", "李娜", T0 + 7 * H + dt.timedelta(minutes=2), None, PHONE
        ),
    ]
