"""The real-time history (stop events, positions, predictions), on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import polars as pl
import pytest
from sqlalchemy import Table, func, select

from busbrain.domain.errors import BadInputError, StoreError
from busbrain.domain.history import PositionRecord, PredictionRecord, StopEventRecord
from busbrain.network_io.importer import import_feed
from busbrain.store import schema
from busbrain.store.ports import RealtimeHistory
from busbrain.wiring import Store, open_store
from tests.tinyfeed import TinyFeed

NOW = dt.datetime(2026, 11, 29, 8, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 11, 27)
BEIJING = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def count(store: Store, table: Table) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def event(
    trip: str, seq: int, *, day: dt.date = DAY, minute: int = 0, **kw: object
) -> StopEventRecord:
    arrival = dt.datetime.combine(day, dt.time(6, minute), tzinfo=dt.UTC) + dt.timedelta(
        minutes=2 * seq
    )
    values: dict[str, object] = {
        "service_date": day,
        "vehicle_id": "V1",
        "trip_id": trip,
        "stop_id": f"S{seq}",
        "stop_sequence": seq,
        "arrival_utc": arrival,
        "departure_utc": arrival + dt.timedelta(seconds=25, microseconds=123_456),
        "stopped": True,
        "recorded_utc": arrival + dt.timedelta(minutes=1),
    }
    return StopEventRecord(**(values | kw))  # type: ignore[arg-type]


def position(i: int, *, vehicles: int = 1, **kw: object) -> PositionRecord:
    values: dict[str, object] = {
        "vehicle_id": f"V{i % vehicles}",
        "ts_utc": NOW + dt.timedelta(seconds=10 * (i // vehicles)),
        "lat": 41.12 + i * 1e-6,
        "lon": 121.13,
        "speed_kmh": 23.5,
        "heading": 90.0,
        "trip_id": "T1",
    }
    return PositionRecord(**(values | kw))  # type: ignore[arg-type]


def prediction(seq: int, method: str, made: dt.datetime = NOW) -> PredictionRecord:
    return PredictionRecord(
        vehicle_id="V1",
        trip_id="T1",
        stop_id=f"S{seq}",
        stop_sequence=seq,
        made_utc=made,
        predicted_utc=made + dt.timedelta(minutes=seq),
        method=method,
    )


def test_the_sql_history_is_a_realtime_history(store: Store) -> None:
    history: RealtimeHistory = store.history
    assert history.add_positions([]) == 0
    assert history.stop_events(DAY, DAY).height == 0


def test_stop_events_read_back_with_their_route(store: Store, tiny: TinyFeed) -> None:
    import_feed(tiny.folder(), store.network, now=NOW)
    events = [event("T1", k) for k in (1, 2, 3)] + [
        event("T4", 1, stopped=False),
        event("T1", 1, day=DAY + dt.timedelta(days=1)),
        event("GONE", 1),  # a trip the current network no longer has
    ]
    assert store.history.add_stop_events(events) == 6

    frame = store.history.stop_events(DAY, DAY)
    assert frame.columns == [
        "service_date",
        "route_id",
        "direction_id",
        "trip_id",
        "stop_sequence",
        "stop_id",
        "vehicle_id",
        "arrival_utc",
        "departure_utc",
        "stopped",
        "recorded_utc",
    ]
    assert frame.schema["arrival_utc"] == pl.Datetime("us", "UTC")
    assert frame.schema["service_date"] == pl.Date
    assert frame.select("trip_id", "stop_sequence", "route_id").rows() == [
        ("GONE", 1, None),
        ("T1", 1, "R1"),
        ("T1", 2, "R1"),
        ("T1", 3, "R1"),
        ("T4", 1, "R2"),
    ]
    first = frame.row(1, named=True)
    want = events[0]
    assert first["service_date"] == DAY and first["stop_id"] == "S1" and first["stopped"]
    assert first["arrival_utc"] == want.arrival_utc
    assert first["departure_utc"] == want.departure_utc  # microseconds kept
    assert first["recorded_utc"] == want.recorded_utc
    assert first["arrival_utc"].tzinfo is not None
    assert frame.filter(pl.col("trip_id") == "T4")["stopped"].to_list() == [False]

    both_days = store.history.stop_events(DAY, DAY + dt.timedelta(days=1), {"R1"})
    assert both_days.select("service_date", "trip_id", "stop_sequence").rows() == [
        (DAY, "T1", 1),
        (DAY, "T1", 2),
        (DAY, "T1", 3),
        (DAY + dt.timedelta(days=1), "T1", 1),
    ]
    assert store.history.stop_events(DAY, DAY, {"R2"})["trip_id"].to_list() == ["T4"]
    assert store.history.stop_events(DAY, DAY, set()).height == 0
    assert (
        store.history.stop_events(DAY - dt.timedelta(days=3), DAY - dt.timedelta(days=1)).height
        == 0
    )


def test_times_with_an_offset_are_stored_as_utc(store: Store) -> None:
    local = dt.datetime(2026, 11, 27, 14, 0, tzinfo=BEIJING)  # 06:00 UTC
    store.history.add_stop_events(
        [event("T1", 1, arrival_utc=local, departure_utc=local, recorded_utc=local)]
    )
    got = store.history.stop_events(DAY, DAY).row(0, named=True)
    assert got["arrival_utc"] == dt.datetime(2026, 11, 27, 6, 0, tzinfo=dt.UTC)
    assert str(got["arrival_utc"].tzinfo) == "UTC"


def test_rewriting_is_idempotent_and_a_refined_stop_event_replaces_the_old(store: Store) -> None:
    h = store.history
    events = [event("T1", k) for k in range(1, 6)]
    assert h.add_stop_events(events) == 5
    assert h.add_stop_events(events) == 0
    # Re-sent later (a new recorded_utc) but unchanged: still nothing written.
    later = [dataclasses.replace(e, recorded_utc=NOW) for e in events]
    assert h.add_stop_events(later) == 0
    refined = dataclasses.replace(
        events[2], departure_utc=events[2].departure_utc + dt.timedelta(seconds=9)
    )
    assert h.add_stop_events([events[0], refined]) == 1
    frame = h.stop_events(DAY, DAY)
    assert frame.height == 5
    assert frame.row(2, named=True)["departure_utc"] == refined.departure_utc
    # The same event twice in one batch: the last one wins.
    assert h.add_stop_events([dataclasses.replace(refined, stopped=False), refined]) == 2
    assert h.stop_events(DAY, DAY).row(2, named=True)["stopped"] is True

    positions = [position(i, vehicles=3) for i in range(30)]
    assert h.add_positions(positions) == 30
    assert h.add_positions([*positions, position(30, vehicles=3)]) == 1
    moved = dataclasses.replace(positions[0], lat=0.0)  # same key: the first write stays
    assert h.add_positions([moved, moved]) == 0
    assert count(store, schema.position_history) == 31

    preds = [prediction(k, m) for k in (1, 2) for m in ("schedule", "kalman")]
    assert h.add_predictions(preds) == 4
    assert h.add_predictions(preds) == 0
    assert h.add_predictions([prediction(1, "kalman", NOW + dt.timedelta(seconds=30))]) == 1
    assert count(store, schema.prediction_log) == 5


def test_a_batch_of_twenty_thousand_positions_goes_in(store: Store) -> None:
    rows = [position(i, vehicles=400) for i in range(20_000)]
    assert store.history.add_positions(rows) == 20_000
    assert count(store, schema.position_history) == 20_000
    assert store.history.add_positions(rows) == 0


def test_purge_deletes_what_is_older_and_says_how_much(store: Store) -> None:
    h = store.history
    h.add_positions([position(i) for i in range(10)])  # NOW, NOW+10 s, ... NOW+90 s
    h.add_predictions([prediction(1, "delay", NOW + dt.timedelta(minutes=m)) for m in range(4)])
    h.add_stop_events([event("T1", k) for k in range(1, 4)])  # DAY, long before NOW
    cutoff = NOW + dt.timedelta(seconds=45)

    assert h.purge(cutoff) == {"positions": 5, "predictions": 1}
    assert count(store, schema.position_history) == 5
    assert count(store, schema.prediction_log) == 3
    assert count(store, schema.stop_event) == 3  # kept unless asked
    assert h.purge(cutoff) == {"positions": 0, "predictions": 0}

    assert h.purge(
        cutoff.astimezone(BEIJING), positions=False, predictions=False, stop_events=True
    ) == {"stop_events": 3}
    assert h.purge(NOW + dt.timedelta(days=1)) == {"positions": 5, "predictions": 3}
    assert count(store, schema.position_history) == count(store, schema.prediction_log) == 0


def test_purge_refuses_a_naive_time(store: Store) -> None:
    with pytest.raises(BadInputError, match="naive"):
        store.history.purge(dt.datetime(2026, 11, 1))


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"ts_utc": dt.datetime(2026, 11, 29, 8, 0)}, "ts_utc is naive"),
        ({"lat": 91.0}, "lat 91.0 is out of range"),
        ({"lon": float("nan")}, "lon nan is out of range"),
        ({"speed_kmh": -1.0}, "speed_kmh"),
        ({"vehicle_id": ""}, "vehicle_id"),
    ],
)
def test_a_bad_position_refuses_the_whole_batch(
    store: Store, bad: dict[str, object], message: str
) -> None:
    rows = [position(i, vehicles=50) for i in range(15_000)]  # more than one chunk
    rows.append(dataclasses.replace(rows.pop(), **bad))  # type: ignore[arg-type]
    with pytest.raises(BadInputError, match=f"position 14999 of a batch of 15000: {message}"):
        store.history.add_positions(rows)
    assert count(store, schema.position_history) == 0


def test_bad_stop_events_and_predictions_are_refused(store: Store) -> None:
    naive = dt.datetime(2026, 11, 27, 6, 0)
    with pytest.raises(BadInputError, match="arrival_utc is naive"):
        store.history.add_stop_events([event("T1", 1), event("T1", 2, arrival_utc=naive)])
    early = event("T1", 3)
    backwards = dataclasses.replace(
        early, departure_utc=early.arrival_utc - dt.timedelta(seconds=1)
    )
    with pytest.raises(BadInputError, match="before arrival_utc"):
        store.history.add_stop_events([backwards])
    with pytest.raises(BadInputError, match="stop_sequence -1"):
        store.history.add_stop_events([event("T1", -1)])
    with pytest.raises(BadInputError, match="service_date is not a date"):
        store.history.add_stop_events([event("T1", 1, service_date=NOW)])
    with pytest.raises(BadInputError, match="made_utc is naive"):
        store.history.add_predictions(
            [prediction(1, "kalman"), dataclasses.replace(prediction(2, "kalman"), made_utc=naive)]
        )
    assert count(store, schema.stop_event) == count(store, schema.prediction_log) == 0


def test_a_write_the_database_refuses_leaves_nothing_behind(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The transaction, not only the checks: a row the database itself refuses, late in a
    batch of several chunks, undoes the chunks already sent."""
    monkeypatch.setattr(PositionRecord, "problem", lambda self: None)
    rows = [position(i, vehicles=50) for i in range(25_000)]
    rows.append(dataclasses.replace(rows[-1], vehicle_id=None, ts_utc=NOW - dt.timedelta(days=1)))  # type: ignore[arg-type]
    with pytest.raises(StoreError, match="nothing written"):
        store.history.add_positions(rows)
    assert count(store, schema.position_history) == 0
