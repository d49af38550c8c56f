"""GET /api/v1/stops/{stop_id}/arrivals on the tiny feed, with a hand-made live picture
(the one the GTFS-Realtime tests use: Monday 2026-11-30, 06:22 in Jinzhou)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from busbrain.api import create_app
from busbrain.domain.live import LiveSnapshot
from busbrain.network_io.importer import import_feed
from busbrain.wiring import Store, open_store
from tests.api.test_gtfsrt import NOW, SNAPSHOT, local
from tests.tinyfeed import TinyFeed


@pytest.fixture
def store(tmp_path: Path, tiny: TinyFeed) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'arrivals.db'}")
    import_feed(tiny.folder(), s.network, now=dt.datetime(2026, 11, 29, tzinfo=dt.UTC))
    yield s
    s.close()


def board(store: Store, stop: str, at: float, snapshot: LiveSnapshot | None) -> Any:
    app = create_app(
        store.queries, live=lambda: snapshot, schedule=store.schedule, clock=lambda: at
    )
    r = TestClient(app).get(f"/api/v1/stops/{stop}/arrivals")
    assert r.status_code == 200, r.text
    return r.json()


def line(body: Any, route: str, direction: int) -> Any:
    return next(
        x for x in body["lines"] if x["route_id"] == route and x["direction_id"] == direction
    )


def test_live_buses_come_with_minutes_stops_away_and_age(store: Store) -> None:
    body = board(store, "S_A", NOW, SNAPSHOT)
    assert body["name"] == "中央大街" and body["stop_ids"] == ["A1", "A2"]
    back = line(body, "R1", 1)  # T2 on its way to A2
    a = back["arrivals"][0]
    assert a["live"] and a["vehicle_id"] == "V1" and a["label"] == "辽G12345"
    # heading for C1, then A2: two stops to go, as riders count them
    assert a["minutes"] == 9 and a["stops_away"] == 2 and a["prediction_age_s"] == 3
    assert back["live_status"] == "live" and back["line"] == "1路"
    assert back["headsign"] == "中央大街"
    out = line(body, "R2", 0)  # T4 waiting at A1 until 07:00
    b = out["arrivals"][0]
    assert b["live"] and b["minutes"] == 38 and b["not_yet_departed"] is True
    assert b["arriving"] is False
    assert out["first_bus_unix"] == round(local(7, 0)) == out["last_bus_unix"]
    assert out["last_bus_gone"] is False


def test_without_live_data_the_timetable_shows_and_says_so(store: Store) -> None:
    body = board(store, "A2", local(6, 5), None)
    back = line(body, "R1", 1)
    a = back["arrivals"][0]
    assert a["live"] is False and a["trip_id"] == "T2" and a["not_yet_departed"] is True
    assert a["minutes"] == 25
    # T1 runs 06:00-06:10 on line 1: buses should be out and none reports.
    assert back["live_status"] == "lost"


def test_after_the_last_bus_the_board_says_it_has_gone(store: Store) -> None:
    body = board(store, "E1", local(8, 0), None)
    out = line(body, "R2", 0)
    assert out["arrivals"] == [] and out["last_bus_gone"] is True
    assert out["live_status"] == "none"


def test_an_absurd_prediction_is_never_shown(store: Store) -> None:
    body = board(store, "F1", NOW, SNAPSHOT)
    shown = [a for ln in body["lines"] for a in ln["arrivals"]]
    assert all(a["arrival_unix"] < NOW + 3 * 3600 for a in shown)
    assert not any(a["live"] for a in shown)  # V3's F1 prediction was nine hours off


def test_unknown_stops_get_404(store: Store) -> None:
    app = create_app(store.queries, schedule=store.schedule, clock=lambda: NOW)
    r = TestClient(app).get("/api/v1/stops/NOPE/arrivals")
    assert r.status_code == 404 and "NOPE" in r.json()["detail"]
    bad = TestClient(app).get("/api/v1/stops/A1/arrivals", params={"per_line": 0})
    assert bad.status_code == 422 and "per_line" in bad.text


def test_lines_are_listed_in_number_order() -> None:
    from busbrain.api.ordering import natural_key

    assert sorted(["12路", "4路", "K1路", "1路"], key=natural_key) == ["1路", "4路", "12路", "K1路"]


def test_crowding_comes_from_the_counters_load_when_known(store: Store) -> None:
    import dataclasses

    from tests.api.test_gtfsrt import V1

    for percent, word in ((None, None), (35, "comfortable"), (75, "busy"), (96, "crowded")):
        snap = LiveSnapshot(NOW, (dataclasses.replace(V1, occupancy_percent=percent),))
        a = line(board(store, "S_A", NOW, snap), "R1", 1)["arrivals"][0]
        assert a["live"] and a["crowding"] == word, percent
    scheduled = line(board(store, "A2", local(6, 5), None), "R1", 1)["arrivals"][0]
    assert scheduled["crowding"] is None
