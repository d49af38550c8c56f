"""Reading messy real-world text: BOMs, spaces, CRLF, times past midnight, zip or folder."""

from __future__ import annotations

import zipfile
from pathlib import Path

import polars as pl
import pytest

from busbrain.domain.errors import BadInputError
from busbrain.domain.notices import Severity
from tests.gtfs.helpers import load, notices
from tests.tinyfeed import TinyFeed


def test_a_clean_feed_reads_with_no_notices(tiny: TinyFeed) -> None:
    feed, findings = load(tiny.folder())
    assert findings.notices.counts == {}
    assert feed.height("stop_times.txt") == 14
    assert feed.tables["stop_times.txt"].schema["arrival_time"] == pl.Int32


def test_zip_and_folder_read_the_same(tiny: TinyFeed) -> None:
    a, _ = load(tiny.folder())
    b, _ = load(tiny.zip())
    for name in a.tables:
        assert a.tables[name].equals(b.tables[name]), name


def test_zip_with_files_in_a_subfolder_is_read(tiny: TinyFeed, tmp_path: Path) -> None:
    out = tmp_path / "nested.zip"
    with zipfile.ZipFile(out, "w") as zf:
        for name, body in tiny.files.items():
            zf.writestr(f"gtfs/{name}", body)
    feed, findings = load(out)
    assert not findings.notices.has_errors
    assert feed.height("trips.txt") == 4


def test_byte_order_mark_crlf_and_spaced_header_are_handled(tiny: TinyFeed) -> None:
    agency = "\ufeffagency_id, agency_name,agency_url,agency_timezone\r\nJZ,锦州公交,https://x.cn,Asia/Shanghai\r\n"
    tiny.set("agency.txt", agency)
    feed, findings = load(tiny.folder())
    row = feed.tables["agency.txt"].row(0, named=True)
    assert row["agency_id"] == "JZ" and row["agency_name"] == "锦州公交"
    assert row["agency_timezone"] == "Asia/Shanghai"
    spaced = notices(findings, "leading_or_trailing_whitespaces")
    assert [(n.file, n.field, n.severity) for n in spaced] == [
        ("agency.txt", "agency_name", Severity.WARNING)
    ]


def test_leading_spaces_in_numbers_are_read_and_warned(tiny: TinyFeed) -> None:
    tiny.set(
        "stops.txt",
        "stop_id,stop_name,stop_lat,stop_lon\nA1,中央大街,  41.12,121.13\n"
        "B1,解放路口,41.12, 121.136\nC1,锦州站,41.12,121.142\nD1,医科大学,41.126,121.142\n"
        "A2,x,41.12,121.13\nE1,e,41.1,121.1\nF1,f,41.1,121.2\n",
    )
    feed, findings = load(tiny.folder())
    stops = feed.tables["stops.txt"]
    assert stops.filter(pl.col("stop_id") == "A1")["stop_lat"].item() == pytest.approx(41.12)
    assert stops.filter(pl.col("stop_id") == "B1")["stop_lon"].item() == pytest.approx(121.136)
    fields = {n.field for n in notices(findings, "leading_or_trailing_whitespaces")}
    assert fields == {"stop_lat", "stop_lon"}
    assert not findings.notices.has_errors


def test_times_past_midnight_are_seconds_of_the_service_day(tiny: TinyFeed) -> None:
    feed, _ = load(tiny.folder())
    st = feed.tables["stop_times.txt"].filter(pl.col("trip_id") == "T3")
    assert st["arrival_time"].to_list()[0] == 24 * 3600 + 40 * 60


def test_a_missing_path_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="no such file"):
        load(tmp_path / "nope.zip")


def test_a_file_that_is_not_a_zip_is_bad_input(tmp_path: Path) -> None:
    bogus = tmp_path / "feed.zip"
    bogus.write_bytes(b"this is not a zip")
    with pytest.raises(BadInputError, match="not a zip"):
        load(bogus)


def test_unknown_files_are_kept_verbatim(tiny: TinyFeed) -> None:
    tiny.set(
        "fare_attributes.txt", "fare_id,price,currency_type,payment_method,transfers\nF,2,CNY,0,0\n"
    )
    feed, _ = load(tiny.folder())
    assert feed.extra_files["fare_attributes.txt"].startswith(b"fare_id,price")
