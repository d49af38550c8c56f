"""Prediction accuracy scored as the buses arrive equals scoring the whole day at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import polars as pl
import pytest

from busbrain.api.predscores import PredictionScores
from busbrain.domain.history import PredictionRecord, StopEventRecord
from busbrain.network_io.importer import import_feed
from busbrain.oversight.service import accuracy_of, prediction_accuracy
from busbrain.wiring import Store, open_store
from tests.api.test_dayrecord import DAY, NOON, T0, Clocks
from tests.tinyfeed import TinyFeed

LO = T0 - dt.timedelta(hours=6)
HI = T0 + dt.timedelta(hours=6)


@pytest.fixture
def store(store_url: str, tiny: TinyFeed) -> Iterator[Store]:
    s = open_store(store_url)
    import_feed(tiny.folder(), s.network, now=T0)
    yield s
    s.close()


def arrive(trip: str, seq: int, minute: float) -> StopEventRecord:
    t = T0 + dt.timedelta(minutes=minute)
    return StopEventRecord(DAY, "V1", trip, f"S{seq}", seq, t, t, True, t)


def predict(trip: str, seq: int, made_min: float, at_min: float, method: str) -> PredictionRecord:
    made = T0 + dt.timedelta(minutes=made_min)
    return PredictionRecord(
        "V1", trip, f"S{seq}", seq, made, T0 + dt.timedelta(minutes=at_min), method
    )


def whole_day(store: Store) -> pl.DataFrame:
    return prediction_accuracy(
        store.history.predictions(LO, HI), store.history.stop_events(DAY, DAY)
    )


def test_scoring_as_the_day_goes_equals_scoring_it_whole(store: Store) -> None:
    clocks = Clocks()
    record = clocks.record(store, refresh_s=1)
    scores = PredictionScores(record)
    h = store.history
    steps: list[tuple[list[PredictionRecord], list[StopEventRecord]]] = [
        # minute -30 .. -20: predictions for stops the bus reaches later
        (
            [predict("T1", k, -30, -30 + 4 * k + d, m) for k in (1, 2, 3) for d, m in
             ((0, "kalman"), (2, "schedule"))],
            [],
        ),
        ([predict("T1", k, -25, -25 + 3 * k, "kalman") for k in (2, 3)], [arrive("T1", 1, -26)]),
        # the first batch written again (a replayed flush) and the other stops reached
        (
            [predict("T1", k, -30, -30 + 4 * k, "kalman") for k in (1, 2, 3)],
            [arrive("T1", 2, -21), arrive("T1", 3, -15)],
        ),
        # route R2: one reached, one whose bus never comes
        ([predict("T4", 1, -10, -2, "kalman"), predict("T4", 2, -10, 5, "kalman")], []),
        ([], [arrive("T4", 1, -1)]),
    ]  # fmt: skip
    for preds, events in steps:
        h.add_predictions(preds)
        h.add_stop_events(events)
        clocks.mono += 1
        got = scores.scored(DAY, LO, HI)
        assert got is not None
        assert accuracy_of(got).equals(whole_day(store))

    final = scores.scored(DAY, LO, HI)
    assert final is not None and final.height == 9  # 6 + 2 on T1, 1 on T4; none twice
    r2 = accuracy_of(final.filter(pl.col("route_id") == "R2"))
    assert r2["n"].to_list() == [1]


def test_an_older_day_is_left_to_the_store(store: Store) -> None:
    record = Clocks().record(store)
    scores = PredictionScores(record)
    assert scores.scored(DAY - dt.timedelta(days=3), LO, HI) is None
    assert NOON.date() == DAY
