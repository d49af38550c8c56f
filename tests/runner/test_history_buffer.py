"""The live side's history reaches the store even when the store refuses a batch for a
while: a locked SQLite file (another writer, e.g. a fare batch, holding it past the busy
wait) must not cost the positions of that flush."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from busbrain.domain.history import PositionRecord
from busbrain.runner import history as history_module
from busbrain.runner.history import HistoryBuffer
from busbrain.wiring import open_store

T0 = dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.UTC)


def _positions(first: int, n: int) -> list[PositionRecord]:
    return [
        PositionRecord("V1", T0 + dt.timedelta(seconds=10 * i), 41.1 + i * 1e-5, 121.1)
        for i in range(first, first + n)
    ]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "history.db"


@pytest.fixture
def buffer(db: Path) -> Iterator[HistoryBuffer]:
    """A history buffer on a SQLite store at `db` that waits 50 ms for a lock, not 10 s."""
    store = open_store(f"sqlite:///{db}")
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA busy_timeout=50")
    yield HistoryBuffer(store.history)
    store.close()


@contextlib.contextmanager
def _locked(db: Path) -> Iterator[None]:
    """Another writer holds the database's write lock meanwhile."""
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def _stored(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT ts_utc FROM position_history ORDER BY ts_utc").fetchall()
    return [r[0] for r in rows]


def test_positions_refused_by_a_locked_store_are_written_on_the_next_flush(
    db: Path, buffer: HistoryBuffer, caplog: pytest.LogCaptureFixture
) -> None:
    buffer.positions = _positions(0, 30)
    with _locked(db), caplog.at_level(logging.WARNING):
        asyncio.run(buffer.flush(0.0))
    assert _stored(db) == []
    assert len(buffer.positions) == 30  # kept, not dropped
    assert "30 positions not written yet, kept for the next try" in caplog.text
    assert "database is locked" in caplog.text

    buffer.positions.extend(_positions(30, 5))  # the live side went on meanwhile
    asyncio.run(buffer.flush(60.0))
    assert len(_stored(db)) == 35  # each once, the refused ones included
    assert buffer.positions == []
    assert buffer.dropped == {}


def test_an_invalid_record_is_dropped_and_the_rest_written(
    db: Path, buffer: HistoryBuffer, caplog: pytest.LogCaptureFixture
) -> None:
    bad = PositionRecord("V1", T0 + dt.timedelta(seconds=5), 95.0, 121.1)  # latitude 95
    buffer.positions = [*_positions(0, 3), bad, *_positions(3, 3)]
    with caplog.at_level(logging.WARNING):
        asyncio.run(buffer.flush(0.0))
    assert "1 of 7 positions refused as invalid" in caplog.text
    assert len(buffer.positions) == 6
    asyncio.run(buffer.flush(60.0))
    assert len(_stored(db)) == 6


def test_a_store_down_for_long_costs_only_the_oldest_records(
    db: Path, buffer: HistoryBuffer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory stays bounded: past MAX_PENDING the oldest go, counted."""
    monkeypatch.setattr(history_module, "MAX_PENDING", 8)
    with _locked(db):
        for batch in range(3):
            buffer.positions.extend(_positions(batch * 5, 5))
            asyncio.run(buffer.flush(float(batch)))
    assert buffer.dropped == {"positions": 7}
    assert [p.ts_utc for p in buffer.positions] == [p.ts_utc for p in _positions(7, 8)]
    asyncio.run(buffer.flush(10.0))
    assert len(_stored(db)) == 8
