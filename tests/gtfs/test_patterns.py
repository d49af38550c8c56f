"""Patterns from trips; shapes for feeds without them; stop distances along shapes."""

from __future__ import annotations

import polars as pl
import pytest

from busbrain.gtfs.patterns import build_network
from tests.gtfs.helpers import load
from tests.tinyfeed import TinyFeed


def test_trips_with_the_same_stops_and_shape_share_a_pattern(tiny: TinyFeed) -> None:
    feed, _ = load(tiny.folder())
    net = build_network(feed)
    tp = dict(net.trip_patterns.iter_rows())
    assert tp["T1"] == tp["T3"]
    assert len({tp["T1"], tp["T2"], tp["T4"]}) == 3
    pat = net.patterns.filter(pl.col("pattern_id") == tp["T1"]).row(0, named=True)
    assert (pat["route_id"], pat["direction_id"], pat["stop_count"], pat["trip_count"]) == (
        "R1",
        0,
        4,
        2,
    )
    assert pat["headsign"] == "医科大学"


def test_trips_without_shape_get_a_derived_one_through_their_stops(tiny: TinyFeed) -> None:
    feed, _ = load(tiny.folder())
    net = build_network(feed)
    derived = net.shapes.filter(pl.col("derived"))["shape_id"].to_list()
    assert sorted(derived) == ["busbrain:R1:1:1", "busbrain:R2:0:1"]
    pts = net.shape_points.filter(pl.col("shape_id") == "busbrain:R2:0:1")
    assert pts.height == 3  # A1, E1, F1


def test_feed_without_shapes_at_all(tiny: TinyFeed) -> None:
    tiny.drop("shapes.txt").set("trips.txt", tiny.files["trips.txt"].replace(",SH1", ","))
    feed, findings = load(tiny.folder())
    assert not findings.notices.has_errors
    net = build_network(feed)
    assert net.shapes["derived"].all()
    assert net.patterns["shape_id"].null_count() == 0


def test_stop_distances_follow_the_shape(tiny: TinyFeed) -> None:
    feed, _ = load(tiny.folder())
    net = build_network(feed)
    ps = net.pattern_stops.filter(pl.col("pattern_id") == "R1:0:1").sort("stop_index")
    d = ps["dist_m"].to_list()
    # A1 at the start; B1 500 m east; C1 at the corner (1,005 m); D1 667 m north of it.
    assert d[0] == pytest.approx(0, abs=15)
    assert d[1] == pytest.approx(503, rel=0.02)
    assert d[2] == pytest.approx(1006, rel=0.02)
    assert d[3] == pytest.approx(1006 + 667, rel=0.02)
    assert ps["offset_m"].max() < 15


def test_calendar_dates_only_feed_builds(tiny: TinyFeed) -> None:
    tiny.drop("calendar.txt").set(
        "calendar_dates.txt", "service_id,date,exception_type\nWD,20261002,1\n"
    )
    feed, findings = load(tiny.folder())
    assert not findings.notices.has_errors
    assert build_network(feed).trip_patterns.height == 4
