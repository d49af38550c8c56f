"""Shared fixtures: the default demo feed, built once for the whole package of tests."""

from __future__ import annotations

import time
from collections import defaultdict

import pytest

from busbrain.democity import DEFAULT_SEED, build_demo_feed

from .helpers import Feed, Row


@pytest.fixture(scope="package")
def built() -> tuple[Feed, float]:
    """The default feed and the seconds it took to build."""
    start = time.perf_counter()
    feed = build_demo_feed(DEFAULT_SEED)
    return feed, time.perf_counter() - start


@pytest.fixture(scope="package")
def feed(built: tuple[Feed, float]) -> Feed:
    return built[0]


@pytest.fixture(scope="package")
def stops(feed: Feed) -> dict[str, Row]:
    return {str(r["stop_id"]): r for r in feed["stops.txt"]}


@pytest.fixture(scope="package")
def stop_times_by_trip(feed: Feed) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = defaultdict(list)
    for r in feed["stop_times.txt"]:
        out[str(r["trip_id"])].append(r)
    for rows in out.values():
        rows.sort(key=lambda r: int(str(r["stop_sequence"])))
    return dict(out)


@pytest.fixture(scope="package")
def shapes(feed: Feed) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = defaultdict(list)
    for r in feed["shapes.txt"]:
        out[str(r["shape_id"])].append(r)
    for rows in out.values():
        rows.sort(key=lambda r: int(str(r["shape_pt_sequence"])))
    return dict(out)


@pytest.fixture(scope="package")
def one_trip_per_shape(feed: Feed) -> dict[str, str]:
    """shape_id -> the first trip using it (all trips of a shape call at the same stops)."""
    out: dict[str, str] = {}
    for t in feed["trips.txt"]:
        out.setdefault(str(t["shape_id"]), str(t["trip_id"]))
    return out
