"""convert_lines end to end on a small handwritten Shenzhen-format file."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest

from busbrain.cnlines import ConversionResult, ServicePattern, SourceFormat, convert_lines
from busbrain.cnlines.geometry import distance_m
from busbrain.domain.chinacoords import CoordSystem, bd09_to_wgs84
from busbrain.domain.errors import BadInputError
from busbrain.gtfs.rowwriter import write_rows_feed

START, END = dt.date(2026, 1, 1), dt.date(2026, 12, 31)


def row(title: str, stops: list[tuple[str, float, float]]) -> str:
    names = ", ".join(f"'{n}'" for n, _, _ in stops)
    geos = ", ".join(f"'{lon},{lat}'" for _, lon, lat in stops)
    return f'{title},"[{names}]","[{geos}]"\n'


# 650路 runs east on the north side of the road and back west 33 m further south;
# 651路 shares 甲站's eastbound pole (1.5 m away).
TEXT = (
    "linename,stationname,stationgeo\n"
    + row(
        "650路(甲站-乙站)",
        [("甲站", 114.050, 22.550), ("丙站", 114.055, 22.5502), ("乙站", 114.060, 22.550)],
    )
    + row(
        "650路(乙站-甲站)",
        [("乙站", 114.060, 22.5497), ("丙站", 114.055, 22.5497), ("甲站", 114.050, 22.5497)],
    )
    + row("651路(甲站-丁站)", [("甲站", 114.05001, 22.55001), ("丁站", 114.07, 22.56)])
)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "busline.csv"
    path.write_text(TEXT, encoding="utf-8")
    return path


@pytest.fixture
def result(source: Path) -> ConversionResult:
    return convert_lines(source, SourceFormat.SHENZHEN, start_date=START, end_date=END)


def by_id(rows: list[dict[str, object]], key: str) -> dict[object, dict[str, object]]:
    return {r[key]: r for r in rows}


def test_stats_and_tables(result: ConversionResult) -> None:
    assert set(result.tables) == {
        "agency.txt",
        "feed_info.txt",
        "stops.txt",
        "routes.txt",
        "trips.txt",
        "stop_times.txt",
        "shapes.txt",
        "calendar.txt",
        "frequencies.txt",
    }
    assert result.stats["routes"] == 2
    assert result.stats["trips"] == 3
    assert result.stats["stops"] == 7  # 甲, 乙, 丙 on both sides, 丁 once
    assert result.stats["stations"] == 3
    assert result.notices == []


def test_stops_are_wgs84_and_grouped_under_stations(result: ConversionResult) -> None:
    stops = result.tables["stops.txt"]
    stations = {r["stop_id"]: r for r in stops if r["location_type"] == 1}
    poles = [r for r in stops if r["location_type"] == 0]
    assert {r["stop_name"] for r in stations.values()} == {"甲站", "乙站", "丙站"}
    for pole in poles:
        parent = pole["parent_station"]
        assert parent is None or stations[parent]["stop_name"] == pole["stop_name"]
    wgs = bd09_to_wgs84(114.060, 22.550)
    yi = [r for r in poles if r["stop_name"] == "乙站"]
    nearest = min(
        distance_m(wgs, (float(str(r["stop_lon"])), float(str(r["stop_lat"])))) for r in yi
    )
    assert nearest < 0.2


def test_routes_names_and_directions(result: ConversionResult) -> None:
    routes = by_id(result.tables["routes.txt"], "route_id")
    assert routes["R0001"]["route_short_name"] == "650"
    assert routes["R0001"]["route_long_name"] == "甲站至乙站"
    assert routes["R0002"]["route_short_name"] == "651"
    trips = result.tables["trips.txt"]
    assert [(t["trip_id"], t["direction_id"], t["trip_headsign"]) for t in trips] == [
        ("R0001_1", 0, "乙站"),
        ("R0001_2", 1, "甲站"),
        ("R0002_1", 0, "丁站"),
    ]
    assert all(t["service_id"] == "ALL" and t["shape_id"] == t["trip_id"] for t in trips)


def test_the_shared_pole_is_one_stop_id(result: ConversionResult) -> None:
    times = result.tables["stop_times.txt"]
    first = {r["trip_id"]: r["stop_id"] for r in times if r["stop_sequence"] == 1}
    assert first["R0001_1"] == first["R0002_1"]
    last_back = [r["stop_id"] for r in times if r["trip_id"] == "R0001_2"][-1]
    assert last_back != first["R0001_1"]  # the other side of the road


def test_times_are_estimated_from_distance_at_18_kmh(result: ConversionResult) -> None:
    times = [r for r in result.tables["stop_times.txt"] if r["trip_id"] == "R0001_1"]
    assert times[0]["arrival_time"] == "06:00:00"
    metres = float(str(times[-1]["shape_dist_traveled"]))
    h, m, s = (int(x) for x in str(times[-1]["arrival_time"]).split(":"))
    assert (h * 3600 + m * 60 + s) - 6 * 3600 == round(metres / 5.0)
    assert all(r["timepoint"] == 0 for r in times)
    assert [r["stop_sequence"] for r in times] == [1, 2, 3]


def test_shapes_follow_the_stops_with_increasing_distances(result: ConversionResult) -> None:
    shape = [r for r in result.tables["shapes.txt"] if r["shape_id"] == "R0001_1"]
    dists = [float(str(r["shape_dist_traveled"])) for r in shape]
    assert len(shape) == 3 and dists[0] == 0.0
    assert dists == sorted(set(dists))


def test_calendar_frequencies_agency_and_feed_info(result: ConversionResult) -> None:
    [calendar] = result.tables["calendar.txt"]
    assert calendar["start_date"] == "20260101" and calendar["end_date"] == "20261231"
    assert all(calendar[d] == 1 for d in ("monday", "saturday", "sunday"))
    frequencies = result.tables["frequencies.txt"]
    assert len(frequencies) == 3
    assert frequencies[0] == {
        "trip_id": "R0001_1",
        "start_time": "06:00:00",
        "end_time": "22:00:00",
        "headway_secs": 600,
        "exact_times": 0,
    }
    [agency] = result.tables["agency.txt"]
    assert agency["agency_timezone"] == "Asia/Shanghai" and agency["agency_lang"] == "zh"
    [info] = result.tables["feed_info.txt"]
    assert info["feed_start_date"] == "20260101"


def test_options_are_passed_through(source: Path) -> None:
    result = convert_lines(
        source,
        SourceFormat.SHENZHEN,
        crs=CoordSystem.WGS84,
        agency_name="深圳巴士集团",
        start_date=START,
        end_date=END,
        pattern=ServicePattern(speed_kmh=36.0, headway_s=300),
    )
    assert result.tables["agency.txt"][0]["agency_name"] == "深圳巴士集团"
    assert result.tables["frequencies.txt"][0]["headway_secs"] == 300
    first = next(r for r in result.tables["stops.txt"] if r["stop_name"] == "丁站")
    assert (first["stop_lon"], first["stop_lat"]) == ("114.070000", "22.560000")


def test_output_is_deterministic(source: Path, result: ConversionResult) -> None:
    again = convert_lines(source, SourceFormat.SHENZHEN, start_date=START, end_date=END)
    assert again.tables == result.tables


def test_writes_with_the_row_writer(result: ConversionResult, tmp_path: Path) -> None:
    out = write_rows_feed(result.tables, tmp_path / "feed.zip")
    with zipfile.ZipFile(out) as zf:
        assert "stops.txt" in zf.namelist()
        assert zf.read("routes.txt").decode("utf-8").startswith("route_id,")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="no such file"):
        convert_lines(tmp_path / "nope.csv", SourceFormat.SHENZHEN, start_date=START, end_date=END)


def test_wrong_format(source: Path) -> None:
    with pytest.raises(BadInputError, match="not the Baidu lines format"):
        convert_lines(source, SourceFormat.BAIDU_LINES, start_date=START, end_date=END)


def test_no_usable_lines(tmp_path: Path) -> None:
    path = tmp_path / "busline.csv"
    path.write_text("linename,stationname,stationgeo\n坏(a-b),x,y\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="no usable line-directions"):
        convert_lines(path, SourceFormat.SHENZHEN, start_date=START, end_date=END)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "busline.csv"
    path.write_bytes("linename,stationname,stationgeo\n甲".encode("gbk"))
    with pytest.raises(BadInputError, match="not UTF-8"):
        convert_lines(path, SourceFormat.SHENZHEN, start_date=START, end_date=END)


def test_dates_out_of_order(source: Path) -> None:
    with pytest.raises(BadInputError, match="after end_date"):
        convert_lines(source, SourceFormat.SHENZHEN, start_date=END, end_date=START)


def test_a_line_with_the_same_poles_as_another_is_one_trip(tmp_path: Path) -> None:
    """Same stops a metre apart under a former-name title: one route, one template trip."""
    path = tmp_path / "busline.csv"
    text = TEXT + row(
        "650路(原:b1路)(甲站-乙站)",
        [("甲站", 114.050005, 22.550005), ("丙站", 114.055, 22.5502), ("乙站", 114.060, 22.550)],
    )
    path.write_text(text, encoding="utf-8")
    result = convert_lines(path, SourceFormat.SHENZHEN, start_date=START, end_date=END)
    assert result.stats["trips"] == 3
    assert [(n.code, n.line) for n in result.notices] == [("duplicate_stop_pattern", 5)]
    assert result.tables["routes.txt"][0]["route_desc"] == "原:b1路"
