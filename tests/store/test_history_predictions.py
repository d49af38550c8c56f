"""Reading the recorded predictions back (RealtimeHistory.predictions), on SQLite and
PostgreSQL: by the time they were made, half-open, with their route, in key order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import polars as pl
import pytest

from busbrain.domain.errors import BadInputError
from busbrain.domain.history import PredictionRecord
from busbrain.network_io.importer import import_feed
from busbrain.store.ports import RealtimeHistory
from busbrain.wiring import Store, open_store
from tests.tinyfeed import TinyFeed

NOW = dt.datetime(2026, 11, 29, 8, 0, tzinfo=dt.UTC)
BEIJING = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def prediction(
    trip: str, seq: int, method: str, made_min: int, ahead_s: float = 300.5
) -> PredictionRecord:
    made = NOW + dt.timedelta(minutes=made_min)
    return PredictionRecord(
        vehicle_id="V1",
        trip_id=trip,
        stop_id=f"S{seq}",
        stop_sequence=seq,
        made_utc=made,
        predicted_utc=made + dt.timedelta(seconds=ahead_s),
        method=method,
    )


def test_predictions_read_back_by_time_made_with_their_route(store: Store, tiny: TinyFeed) -> None:
    import_feed(tiny.folder(), store.network, now=NOW)
    history: RealtimeHistory = store.history
    history.add_predictions(
        [
            prediction("T1", 2, "kalman", 0),
            prediction("T1", 1, "schedule", 0),
            prediction("T1", 1, "kalman", 5),
            prediction("T4", 1, "kalman", 9),
            prediction("GONE", 1, "kalman", 1),  # a trip the network no longer has
            prediction("T1", 1, "kalman", 10),  # at the end bound: left out
            prediction("T1", 1, "kalman", -1),  # before the start: left out
        ]
    )
    frame = history.predictions(NOW, NOW + dt.timedelta(minutes=10))
    assert frame.columns == [
        "route_id",
        "direction_id",
        "trip_id",
        "stop_sequence",
        "stop_id",
        "vehicle_id",
        "method",
        "made_utc",
        "predicted_utc",
    ]
    assert frame.schema["made_utc"] == pl.Datetime("us", "UTC")
    assert frame.schema["stop_sequence"] == pl.Int64
    assert frame.select("trip_id", "stop_sequence", "method", "route_id").rows() == [
        ("GONE", 1, "kalman", None),
        ("T1", 1, "kalman", "R1"),
        ("T1", 1, "schedule", "R1"),
        ("T1", 2, "kalman", "R1"),
        ("T4", 1, "kalman", "R2"),
    ]
    first = frame.row(0, named=True)
    assert first["made_utc"] == NOW + dt.timedelta(minutes=1)
    assert first["predicted_utc"] == NOW + dt.timedelta(minutes=1, seconds=300.5)

    # any offset names the same instant; a route filter drops unknown trips
    local = history.predictions(
        NOW.astimezone(BEIJING), (NOW + dt.timedelta(minutes=10)).astimezone(BEIJING), {"R2"}
    )
    assert local.select("trip_id", "route_id").rows() == [("T4", "R2")]
    assert history.predictions(NOW, NOW, None).height == 0
    assert history.predictions(NOW, NOW + dt.timedelta(hours=1), set()).height == 0


def test_reading_predictions_refuses_a_naive_bound(store: Store) -> None:
    with pytest.raises(BadInputError, match="naive"):
        store.history.predictions(NOW.replace(tzinfo=None), NOW)
