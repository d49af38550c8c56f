"""Fare batches into the store through the loader, on SQLite and PostgreSQL: checked,
pseudonymised, idempotent, read back by service day."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select

from busbrain.domain.errors import StoreError
from busbrain.domain.terminals import TerminalRecord
from busbrain.network_io.importer import import_feed
from busbrain.planning.fares.intake import card_pseudonym
from busbrain.planning.jobs.taps import TapLoader, read_batch, write_rejects
from busbrain.store import schema
from busbrain.wiring import Store, open_store
from tests.tinyfeed import TinyFeed

NOW = dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.UTC)
KEY = bytes(range(32))
BATCH = (
    "txn_id,reader_time,vehicle_id,reader_id,channel,card_id,fare_fen,batch_id\n"
    "t1,2026-12-01T06:01:10+08:00,V1,R1,ic_card,31000001,90,b1\n"
    "t2,2026-12-01T06:25:00+08:00,V1,R1,ic_card,31000001,90,b1\n"
    "t3,2026-12-01T07:02:00+08:00,V2,R2,cash,,100,b1\n"
    "t4,2026-12-01T07:03:00+08:00,V9,R9,wechat,wx9,100,b1\n"  # unknown vehicle
    "t5,2026-12-01T03:00:00+08:00,V1,R1,wechat,wx1,100,b1\n"  # before service
    "t6,2026-12-01T07:04:00+08:00,V2,R2,alipay,,100,b1\n"  # no card id
    "t7,2026-12-01T07:05:00+08:00,V2,R2,alipay\n"  # too few fields
    "t1,2026-12-01T06:01:10+08:00,V1,R1,ic_card,31000001,90,b1\n"  # repeated
)


def _opened(url: str, tiny: TinyFeed) -> Store:
    """A store at `url` with the tiny feed and the terminals of buses V1 and V2."""
    s = open_store(url)
    import_feed(tiny.folder(), s.network, now=NOW)
    s.terminals.upsert_terminals(
        [TerminalRecord(f"0139000000{i}", None, None, f"V{i}", None, None, None) for i in (1, 2)]
    )
    return s


@pytest.fixture
def store(store_url: str, tiny: TinyFeed) -> Iterator[Store]:
    s = _opened(store_url, tiny)
    yield s
    s.close()


def test_a_batch_loads_its_good_rows_and_reports_the_rest(store: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    loader = TapLoader(store, KEY, now=lambda: NOW)
    report, intake = loader.load_bytes(BATCH.encode(), "fares/b1.csv")
    assert report.error is None
    assert (report.rows, report.added) == (8, 3)
    assert report.refused == {
        "malformed": 2,
        "unknown_vehicle": 1,
        "outside_service": 1,
        "duplicate": 1,
    }
    assert any("has 5 fields, the header has 8" in x for x in report.examples["malformed"])
    taps = store.fares.taps(dt.date(2026, 12, 1), dt.date(2026, 12, 1))
    assert taps.get_column("txn_id").to_list() == ["t1", "t2", "t3"]
    assert taps.get_column("tap_utc").to_list()[0] == dt.datetime(
        2026, 11, 30, 22, 1, 10, tzinfo=dt.UTC
    )
    hashes = taps.get_column("card_hash").to_list()
    assert hashes[:2] == [card_pseudonym("31000001", KEY)] * 2 and hashes[2] is None
    with store.engine.connect() as conn:
        stored = [tuple(r) for r in conn.execute(select(schema.fare_tap))]
    assert "31000001" not in repr(stored)  # raw card ids never reach the store
    assert intake is not None
    assert write_rejects(tmp_path / "rej.csv", [("b1.csv", intake)]) == 5
    log = store.fares.batches()
    assert [(b.batch_id, b.rows, b.added) for b in log] == [("b1", 8, 3)]


def test_loading_a_batch_again_adds_nothing(store: Store) -> None:
    loader = TapLoader(store, KEY, now=lambda: NOW)
    loader.load_bytes(BATCH.encode(), "b1.csv")
    again, _ = loader.load_bytes(BATCH.encode(), "b1.csv")
    assert again.added == 0
    assert again.refused["duplicate"] == 4  # three loaded before, one repeated in the file
    assert store.fares.taps(dt.date(2026, 12, 1), dt.date(2026, 12, 1)).height == 3


def test_a_batch_refused_by_a_locked_database_loads_when_tried_again(
    tiny: TinyFeed, tmp_path: Path
) -> None:
    """SQLite: another writer holds the lock past the wait, the batch fails with nothing
    written, and the folder watcher's next try must load it (the failed try's staging
    table once stayed on the pooled connection and refused every retry)."""
    db = tmp_path / "fares.db"
    s = _opened(f"sqlite:///{db}", tiny)
    loader = TapLoader(s, KEY, now=lambda: NOW)
    with s.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA busy_timeout=50")  # this test waits 50 ms, not 10 s
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError, match="nothing written: database is locked"):
            loader.load_bytes(BATCH.encode(), "b1.csv")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert s.fares.taps(dt.date(2026, 12, 1), dt.date(2026, 12, 1)).height == 0
    again, _ = loader.load_bytes(BATCH.encode(), "b1.csv")
    assert again.error is None and again.added == 3
    assert s.fares.taps(dt.date(2026, 12, 1), dt.date(2026, 12, 1)).height == 3
    s.close()


def test_parquet_batches_with_zoned_timestamps_load_too(store: Store) -> None:
    frame = pl.DataFrame(
        {
            "txn_id": ["p1"],
            "reader_time": [
                dt.datetime(2026, 12, 1, 6, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
            ],
            "vehicle_id": ["V1"],
            "reader_id": ["R1"],
            "channel": ["unionpay"],
            "card_id": ["6222"],
            "fare_fen": [100],
        }
    )
    buf = io.BytesIO()
    frame.write_parquet(buf)
    report, _ = TapLoader(store, KEY, now=lambda: NOW).load_bytes(buf.getvalue(), "p.parquet")
    assert report.error is None and report.added == 1
    tap = store.fares.taps(dt.date(2026, 12, 1), dt.date(2026, 12, 1)).row(0, named=True)
    assert tap["tap_utc"] == dt.datetime(2026, 11, 30, 22, 30, tzinfo=dt.UTC)


def test_an_unreadable_file_is_reported_not_raised(store: Store) -> None:
    report, intake = TapLoader(store, KEY, now=lambda: NOW).load_bytes(b"\xff\xfe\x00bad", "x.csv")
    assert intake is None
    assert report.error is not None and "x.csv: not UTF-8" in report.error
    missing, _ = TapLoader(store, KEY, now=lambda: NOW).load_bytes(b"a,b\n1,2\n", "y.csv")
    assert missing.error is not None and "y.csv: no column txn_id" in missing.error


def test_read_batch_keeps_file_lines_for_quoted_newlines() -> None:
    text = 'txn_id,reader_time\n"a\nb",x\nc,y,z\nd,w\n'
    frame, ragged = read_batch(text.encode(), "q.csv")
    assert frame.get_column("line").to_list() == [2, 5]
    assert ragged == [(4, "has 3 fields, the header has 2")]


def test_service_span_is_the_days_first_departure_and_last_arrival(store: Store) -> None:
    from zoneinfo import ZoneInfo

    from busbrain.store.days import service_hours

    assert store.schedule.service_span(dt.date(2026, 12, 1)) == (6 * 3600, 24 * 3600 + 50 * 60)
    assert store.schedule.service_span(dt.date(2026, 12, 5)) is None  # a Saturday
    lo, hi = service_hours(store.schedule, dt.date(2026, 12, 1), ZoneInfo("Asia/Shanghai"))  # type: ignore[misc]
    assert (lo, hi) == (
        dt.datetime(2026, 11, 30, 21, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 1, 17, 50, tzinfo=dt.UTC),
    )
