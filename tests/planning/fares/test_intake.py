"""Fare-batch checks, one kind of bad row at a time, and card pseudonymisation."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from busbrain.domain.errors import BadInputError
from busbrain.planning.fares.intake import (
    TAP_SCHEMA,
    Intake,
    card_pseudonym,
    check_batch,
    parse_batch,
    pseudonymise,
    with_loaded_before,
)

TZ = "Asia/Shanghai"
HEADER = "txn_id,reader_time,vehicle_id,reader_id,channel,card_id,fare_fen\n"
DAY = dt.date(2026, 12, 1)
HOURS = {
    DAY: (
        dt.datetime(2026, 11, 30, 21, 0, tzinfo=dt.UTC),  # 05:00 local
        dt.datetime(2026, 12, 1, 18, 0, tzinfo=dt.UTC),  # 02:00 the next morning
    )
}
KEY = bytes(range(32))


def raw(text: str) -> pl.DataFrame:
    return pl.read_csv(io.StringIO(text), infer_schema=False)


def check(rows: str, **kw: object) -> Intake:
    parsed = parse_batch(raw(HEADER + rows), source="b.csv", tz=TZ)
    args: dict[str, object] = {
        "batch_id": "b",
        "vehicles": {"V1", "V2"},
        "service_hours": HOURS,
    }
    args.update(kw)
    return check_batch(parsed, **args)  # type: ignore[arg-type]


GOOD = "t1,2026-12-01T07:31:05+08:00,V1,R1,wechat,wx01,100\n"


def test_a_good_row_is_typed_and_dated_by_service_day() -> None:
    intake = check(GOOD + "t2,2026-12-02T00:30:00+08:00,V1,R1,cash,,100\n")
    assert intake.rejected.height == 0
    t = intake.taps.row(0, named=True)
    assert t["tap_utc"] == dt.datetime(2026, 11, 30, 23, 31, 5, tzinfo=dt.UTC)
    assert t["service_date"] == DAY
    assert t["fare_fen"] == 100
    # 00:30 belongs to the service day before (GTFS times past 24:00); cash keeps no id
    assert intake.taps.row(1, named=True)["service_date"] == DAY
    assert intake.taps.row(1, named=True)["card_id"] is None


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("t1,2026-12-01T07:31:05,V1,R1,wechat,wx01,100", "is not ISO 8601 with a UTC offset"),
        ("t1,yesterday,V1,R1,wechat,wx01,100", "reader_time 'yesterday'"),
        ("t1,2026-12-01T07:31:05+08:00,V1,R1,paypal,wx01,100", "channel 'paypal' is not one of"),
        ("t1,2026-12-01T07:31:05+08:00,V1,R1,wechat,wx01,1.5", "fare_fen '1.5' is not a whole"),
        ("t1,2026-12-01T07:31:05+08:00,V1,R1,wechat,wx01,-100", "fare_fen '-100'"),
        ("t1,2026-12-01T07:31:05+08:00,V1,R1,wechat,,100", "card_id is empty for channel wechat"),
        (",2026-12-01T07:31:05+08:00,V1,R1,wechat,wx01,100", "txn_id is empty"),
        ("t1,2026-12-01T07:31:05+08:00,,R1,wechat,wx01,100", "vehicle_id is empty"),
    ],
)
def test_malformed_rows_are_refused_with_line_and_reason(row: str, reason: str) -> None:
    intake = check(GOOD.replace("t1", "t0") + row + "\n")
    assert intake.taps.height == 1  # the good row goes on
    assert intake.counts()["malformed"] == 1
    bad = intake.rejected.row(0, named=True)
    assert bad["line"] == 3 and bad["kind"] == "malformed"
    assert reason in bad["reason"]


def test_unknown_vehicles_outside_service_and_duplicates() -> None:
    rows = (
        GOOD
        + "t2,2026-12-01T07:32:00+08:00,V9,R9,alipay,ali9,100\n"  # not registered
        + "t3,2026-12-01T04:10:00+08:00,V1,R1,alipay,ali1,100\n"  # before service
        + "t4,2026-12-05T08:00:00+08:00,V1,R1,alipay,ali1,100\n"  # a day without service
        + GOOD  # the reader repeats t1
    )
    intake = check(rows)
    assert intake.counts() == {
        "malformed": 0,
        "unknown_vehicle": 1,
        "outside_service": 2,
        "duplicate": 1,
    }
    ex = intake.examples()
    assert ex["unknown_vehicle"] == ["line 3: vehicle V9 is not in the terminal registry"]
    assert (
        "04:10 local is outside service on 2026-12-01 (05:00 to 02:00)" in ex["outside_service"][0]
    )
    assert "which has no service" in ex["outside_service"][1]
    assert ex["duplicate"] == ["line 6: reader R1 transaction t1 repeats line 2"]
    assert intake.taps.get_column("txn_id").to_list() == ["t1"]


def test_taps_loaded_before_are_duplicates_naming_the_batch() -> None:
    loaded = pl.DataFrame({"reader_id": ["R1"], "txn_id": ["t1"], "batch_id": ["early"]})
    intake = with_loaded_before(check(GOOD), loaded)
    assert intake.taps.height == 0
    assert "was loaded before (batch early)" in intake.examples()["duplicate"][0]


def test_no_vehicle_list_skips_that_check() -> None:
    intake = check("t2,2026-12-01T07:32:00+08:00,V9,R9,alipay,ali9,100\n", vehicles=None)
    assert intake.taps.height == 1


def test_a_missing_column_refuses_the_batch_naming_it() -> None:
    with pytest.raises(BadInputError, match=r"b\.csv: no column card_id"):
        parse_batch(
            raw("txn_id,reader_time,vehicle_id,reader_id,channel,fare_fen\n"), source="b.csv", tz=TZ
        )


def test_pseudonyms_are_keyed_stable_and_hide_the_card() -> None:
    intake = check(GOOD + "t2,2026-12-01T08:00:00+08:00,V2,R2,wechat,wx01,100\n")
    taps = pseudonymise(intake.taps, KEY)
    assert list(taps.columns) == list(TAP_SCHEMA)
    hashes = taps.get_column("card_hash").to_list()
    assert hashes[0] == hashes[1] == card_pseudonym("wx01", KEY)
    assert "wx01" not in str(taps.rows())
    assert card_pseudonym("wx01", bytes(32)) != hashes[0]
    with pytest.raises(BadInputError, match="16 to 64 bytes"):
        pseudonymise(intake.taps, b"short")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=7, max_size=9))
def test_any_row_is_either_a_tap_or_refused_never_lost(fields: list[str]) -> None:
    row = ",".join(f'"{f.replace(chr(34), "")}"' for f in fields[:7])
    intake = check(GOOD + row + "\n")
    assert intake.taps.height + intake.rejected.height == 2
    assert intake.rows == 2
