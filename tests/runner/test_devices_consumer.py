"""The equipment consumer on the real in-memory bus: positions, passenger counts and
session events published on the bus reach the equipment state, with the live picture's
buses in service, the registry's depots and the stored taps; everything is acked."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from busbrain.bus.memory import InMemoryBus
from busbrain.domain.events import (
    Event,
    PassengerCount,
    TerminalOnline,
    VehicleLocation,
)
from busbrain.domain.live import LiveSnapshot, VehicleLive
from busbrain.domain.terminals import TerminalRecord
from busbrain.oversight.equipment import Equipment, Problem
from busbrain.runner.devices import consume_devices, last_taps
from busbrain.wiring import Store, open_store

PHONE = "13900000101"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    st = open_store(f"sqlite:///{tmp_path / 'devices.db'}")
    st.terminals.upsert_terminals(
        [TerminalRecord(PHONE, "辽G00101", 1, "V1", "一车队", None, None)]
    )
    yield st
    st.close()


def _events(now: dt.datetime) -> list[Event]:
    """A terminal coming online, two fixes by a clock 120 s behind (the second 1.5 km on
    after 10 s: a jump), and one passenger count."""
    fixes = [
        VehicleLocation(
            phone=PHONE,
            vehicle="V1",
            ts_utc=now - dt.timedelta(seconds=130 - 10 * k),
            lat_deg=41.12 + 0.0135 * k,
            lon_deg=121.14,
            speed_kmh=30.0,
            heading_deg=0.0,
            altitude_m=20.0,
            received_utc=now - dt.timedelta(seconds=10 - 10 * k),
            status_bits=0b11,
            extra={"gnss_satellites": 9},
        )
        for k in range(2)
    ]
    return [
        TerminalOnline(phone=PHONE, vehicle="V1", ts_utc=now - dt.timedelta(seconds=60)),
        *fixes,
        PassengerCount(
            phone=PHONE,
            vehicle="V1",
            ts_utc=now - dt.timedelta(seconds=5),
            start_utc=now - dt.timedelta(seconds=25),
            boarded=4,
            alighted=2,
        ),
    ]


def test_events_on_the_bus_reach_the_equipment_state(store: Store) -> None:
    equipment = Equipment()
    now = dt.datetime.fromtimestamp(round(time.time()), dt.UTC)
    snap = LiveSnapshot(
        now.timestamp(),
        (VehicleLive("V1", now.timestamp(), 41.1335, 121.14, trip_id="O1", route_id="R1"),),
    )
    taps = pl.DataFrame(
        {
            "vehicle_id": ["V1", "V1"],
            "tap_utc": [now - dt.timedelta(hours=3), now - dt.timedelta(hours=1)],
        },
        schema={"vehicle_id": pl.String(), "tap_utc": pl.Datetime("us", "UTC")},
    )

    class Taps:  # the FareTapReader port over a fixed frame
        def taps(self, service_date_from: dt.date, service_date_to: dt.date) -> pl.DataFrame:
            return taps

    async def scenario() -> int:
        bus = InMemoryBus(partitions=4)
        await bus.publish_many(_events(now))
        stop = asyncio.Event()
        task = asyncio.create_task(
            consume_devices(
                equipment, bus, live=lambda: snap, registry=store.terminals, fares=Taps(), stop=stop
            )
        )
        deadline = time.monotonic() + 5.0
        while (
            bus.retained or not any(r.depot for r in equipment.report(time.time()).terminals)
        ) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        stop.set()
        await asyncio.wait_for(task, 5.0)
        return bus.retained

    assert asyncio.run(scenario()) == 0
    report = equipment.report(now.timestamp())
    (row,) = report.terminals
    assert (row.phone, row.vehicle_id, row.depot, row.plate) == (PHONE, "V1", "一车队", "辽G00101")
    assert row.online and row.in_service and row.route_id == "R1"
    assert row.last_report_age_s == 0.0
    assert row.clock_skew_s == 120.0
    assert row.jumps == 1 and row.satellites == 9
    assert row.counter_last_unix is not None
    assert row.last_tap_unix == (now - dt.timedelta(hours=1)).timestamp()
    assert {Problem.JUMPS, Problem.CLOCK_SKEW} <= set(row.problems)
    assert report.totals.in_service == 1 and report.totals.reporting == 1


def test_last_taps_of_the_stored_taps(store: Store) -> None:
    assert last_taps(store.fares, time.time()) == {}
