"""The live side learns from the store's stop events of past days of the same kind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from busbrain.domain.history import StopEventRecord
from busbrain.realtime.learnt import band_of
from busbrain.runner.learning import learnt_for
from busbrain.wiring import Store, open_store

UTC8 = dt.timezone(dt.timedelta(hours=8))
TUESDAY = dt.date(2026, 12, 8)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'h.db'}")
    yield s
    s.close()


def _run(day: dt.date, run_s: float) -> list[StopEventRecord]:
    """A bus from A to B leaving A at 08:00 local, `run_s` seconds to B."""
    leave = dt.datetime.combine(day, dt.time(8), tzinfo=UTC8)
    at_b = leave + dt.timedelta(seconds=run_s)
    return [
        StopEventRecord(day, "V1", "T1", "A", 1, leave, leave, True, leave),
        StopEventRecord(day, "V1", "T1", "B", 2, at_b, at_b + dt.timedelta(seconds=20), True, at_b),
    ]


def test_weekdays_learn_from_the_weekdays_of_the_last_two_weeks(store: Store) -> None:
    # Mon 7th, Thu 3rd, Tue 1st: weekdays; Sun 6th: not; Wed 18 Nov: too long ago
    for back, run in ((1, 100.0), (2, 900.0), (5, 120.0), (7, 110.0), (20, 900.0)):
        store.history.add_stop_events(_run(TUESDAY - dt.timedelta(days=back), run))
    got = learnt_for(store.history, TUESDAY, UTC8)
    assert got is not None and got.days == 3
    assert got.run_s("A", "B", band_of(8 * 3600)) == 110.0
    assert got.run_s("A", "B", band_of(9 * 3600)) is None
    assert got.dwells == {"B": 20.0}
    sunday = learnt_for(store.history, TUESDAY - dt.timedelta(days=2) + dt.timedelta(days=7), UTC8)
    assert sunday is not None and sunday.days == 1  # Sunday 13th learns from the 6th only


def test_no_history_teaches_nothing(store: Store) -> None:
    assert learnt_for(store.history, TUESDAY, UTC8) is None
