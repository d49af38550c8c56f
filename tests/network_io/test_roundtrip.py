"""Import then export gives a feed that means the same, on real feeds."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from busbrain.gtfs.feed import GtfsFeed
from busbrain.network_io.exporter import export_feed
from busbrain.network_io.importer import import_feed
from busbrain.wiring import open_store
from tests.gtfs.helpers import load
from tests.tinyfeed import TinyFeed

NOW = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)

# What "means the same" compares, per file: the key, then the fields.
MEANING: dict[str, tuple[list[str], list[str]]] = {
    "stops.txt": (
        ["stop_id"],
        ["stop_name", "stop_lat", "stop_lon", "location_type", "parent_station"],
    ),
    "routes.txt": (
        ["route_id"],
        ["agency_id", "route_short_name", "route_long_name", "route_type"],
    ),
    "trips.txt": (
        ["trip_id"],
        ["route_id", "service_id", "trip_headsign", "direction_id", "block_id", "shape_id"],
    ),
    "stop_times.txt": (
        ["trip_id", "stop_sequence"],
        ["stop_id", "arrival_time", "departure_time", "pickup_type", "drop_off_type"],
    ),
    "shapes.txt": (["shape_id", "shape_pt_sequence"], ["shape_pt_lat", "shape_pt_lon"]),
    "calendar.txt": (["service_id"], ["monday", "sunday", "start_date", "end_date"]),
    "calendar_dates.txt": (["service_id", "date"], ["exception_type"]),
}


def canonical(feed: GtfsFeed, name: str) -> pl.DataFrame:
    key, fields = MEANING[name]
    frame = feed.tables[name]
    cols = [c for c in key + fields if c in frame.columns]
    return frame.select(cols).sort(key)


def assert_same_meaning(a: GtfsFeed, b: GtfsFeed) -> None:
    for name in MEANING:
        if name not in a.tables:
            assert name not in b.tables, name
            continue
        left, right = canonical(a, name), canonical(b, name)
        common = [c for c in left.columns if c in right.columns]
        # A column that was empty throughout may be left out on export.
        for c in set(left.columns) - set(common):
            assert left[c].null_count() == left.height, (name, c)
        assert left.select(common).equals(right.select(common), null_equal=True), name


def roundtrip(src: Path, tmp: Path, url: str | None = None) -> tuple[Path, GtfsFeed, GtfsFeed]:
    store = open_store(url or f"sqlite:///{tmp / 'rt.db'}")
    try:
        outcome = import_feed(src, store.network, now=NOW)
        assert outcome.imported, outcome.findings.notices.notices[:5]
        out = tmp / "exported.zip"
        export_feed(store.network, out)
    finally:
        store.close()
    original, _ = load(src)
    exported, findings = load(out)
    assert not findings.notices.has_errors, findings.notices.notices[:5]
    return out, original, exported


def test_tiny_feed_round_trip_on_both_stores(
    tiny: TinyFeed, tmp_path: Path, store_url: str
) -> None:
    _, a, b = roundtrip(tiny.folder(), tmp_path, store_url)
    assert_same_meaning(a, b)
    assert "shapes.txt" in b.tables and b.height("shapes.txt") == 3  # derived shapes not exported


def test_export_to_a_folder(tiny: TinyFeed, tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'f.db'}")
    import_feed(tiny.folder(), store.network, now=NOW)
    export_feed(store.network, tmp_path / "out")
    store.close()
    assert (tmp_path / "out" / "stop_times.txt").read_text().startswith("trip_id,arrival_time")


def test_kaunas_round_trip_means_the_same(shared: Path, tmp_path: Path) -> None:
    src = shared / "data/gtfs/kaunas-2018/gtfs.zip"
    _, a, b = roundtrip(src, tmp_path)
    assert_same_meaning(a, b)
    assert set(b.extra_files) == {"fare_attributes.txt", "fare_rules.txt"}


def _validator_errors(feed: Path, out_dir: Path) -> set[str]:
    exe = Path(sys.executable).parent / "gtfs-validator"
    subprocess.run(
        [str(exe), "-i", str(feed), "-o", str(out_dir), "-c", "CN", "-d", "2018-06-01"],
        check=True,
        capture_output=True,
        timeout=900,
    )
    report = json.loads((out_dir / "report.json").read_text())
    return {n["code"] for n in report["notices"] if n["severity"] == "ERROR"}


@pytest.mark.slow
def test_kaunas_export_adds_no_validator_error(shared: Path, tmp_path: Path) -> None:
    src = shared / "data/gtfs/kaunas-2018/gtfs.zip"
    out, _, _ = roundtrip(src, tmp_path)
    before = _validator_errors(src, tmp_path / "v_before")
    after = _validator_errors(out, tmp_path / "v_after")
    assert after <= before, f"new errors after round trip: {after - before}"


@pytest.mark.slow
def test_nyc_imports_and_exports_whole(shared: Path, tmp_path: Path) -> None:
    """The largest feed: 7.4 million stop times in and out, with nothing lost."""
    src = shared / "data/gtfs/nyc-mta-bus-2026/gtfs.zip"
    store = open_store(f"sqlite:///{tmp_path / 'nyc.db'}")
    try:
        outcome = import_feed(src, store.network, now=NOW)
        assert outcome.imported and not outcome.findings.notices.has_errors
        assert outcome.counts["stop_time"] == 7_435_211 and outcome.counts["trip"] == 230_532
        counts = export_feed(store.network, tmp_path / "nyc_out.zip")
    finally:
        store.close()
    assert counts["stop_times.txt"] == 7_435_211
    assert counts["stops.txt"] == 13_461 and counts["shapes.txt"] == 500_767
    exported, findings = load(tmp_path / "nyc_out.zip")
    assert not findings.notices.has_errors
    original, _ = load(src)
    assert_same_meaning(original, exported)


def test_converted_chinese_lines_import_and_export(shared: Path, tmp_path: Path) -> None:
    """Chinese line data (Baidu BD-09) → GTFS in WGS-84 → store → GTFS, meaning kept."""
    from busbrain.cnlines import SourceFormat, convert_lines
    from busbrain.gtfs.rowwriter import write_rows_feed

    result = convert_lines(
        shared / "data/gtfs/cn-hangzhou-bus-2015/lineshape-baidu.txt",
        SourceFormat.BAIDU_LINES,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
    )
    feed = write_rows_feed(result.tables, tmp_path / "hz.zip")
    _, a, b = roundtrip(feed, tmp_path)
    assert_same_meaning(a, b)
    assert b.height("frequencies.txt") == a.height("frequencies.txt") > 200
    names = b.tables["stops.txt"]["stop_name"].to_list()
    assert any("西湖" in n for n in names if n)
