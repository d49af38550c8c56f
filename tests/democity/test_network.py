"""The demo feed's network: routes, stations and poles, names, shapes."""

from __future__ import annotations

import itertools
import math
import re
from collections import defaultdict

from .helpers import Feed, Row, haversine, local, project, side

CHINESE = re.compile(r"^[\u4e00-\u9fff]+$")


def _f(row: Row, key: str) -> float:
    return float(str(row[key]))


def test_route_and_stop_counts(feed: Feed) -> None:
    routes = feed["routes.txt"]
    poles = [s for s in feed["stops.txt"] if s["location_type"] == 0]
    assert 40 <= len(routes) <= 60
    assert 800 <= len(poles) <= 1500
    assert all(r["route_type"] == 3 for r in routes)
    assert len({r["route_id"] for r in routes}) == len(routes)


def test_route_names_and_colours(feed: Feed) -> None:
    shorts = [str(r["route_short_name"]) for r in feed["routes.txt"]]
    assert any(s.isdigit() for s in shorts)
    assert any(s[0] in "KY" and s[1:].isdigit() for s in shorts)
    for r in feed["routes.txt"]:
        long_name = str(r["route_long_name"])
        assert CHINESE.match(long_name), long_name
        assert "至" in long_name or long_name.endswith("环线")
        for key in ("route_color", "route_text_color"):
            assert re.fullmatch(r"[0-9A-F]{6}", str(r[key]))
        assert r["route_color"] != r["route_text_color"]


def test_stop_names_are_chinese_without_dashes(feed: Feed) -> None:
    names = [str(s["stop_name"]) for s in feed["stops.txt"]]
    names += [str(t["trip_headsign"]) for t in feed["trips.txt"]]
    for name in names:
        assert CHINESE.match(name), name
        assert "-" not in name and "—" not in name
    stations = [s for s in feed["stops.txt"] if s["location_type"] == 1]
    assert len({s["stop_name"] for s in stations}) == len(stations)
    for real in ("锦州站", "锦州南站", "渤海大学", "古塔公园", "百货大楼", "锦州港"):
        assert real in names


def test_poles_on_both_sides_under_one_parent(feed: Feed, stops: dict[str, Row]) -> None:
    children: dict[str, list[Row]] = defaultdict(list)
    for s in feed["stops.txt"]:
        if s["location_type"] == 0:
            children[str(s["parent_station"])].append(s)
        else:
            assert s["location_type"] == 1 and s["parent_station"] == ""
    codes = [s["stop_code"] for v in children.values() for s in v]
    assert len(set(codes)) == len(codes) and all(str(c).isdigit() for c in codes)
    pairs = 0
    for parent_id, poles in children.items():
        parent = stops[parent_id]
        assert parent["location_type"] == 1
        assert len({p["stop_id"] for p in poles}) == len(poles) <= 2
        for p in poles:
            assert p["stop_name"] == parent["stop_name"]
            d = haversine(
                _f(p, "stop_lat"), _f(p, "stop_lon"), _f(parent, "stop_lat"), _f(parent, "stop_lon")
            )
            assert d < 60
        if len(poles) == 2:
            pairs += 1
            a, b = poles
            gap = haversine(
                _f(a, "stop_lat"), _f(a, "stop_lon"), _f(b, "stop_lat"), _f(b, "stop_lon")
            )
            assert 12 <= gap <= 40, (parent_id, gap)
    assert pairs >= 0.9 * len(children)


def _shape_line(rows: list[Row]) -> tuple[list[tuple[float, float]], list[float]]:
    pts = [local(_f(r, "shape_pt_lat"), _f(r, "shape_pt_lon")) for r in rows]
    return pts, [_f(r, "shape_dist_traveled") for r in rows]


def test_each_route_has_two_directions_with_own_shapes(feed: Feed) -> None:
    by_route: dict[str, set[tuple[int, str]]] = defaultdict(set)
    for t in feed["trips.txt"]:
        by_route[str(t["route_id"])].add((int(str(t["direction_id"])), str(t["shape_id"])))
    assert set(by_route) == {r["route_id"] for r in feed["routes.txt"]}
    for pairs in by_route.values():
        assert len(pairs) == 2
        assert {d for d, _ in pairs} == {0, 1}
        assert len({s for _, s in pairs}) == 2


def test_shape_distances_match_geometry(shapes: dict[str, list[Row]]) -> None:
    for shape_id, rows in shapes.items():
        total = 0.0
        prev = None
        for r in rows:
            lat, lon, d = _f(r, "shape_pt_lat"), _f(r, "shape_pt_lon"), _f(r, "shape_dist_traveled")
            if prev is None:
                assert d == 0
            else:
                step = haversine(prev[0], prev[1], lat, lon)
                assert 0.5 < step < 100, shape_id  # distinct, densely sampled points
                total += step
                assert d > prev[2]
                assert abs(d - total) < 0.5, (shape_id, d, total)
            prev = (lat, lon, d)


def test_shapes_follow_streets(
    shapes: dict[str, list[Row]],
    stop_times_by_trip: dict[str, list[Row]],
    one_trip_per_shape: dict[str, str],
) -> None:
    turning = 0
    for shape_id, rows in shapes.items():
        calls = stop_times_by_trip[one_trip_per_shape[shape_id]]
        assert len(rows) >= 3 * len(calls)
        pts, _ = _shape_line(rows)
        headings = [math.atan2(b[1] - a[1], b[0] - a[0]) for a, b in itertools.pairwise(pts)]
        turns = [
            abs((h2 - h1 + math.pi) % (2 * math.pi) - math.pi)
            for h1, h2 in itertools.pairwise(headings)
        ]
        turning += any(t > math.radians(60) for t in turns)
    assert turning >= 0.8 * len(shapes)


def test_stops_lie_on_their_shapes(
    shapes: dict[str, list[Row]],
    stops: dict[str, Row],
    stop_times_by_trip: dict[str, list[Row]],
    one_trip_per_shape: dict[str, str],
) -> None:
    for shape_id, trip_id in one_trip_per_shape.items():
        line, cum = _shape_line(shapes[shape_id])
        calls = stop_times_by_trip[trip_id]
        dists = [_f(c, "shape_dist_traveled") for c in calls]
        assert all(b > a for a, b in itertools.pairwise(dists)), shape_id
        assert dists[-1] <= cum[-1]
        for call, d in zip(calls, dists, strict=True):
            stop = stops[str(call["stop_id"])]
            p = local(_f(stop, "stop_lat"), _f(stop, "stop_lon"))
            arc, gap = project(p, line, cum, d - 100, d + 100)
            assert gap < 30, (shape_id, call["stop_id"], gap)
            assert abs(arc - d) < 3, (shape_id, call["stop_id"], arc, d)
            i = max(
                0, min(len(line) - 2, next(k for k in range(len(cum) - 1) if cum[k + 1] >= arc))
            )
            assert side(p, line[i], line[i + 1]) < 0, "poles stand on the right-hand kerb"


def test_other_seeds_stay_in_range() -> None:
    """A few other seeds lay out cities of the same size (without building timetables)."""
    from busbrain.democity.city import build_city

    for seed in (1, 2, 3):
        city = build_city(seed)
        assert 40 <= len(city.routes) <= 60, seed
        assert 800 <= len(city.poles) <= 1500, seed
