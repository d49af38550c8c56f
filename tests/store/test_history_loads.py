"""The passenger counters' loads per stop visit (RealtimeHistory.passenger_loads), on
SQLite and PostgreSQL: written in batches, re-writing replaces, read back by service day
with their route, refused whole when one is bad, trimmed by retention."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import polars as pl
import pytest

from busbrain.domain.errors import BadInputError
from busbrain.domain.history import PassengerLoadRecord
from busbrain.network_io.importer import import_feed
from busbrain.store.ports import RealtimeHistory
from busbrain.wiring import Store, open_store
from tests.tinyfeed import TinyFeed

NOW = dt.datetime(2026, 11, 29, 8, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 11, 30)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def load(
    trip: str, seq: int, boarded: int, alighted: int, onboard: int, *, day: dt.date = DAY
) -> PassengerLoadRecord:
    return PassengerLoadRecord(
        service_date=day,
        vehicle_id="V1",
        trip_id=trip,
        stop_id=f"S{seq}",
        stop_sequence=seq,
        boarded=boarded,
        alighted=alighted,
        onboard_after=onboard,
        capacity=80,
        recorded_utc=NOW,
    )


def test_loads_read_back_by_day_with_their_route(store: Store, tiny: TinyFeed) -> None:
    import_feed(tiny.folder(), store.network, now=NOW)
    history: RealtimeHistory = store.history
    rows = [
        load("T1", 2, 5, 1, 12),
        load("T1", 1, 8, 0, 8),
        load("T4", 1, 3, 0, 3),
        load("GONE", 1, 1, 0, 1),  # a trip the network no longer has
        load("T1", 1, 9, 0, 9, day=DAY + dt.timedelta(days=1)),
    ]
    assert history.add_passenger_loads(rows) == 5
    assert history.add_passenger_loads(rows) == 0  # the same again changes nothing
    frame = history.passenger_loads(DAY, DAY)
    assert frame.columns == [
        "service_date",
        "route_id",
        "direction_id",
        "trip_id",
        "stop_sequence",
        "stop_id",
        "vehicle_id",
        "boarded",
        "alighted",
        "onboard_after",
        "capacity",
        "recorded_utc",
    ]
    assert frame.schema["recorded_utc"] == pl.Datetime("us", "UTC")
    assert frame.schema["onboard_after"] == pl.Int64
    assert frame.select("trip_id", "stop_sequence", "route_id", "onboard_after").rows() == [
        ("GONE", 1, None, 1),
        ("T1", 1, "R1", 8),
        ("T1", 2, "R1", 12),
        ("T4", 1, "R2", 3),
    ]
    assert frame.row(1, named=True)["recorded_utc"] == NOW
    assert frame.row(1, named=True)["service_date"] == DAY
    assert history.passenger_loads(DAY, DAY + dt.timedelta(days=1)).height == 5
    assert history.passenger_loads(DAY, DAY, {"R2"}).get_column("trip_id").to_list() == ["T4"]
    assert history.passenger_loads(DAY, DAY, set()).height == 0

    # a later door opening at the same stop: the new sums replace the row
    again = dataclasses.replace(rows[1], boarded=10, onboard_after=10)
    assert history.add_passenger_loads([again]) == 1
    got = history.passenger_loads(DAY, DAY, {"R1"}).filter(pl.col("stop_sequence") == 1)
    assert got.select("boarded", "onboard_after").row(0) == (10, 10)


def test_a_bad_load_refuses_the_batch(store: Store) -> None:
    good = load("T1", 1, 8, 0, 8)
    for bad, why in (
        (dataclasses.replace(good, boarded=-1), "boarded -1"),
        (dataclasses.replace(good, capacity=0), "capacity is 0"),
        (dataclasses.replace(good, recorded_utc=NOW.replace(tzinfo=None)), "naive"),
        (dataclasses.replace(good, trip_id=""), "trip_id"),
    ):
        with pytest.raises(BadInputError, match=why):
            store.history.add_passenger_loads([load("T1", 2, 1, 0, 9), bad])
    assert store.history.passenger_loads(DAY, DAY).height == 0


def test_loads_are_purged_only_when_asked(store: Store) -> None:
    old = dataclasses.replace(load("T1", 1, 8, 0, 8), recorded_utc=NOW - dt.timedelta(days=500))
    store.history.add_passenger_loads([old, load("T1", 2, 1, 0, 9)])
    cutoff = NOW - dt.timedelta(days=400)
    assert "passenger_loads" not in store.history.purge(cutoff)
    assert store.history.purge(
        cutoff, positions=False, predictions=False, passenger_loads=True
    ) == {"passenger_loads": 1}
    assert store.history.passenger_loads(DAY, DAY).get_column("stop_sequence").to_list() == [2]
