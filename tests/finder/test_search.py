"""Stop and line search: characters, pinyin, initials, mixed input, typos, homophones,
place-name readings, and the ranking (quality, importance, distance)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from busbrain.domain.names import pinyin_of
from busbrain.domain.network import LocationType, Stop
from busbrain.finder.nearby import NearbyIndex
from busbrain.finder.search import SearchIndex
from busbrain.finder.stations import group_stations


def stop(stop_id: str, name: str, lat: float, lon: float, parent: str | None = None) -> Stop:
    return Stop(stop_id, name, pinyin_of(name), lat, lon, parent_station=parent)


STOPS = [
    Stop("ZX", "中心广场", "", 41.1200, 121.1300, location_type=LocationType.STATION),
    stop("ZX1", "中心广场", 41.1201, 121.1300, "ZX"),
    stop("ZX2", "中心广场", 41.1199, 121.1300, "ZX"),
    stop("ZY1", "中央大街", 41.1250, 121.1350),
    stop("ZY2", "中央大街", 41.1252, 121.1351),  # the other side of the road: same station
    stop("ZY3", "中央大街", 41.2000, 121.2000),  # same name, far away: another station
    stop("HC", "火车站", 41.1100, 121.1200),
    stop("CY", "朝阳街", 41.1300, 121.1400),
    stop("CT", "省长途客运站", 41.1350, 121.1450),
    stop("YY", "中医院", 41.1400, 121.1500),
    stop("RM", "人民医院", 41.1410, 121.1510),
    stop("XH", "新华广场", 41.1500, 121.1600),
]
ROUTES_AT = {
    "ZX1": {"1", "2", "3"},
    "ZX2": {"1", "2", "3"},
    "ZY1": {"1"},
    "ZY3": {"5"},
    "HC": {"2", "K1"},
    "YY": {"3"},
    "RM": {"3", "4"},
    "XH": {"4"},
}


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    stations = group_stations(STOPS, ROUTES_AT)
    lines = [("1", "1路", 3.0), ("10", "10路", 1.0), ("K1", "K1路", 1.0)]
    return SearchIndex.build(stations, lines)


def first(index: SearchIndex, q: str, **kw: object) -> str:
    hits = index.search(q, **kw)  # type: ignore[arg-type]
    assert hits, q
    return hits[0].entry.name


def test_stations_join_both_sides_of_the_road_but_not_far_namesakes() -> None:
    stations = {s.station_id: s for s in group_stations(STOPS, ROUTES_AT)}
    assert stations["ZX"].stop_ids == ("ZX1", "ZX2")
    assert stations["ZY1"].stop_ids == ("ZY1", "ZY2")
    assert stations["ZY3"].stop_ids == ("ZY3",)
    assert stations["ZX"].route_ids == ("1", "2", "3")


@pytest.mark.parametrize(
    ("query", "expected", "how"),
    [
        ("中心广场", "中心广场", "name"),
        ("中心", "中心广场", "name"),
        ("zhongxinguangchang", "中心广场", "pinyin"),
        ("zhong xin guang chang", "中心广场", "pinyin"),
        ("zxgc", "中心广场", "initials"),
        ("ZXGC", "中心广场", "initials"),
        ("中心gc", "中心广场", "initials"),
        ("hcz", "火车站", "initials"),
        ("huochezhan", "火车站", "pinyin"),
        ("医院", "人民医院", "name"),  # ties with 中医院 (both end so); serves more lines
        ("1", "1路", "name"),
        ("k1", "K1路", "name"),
    ],
)
def test_each_way_of_typing_finds_the_place(
    index: SearchIndex, query: str, expected: str, how: str
) -> None:
    if expected is None:
        return
    hits = index.search(query)
    assert hits[0].entry.name == expected
    assert hits[0].match == how


def test_typos_and_homophones_are_forgiven(index: SearchIndex) -> None:
    assert first(index, "zhongxinguanchang") == "中心广场"  # a letter missing
    assert first(index, "zhongxingguangchang") == "中心广场"  # a letter too many
    assert first(index, "中新广场") == "中心广场"  # a character that sounds the same
    assert index.search("中新广场")[0].match == "pinyin"  # found by its sound
    assert index.search("zhongxinguanchang")[0].match == "fuzzy"


def test_place_names_are_read_as_places(index: SearchIndex) -> None:
    assert first(index, "chaoyang") == "朝阳街"  # 朝阳 the place, not zhaoyang
    assert first(index, "changtu") == "省长途客运站"  # 长途, not zhang tu


def test_whole_names_rank_above_starts_and_starts_above_later_parts(index: SearchIndex) -> None:
    hits = index.search("中")
    starts = [h for h in hits if h.entry.name.startswith("中")]
    later = [h for h in hits if not h.entry.name.startswith("中")]
    assert starts and all(h.score == 95 for h in starts)
    assert all(h.score < 95 for h in later)
    assert hits[0].entry.name == "中心广场"  # three lines: the most important start
    assert index.search("医院")[0].score == index.search("医院")[1].score == 85.0


def test_importance_then_distance_break_ties(index: SearchIndex) -> None:
    # 中央大街 twice: the one with more lines first; with equal importance, the nearer.
    hits = [h for h in index.search("中央大街") if h.entry.name == "中央大街"]
    assert hits[0].entry.id == "ZY1"  # serves line 1 (ZY3 serves 5: a tie on lines)
    near_far = [
        h for h in index.search("中央大街", near=(41.2, 121.2)) if h.entry.name == "中央大街"
    ]
    assert near_far[0].entry.id == "ZY3" and near_far[0].distance_m is not None
    assert near_far[0].distance_m < 100


def test_a_blank_query_finds_nothing(index: SearchIndex) -> None:
    assert index.search("   ") == []
    assert index.search("!!!") == []


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=30))
def test_any_query_is_answered_in_order(q: str) -> None:
    idx = SearchIndex.build(group_stations(STOPS, ROUTES_AT), [("1", "1路", 1.0)])
    hits = idx.search(q, limit=5)
    assert len(hits) <= 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_nearby_finds_stations_within_the_radius_nearest_first() -> None:
    near = NearbyIndex(group_stations(STOPS, ROUTES_AT))
    found = near.around(41.1200, 121.1300, 800)
    names = [n.station.name for n in found]
    assert names[0] == "中心广场" and found[0].distance_m < 5
    assert "中央大街" in names and "新华广场" not in names
    assert [n.distance_m for n in found] == sorted(n.distance_m for n in found)
    assert near.around(41.1200, 121.1300, 0) == []
