"""Prediction accuracy counted in the database: the same figures as scoring every
prediction in memory, whether counted at once or as the day goes."""

from __future__ import annotations

import datetime as dt
import time

import polars as pl
import pytest

from busbrain.api.predscores import BANDS, PredictionScores
from busbrain.domain.errors import BadInputError
from busbrain.domain.history import PredictionRecord, StopEventRecord
from busbrain.oversight.service import (
    RECENT_MADE_S,
    accuracy_of,
    accuracy_of_counts,
    prediction_errors,
)
from busbrain.wiring import Store
from tests.api.test_dayrecord import DAY, T0, Clocks

LO = T0 - dt.timedelta(hours=6)
HI = T0 + dt.timedelta(hours=6)


@pytest.fixture
def store(tiny_store: Store) -> Store:
    return tiny_store


def arrive(trip: str, seq: int, minute: float) -> StopEventRecord:
    t = T0 + dt.timedelta(minutes=minute)
    return StopEventRecord(DAY, "V1", trip, f"S{seq}", seq, t, t, True, t)


def predict(trip: str, seq: int, made_min: float, at_min: float, method: str) -> PredictionRecord:
    made = T0 + dt.timedelta(minutes=made_min)
    return PredictionRecord(
        "V1", trip, f"S{seq}", seq, made, T0 + dt.timedelta(minutes=at_min), method
    )


STEPS: list[tuple[list[PredictionRecord], list[StopEventRecord]]] = [
    # three hours before T0 (T3, another run of line R1): settled, its arrivals long in
    (
        [predict("T3", k, -180, -180 + 4 * k + 0.25, "kalman") for k in (1, 2, 3)],
        [arrive("T3", 1, -176), arrive("T3", 2, -171.5), arrive("T3", 3, -160)],
    ),
    # half an hour before T0: still recent
    (
        [predict("T1", k, -30, -30 + 4 * k + d, m) for k in (1, 2, 3)
         for d, m in ((0, "kalman"), (2.5, "schedule"))],
        [],
    ),
    ([predict("T1", k, -25, -25 + 3 * k, "kalman") for k in (2, 3)], [arrive("T1", 1, -26)]),
    ([predict("T1", k, -30, -30 + 4 * k, "kalman") for k in (1, 2, 3)],  # written again
     [arrive("T1", 2, -21), arrive("T1", 3, -15)]),
    # line R2: one reached, one whose bus never comes
    ([predict("T4", 1, -10, -2, "kalman"), predict("T4", 2, -10, 5, "kalman")], []),
    ([], [arrive("T4", 1, -1)]),
]  # fmt: skip
"""Predictions and arrivals written in turn (minutes after T0, which is now)."""


def in_memory(store: Store) -> pl.DataFrame:
    errors = prediction_errors(
        store.history.predictions(LO, HI), store.history.stop_events(DAY, DAY)
    )
    return accuracy_of(errors)


def test_counting_in_the_store_gives_the_in_memory_figures(store: Store) -> None:
    for preds, events in STEPS:
        store.history.add_predictions(preds)
        store.history.add_stop_events(events)
    counts = store.history.prediction_error_counts(DAY, LO, HI, BANDS, RECENT_MADE_S)
    assert counts["n"].sum() == 12  # 3 + 6 + 2 on T1, 1 on T4; the repeat not twice
    got, want = accuracy_of_counts(counts), in_memory(store)
    assert got.select("method", "band", "n", "accurate").equals(
        want.select("method", "band", "n", "accurate")
    )
    for col in ("mae_s", "bias_s"):  # errors are whole seconds here: the same
        assert got[col].to_list() == pytest.approx(want[col].to_list())
    r2 = counts.filter(pl.col("route_id") == "R2")
    assert r2.select("band", "error_s", "n").rows() == [("6-12", -60, 1)]
    with pytest.raises(BadInputError, match="made_from_utc"):
        store.history.prediction_error_counts(
            DAY, dt.datetime(2026, 11, 27), HI, BANDS, RECENT_MADE_S
        )


def test_counting_as_the_day_goes_equals_counting_it_whole(store: Store) -> None:
    clocks = Clocks()
    record = clocks.record(store, refresh_s=1)
    scores = PredictionScores(record, background=False)
    h = store.history
    for preds, events in STEPS:
        h.add_predictions(preds)
        h.add_stop_events(events)
        clocks.mono += 120  # past the minute between recounts of the recent ones
        got = scores.counts(DAY, LO, HI)
        whole = h.prediction_error_counts(DAY, LO, HI, BANDS, RECENT_MADE_S)
        assert got is not None and got.equals(whole.sort(got.columns[:4]))
    held = scores._days[DAY]
    assert held.settled_to == T0 - dt.timedelta(seconds=RECENT_MADE_S)
    assert held.settled is not None and held.settled["n"].sum() == 3  # counted once
    assert scores.counts(DAY - dt.timedelta(days=3), LO, HI) is None  # older: the store's


def test_recent_predictions_are_recounted_at_most_once_a_minute(store: Store) -> None:
    clocks = Clocks()
    scores = PredictionScores(clocks.record(store, refresh_s=10), background=False)
    first = scores.counts(DAY, LO, HI)
    assert first is not None and first.height == 0
    store.history.add_predictions(STEPS[1][0])
    store.history.add_stop_events([arrive("T1", 1, -26)])
    clocks.mono += 30
    still = scores.counts(DAY, LO, HI)
    assert still is not None and still.height == 0  # counted 30 s ago: not yet again
    clocks.mono += 30
    again = scores.counts(DAY, LO, HI)
    assert again is not None and again["n"].sum() == 2  # kalman and schedule at S1


def test_a_due_recount_goes_on_in_a_thread_while_the_counts_before_are_served(
    store: Store,
) -> None:
    clocks = Clocks()
    scores = PredictionScores(clocks.record(store, refresh_s=10))
    first = scores.counts(DAY, LO, HI)  # the first read of the day waits for its count
    assert first is not None and first.height == 0
    store.history.add_predictions(STEPS[1][0])
    store.history.add_stop_events([arrive("T1", 1, -26)])
    clocks.mono += 60
    served = scores.counts(DAY, LO, HI)
    assert served is not None and served.height == 0  # the counts before, at once
    held = scores._days[DAY]
    deadline = time.monotonic() + 10
    while held.lock.locked() or held.recent is None or held.recent.height == 0:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    again = scores.counts(DAY, LO, HI)
    assert again is not None and again["n"].sum() == 2
