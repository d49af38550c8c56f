"""The converters on the real reference files in the `shared` folder beside the project.

Skipped when the data is not there. The validator run is marked slow (about 15 s).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from busbrain.cnlines import ConversionResult, SourceFormat, convert_lines
from busbrain.gtfs.rowwriter import write_rows_feed

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = REPO_ROOT / ".." / "shared" / "data" / "gtfs"
SHENZHEN = DATA / "cn-shenzhen-buslines-bd09" / "busline.csv"
HANGZHOU = DATA / "cn-hangzhou-bus-2015" / "lineshape-baidu.txt"
VALIDATOR = Path(sys.executable).parent / "gtfs-validator"

START, END = dt.date(2026, 1, 1), dt.date(2027, 12, 31)
Box = tuple[float, float, float, float]  # lon min, lon max, lat min, lat max
SHENZHEN_BOX: Box = (113.7, 114.7, 22.4, 22.9)
HANGZHOU_BOX: Box = (119.9, 120.5, 30.0, 30.45)


@pytest.fixture(scope="module")
def shenzhen() -> ConversionResult:
    assert SHENZHEN.is_file(), f"reference data missing: {SHENZHEN}"
    return convert_lines(SHENZHEN, SourceFormat.SHENZHEN, start_date=START, end_date=END)


@pytest.fixture(scope="module")
def hangzhou() -> ConversionResult:
    assert HANGZHOU.is_file(), f"reference data missing: {HANGZHOU}"
    return convert_lines(HANGZHOU, SourceFormat.BAIDU_LINES, start_date=START, end_date=END)


def poles(result: ConversionResult) -> list[dict[str, object]]:
    return [r for r in result.tables["stops.txt"] if r["location_type"] == 0]


def share_inside(result: ConversionResult, box: Box) -> float:
    rows = poles(result)
    inside = [
        r
        for r in rows
        if box[0] <= float(str(r["stop_lon"])) <= box[1]
        and box[2] <= float(str(r["stop_lat"])) <= box[3]
    ]
    return len(inside) / len(rows)


def test_shenzhen_counts(shenzhen: ConversionResult) -> None:
    stats = shenzhen.stats
    assert 1_000 <= stats["routes"] <= 1_100
    assert stats["line_directions_parsed"] == 2_113
    assert stats["trips"] == 2_113 - 165  # the exact duplicate rows are dropped
    assert 5_000 <= stats["stops"] <= 20_000
    assert stats["stations"] > 1_000
    codes = Counter(n.code for n in shenzhen.notices)
    assert codes["duplicate_line_direction"] == 165


def test_shenzhen_positions_are_in_shenzhen(shenzhen: ConversionResult) -> None:
    assert share_inside(shenzhen, SHENZHEN_BOX) >= 0.95


def test_shenzhen_same_name_stops_are_clustered(shenzhen: ConversionResult) -> None:
    """7,073 names, 55,228 distinct positions: a couple of poles per name, not one per line."""
    per_name = Counter(r["stop_name"] for r in poles(shenzhen))
    assert len(per_name) == 7_073
    assert sum(per_name.values()) / len(per_name) < 2.5
    assert max(per_name.values()) <= 12


def test_hangzhou_counts_and_positions(hangzhou: ConversionResult) -> None:
    assert hangzhou.stats["routes"] == 213
    assert hangzhou.stats["trips"] == 215
    assert share_inside(hangzhou, HANGZHOU_BOX) == 1.0
    codes = Counter(n.code for n in hangzhou.notices)
    assert codes["stops_do_not_match_title"] == 6
    assert hangzhou.stats["shape_points"] > 10 * hangzhou.stats["trips"]  # Baidu shapes used


def test_route_long_names_use_zhi(shenzhen: ConversionResult, hangzhou: ConversionResult) -> None:
    for result in (shenzhen, hangzhou):
        for route in result.tables["routes.txt"]:
            name = str(route["route_long_name"])
            assert "至" in name and "-" not in name and "—" not in name


def validate(result: ConversionResult, tmp_path: Path) -> dict[str, object]:
    feed = write_rows_feed(result.tables, tmp_path / "feed.zip")
    out = tmp_path / "report"
    command = [str(VALIDATOR), "-i", str(feed), "-o", str(out), "-c", "CN", "-d", "2026-12-01"]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    report: dict[str, object] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return report


def severities(report: dict[str, object]) -> dict[str, str]:
    notices = report["notices"]
    assert isinstance(notices, list)
    return {str(n["code"]): str(n["severity"]) for n in notices}


@pytest.mark.slow
def test_shenzhen_feed_has_no_validator_errors(shenzhen: ConversionResult, tmp_path: Path) -> None:
    found = severities(validate(shenzhen, tmp_path))
    assert [code for code, severity in found.items() if severity == "ERROR"] == []
    # What remains: CJK names the mixed-case heuristic misreads, 3 long qualified short
    # names, 4 ferry trips without bike information, and loops whose headsign is a stop.
    assert set(found) <= {
        "mixed_case_recommended_field",
        "route_short_name_too_long",
        "missing_bike_allowance",
        "trip_headsign_matches_intermediate_stop",
    }


def test_hangzhou_feed_has_no_validator_errors(hangzhou: ConversionResult, tmp_path: Path) -> None:
    found = severities(validate(hangzhou, tmp_path))
    assert [code for code, severity in found.items() if severity == "ERROR"] == []
    assert set(found) <= {"mixed_case_recommended_field"}
