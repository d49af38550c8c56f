"""The console's in-memory day record: the same rows as the store, fetched incrementally."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from busbrain.api.dayrecord import DayRecord
from busbrain.domain.errors import BadInputError
from busbrain.domain.history import PassengerLoadRecord, StopEventRecord
from busbrain.network_io.importer import import_feed
from busbrain.wiring import Store, open_store
from tests.tinyfeed import TinyFeed

TZ = dt.timezone(dt.timedelta(hours=8))
DAY = dt.date(2026, 11, 27)
NOON = dt.datetime.combine(DAY, dt.time(12), tzinfo=TZ)
T0 = NOON.astimezone(dt.UTC)


@pytest.fixture
def store(tiny_store: Store) -> Store:
    return tiny_store


class Clocks:
    """The app's clock (noon of DAY, Beijing) and a monotonic one the test moves."""

    def __init__(self) -> None:
        self.mono = 0.0

    def record(self, store: Store, **kw: float) -> DayRecord:
        return DayRecord(store.history, lambda: NOON.timestamp(), TZ, clock=lambda: self.mono, **kw)


def ev(
    trip: str, seq: int, recorded_min: float, *, day: dt.date = DAY, dwell_s: float = 20.0
) -> StopEventRecord:
    arrival = T0 - dt.timedelta(hours=1) + dt.timedelta(minutes=3 * seq)
    return StopEventRecord(
        day, "V1", trip, f"S{seq}", seq, arrival, arrival + dt.timedelta(seconds=dwell_s),
        True, T0 + dt.timedelta(minutes=recorded_min),
    )  # fmt: skip


def load(trip: str, seq: int, recorded_min: float, boarded: int) -> PassengerLoadRecord:
    return PassengerLoadRecord(
        DAY, "V1", trip, f"S{seq}", seq, boarded, 0, boarded, 80,
        T0 + dt.timedelta(minutes=recorded_min),
    )  # fmt: skip


def test_the_store_reads_only_what_was_written_since(store: Store) -> None:
    store.history.add_stop_events([ev("T1", 1, 0), ev("T1", 2, 5), ev("T1", 3, 10)])
    store.history.add_passenger_loads([load("T1", 1, 0, 3), load("T1", 2, 7, 4)])
    since = T0 + dt.timedelta(minutes=5)
    assert store.history.stop_events(DAY, DAY, None, since)["stop_sequence"].to_list() == [2, 3]
    assert store.history.passenger_loads(DAY, DAY, None, since)["boarded"].to_list() == [4]
    with pytest.raises(BadInputError, match="recorded_since"):
        store.history.stop_events(DAY, DAY, None, dt.datetime(2026, 11, 27, 12))


def test_a_refresh_takes_new_and_replaced_rows_and_late_batches(store: Store) -> None:
    clocks = Clocks()
    record = clocks.record(store, refresh_s=10)
    store.history.add_stop_events([ev("T1", 1, 0), ev("T1", 2, 1)])
    assert record.stop_events(DAY, DAY)["stop_sequence"].to_list() == [1, 2]
    v0 = record.version(DAY, DAY)

    # A refined event (replaces stop 2), a new one, and a batch recorded before the
    # newest row held but committed after it (within the overlap).
    store.history.add_stop_events([ev("T1", 2, 3, dwell_s=45), ev("T1", 3, 4)])
    store.history.add_stop_events([ev("T4", 1, 0.5)])
    assert record.stop_events(DAY, DAY).height == 2  # not due yet: as it was
    assert record.version(DAY, DAY) == v0

    clocks.mono += 10
    held = record.stop_events(DAY, DAY)
    assert held.equals(store.history.stop_events(DAY, DAY))
    assert held.height == 4
    assert record.version(DAY, DAY) != v0
    assert record.stop_events(DAY, DAY, {"R2"}).equals(store.history.stop_events(DAY, DAY, {"R2"}))
    assert record.stop_events(DAY, DAY, set()).height == 0

    # Nothing changed: the day keeps its version, so answers built on it stay good.
    v1 = record.version(DAY, DAY)
    store.history.add_stop_events([ev("T1", 3, 4)])
    clocks.mono += 10
    assert record.version(DAY, DAY) == v1


def test_older_days_come_from_the_store_and_spans_join_in_key_order(store: Store) -> None:
    clocks = Clocks()
    record = clocks.record(store, refresh_s=0, kept_days=2)
    old = DAY - dt.timedelta(days=5)
    store.history.add_stop_events(
        [ev("T1", 1, 0, day=old), ev("T1", 1, 0, day=DAY - dt.timedelta(days=1)), ev("T1", 1, 0)]
    )
    span = record.stop_events(old, DAY)
    assert span.equals(store.history.stop_events(old, DAY))
    assert record.version(old, DAY) is None  # a day not held: no version
    assert record.version(DAY - dt.timedelta(days=1), DAY) is not None


def test_loads_are_held_like_stop_events(store: Store) -> None:
    clocks = Clocks()
    record = clocks.record(store, refresh_s=0)
    store.history.add_passenger_loads([load("T1", 1, 0, 3)])
    assert record.passenger_loads(DAY, DAY)["boarded"].to_list() == [3]
    store.history.add_passenger_loads([load("T1", 1, 2, 5), load("T1", 2, 2, 1)])
    got = record.passenger_loads(DAY, DAY)
    assert got.equals(store.history.passenger_loads(DAY, DAY))
    assert got["boarded"].to_list() == [5, 1]


# Each write: (trip, stop, minutes after T0 it is recorded, dwell); later writes of a key
# replace earlier ones, as the live side refines an event.
WRITES = st.lists(
    st.tuples(
        st.sampled_from(["T1", "T4", "GONE"]),
        st.integers(1, 4),
        st.floats(0, 30, allow_nan=False),
        st.sampled_from([0.0, 20.0, 60.0]),
    ),
    min_size=1,
    max_size=30,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=st.lists(WRITES, min_size=1, max_size=5))
def test_the_held_day_always_equals_the_store_after_a_refresh(
    tmp_path: Path, tiny: TinyFeed, batches: list[list[tuple[str, int, float, float]]]
) -> None:
    url = f"sqlite:///{tmp_path / f'p{len(list(tmp_path.iterdir()))}.db'}"
    s = open_store(url)
    try:
        import_feed(tiny.folder(), s.network, now=T0)
        clocks = Clocks()
        record = clocks.record(s, refresh_s=1, overlap_s=3600)
        minute = 0.0
        for batch in batches:
            rows = {}
            for trip, seq, rec, dwell in batch:
                e = ev(trip, seq, minute + rec / 100, dwell_s=dwell)
                rows[(trip, seq)] = e
            s.history.add_stop_events(list(rows.values()))
            minute += 1
            clocks.mono += 1
            assert record.stop_events(DAY, DAY).equals(s.history.stop_events(DAY, DAY))
        again = dataclasses.replace(next(iter(rows.values())))
        s.history.add_stop_events([again])
        clocks.mono += 1
        assert record.stop_events(DAY, DAY).equals(s.history.stop_events(DAY, DAY))
        assert isinstance(record.stop_events(DAY, DAY), pl.DataFrame)
    finally:
        s.close()
