"""GET /api/v1/routes/{route_id}, /api/v1/vehicles and /api/v1/trips/{trip_id} with the
GTFS-Realtime tests' live picture on the tiny feed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from busbrain.api import create_app
from busbrain.network_io.importer import import_feed
from busbrain.wiring import open_store
from tests.api.test_gtfsrt import NOW, SNAPSHOT, local
from tests.tinyfeed import TinyFeed


@pytest.fixture
def client(tmp_path: Path, tiny: TinyFeed) -> Iterator[TestClient]:
    store = open_store(f"sqlite:///{tmp_path / 'lines.db'}")
    import_feed(tiny.folder(), store.network, now=dt.datetime(2026, 11, 29, tzinfo=dt.UTC))
    app = create_app(
        store.queries, live=lambda: SNAPSHOT, schedule=store.schedule, clock=lambda: NOW
    )
    yield TestClient(app)
    store.close()


def test_a_line_shows_its_stops_in_order_and_its_buses_between_them(client: TestClient) -> None:
    r = client.get("/api/v1/routes/R1")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["line"] == "1路" and body["live_buses"] == 1
    out, back = body["directions"]
    assert [s["name"] for s in out["stops"]] == ["中央大街", "解放路口", "锦州站", "医科大学"]
    assert out["stops"][0]["pinyin"] == "zhong yang da jie"
    assert [s["stop_id"] for s in back["stops"]] == ["D1", "C1", "A2"]
    bus = back["buses"][0]
    assert bus["vehicle_id"] == "V1" and bus["next_stop_id"] == "C1"
    assert bus["next_stop_sequence"] == 2 and bus["delay_s"] == 30
    assert out["departures_unix"] == [round(local(6, 0)), round(local(0, 40)) + 86_400]
    assert out["stops"][2]["lat"] == pytest.approx(41.12) and out["stops"][2]["lon"] == 121.142
    # V1 is 280 m past D1 (stop 1) and 390 m short of C1 (stop 2)
    assert bus["strip_at"] == pytest.approx(1.42, abs=0.02)


def test_a_bus_standing_at_a_stop_sits_on_it_and_a_loop_picks_the_nearer_visit() -> None:
    from busbrain.api.cache import Finder
    from busbrain.api.routes.lines import strip_at
    from busbrain.domain.live import StopStatus, VehicleLive

    poles = {"A": (41.0, 121.0), "B": (41.0, 121.01), "C": (41.0, 121.02)}
    finder = Finder({}, None, None, {}, {}, poles)  # type: ignore[arg-type]
    loop = ["A", "B", "C", "B", "A"]
    standing = VehicleLive(
        "V", 0, 41.0, 121.01, stop_id="B", stop_sequence=4, status=StopStatus.STOPPED_AT
    )
    assert strip_at(standing, loop, finder) == 4.0
    # on the way back, a quarter of the way from C to B
    moving = VehicleLive("V", 0, 41.0, 121.0175, stop_id="B", stop_sequence=4)
    assert strip_at(moving, loop, finder) == pytest.approx(3.25, abs=0.01)
    elsewhere = VehicleLive("V", 0, 41.0, 121.0, stop_id="Z", stop_sequence=2)
    assert strip_at(elsewhere, loop, finder) is None


def test_live_vehicles_are_listed_with_their_report_age(client: TestClient) -> None:
    body = client.get("/api/v1/vehicles").json()
    ids = [v["vehicle_id"] for v in body["vehicles"]]
    assert ids == ["V1", "V2", "V3"]
    v1 = body["vehicles"][0]
    assert v1["line"] == "1路" and v1["speed_kmh"] == pytest.approx(28.8)
    assert v1["fix_age_s"] == 5 and v1["status"] == "IN_TRANSIT_TO"


def test_a_trip_shows_its_calls_with_schedule_and_prediction(client: TestClient) -> None:
    body = client.get("/api/v1/trips/T2").json()
    assert body["runs_today"] and body["vehicle"]["vehicle_id"] == "V1"
    calls = {c["stop_id"]: c for c in body["calls"]}
    assert calls["A2"]["scheduled_unix"] == round(local(6, 30))
    assert calls["A2"]["predicted_unix"] == round(local(6, 31))
    assert calls["D1"]["predicted_unix"] is None  # already passed


@pytest.mark.parametrize("path", ["/api/v1/routes/R9", "/api/v1/trips/T9"])
def test_unknown_ids_get_404_with_a_message(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert path.rsplit("/", 1)[1] in r.json()["detail"]
