"""GET /api/v1/stops/nearby and /api/v1/stops/search on the tiny feed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from busbrain.api import create_app
from busbrain.network_io.importer import import_feed
from busbrain.wiring import open_store
from tests.tinyfeed import TinyFeed


@pytest.fixture
def client(tmp_path: Path, tiny: TinyFeed) -> Iterator[TestClient]:
    store = open_store(f"sqlite:///{tmp_path / 'stops.db'}")
    import_feed(tiny.folder(), store.network, now=dt.datetime(2026, 11, 29, tzinfo=dt.UTC))
    yield TestClient(create_app(store.queries))
    store.close()


def test_nearby_groups_poles_into_stations_with_their_lines(client: TestClient) -> None:
    r = client.get(
        "/api/v1/stops/nearby", params={"lat": 41.1200, "lon": 121.1300, "radius_m": 550}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    first = body["stations"][0]
    assert first["name"] == "中央大街" and first["pinyin"] == "zhong yang da jie"
    assert first["stop_ids"] == ["A1", "A2"]
    assert {line["name"] for line in first["lines"]} == {"1路", "2路"}
    assert first["distance_m"] < 5
    names = [s["name"] for s in body["stations"]]
    assert "解放路口" in names  # 503 m east
    assert "古塔公园" not in names and "北普陀山" not in names  # 667 m and 1.3 km
    far = client.get(
        "/api/v1/stops/nearby", params={"lat": 41.12, "lon": 121.13, "radius_m": 2000}
    ).json()
    assert "北普陀山" in [s["name"] for s in far["stations"]]


@pytest.mark.parametrize("q", ["中央大街", "zhongyangdajie", "zydj", "中央dj", "zhongyangdajei"])
def test_search_finds_a_station_however_typed(client: TestClient, q: str) -> None:
    r = client.get("/api/v1/stops/search", params={"q": q})
    assert r.status_code == 200, r.text
    top = r.json()["results"][0]
    assert top["kind"] == "station" and top["name"] == "中央大街"
    assert top["stop_ids"] == ["A1", "A2"]


def test_search_finds_lines_and_sorts_by_distance_when_asked(client: TestClient) -> None:
    lines = client.get("/api/v1/stops/search", params={"q": "1"}).json()["results"]
    assert lines[0]["kind"] == "line" and lines[0]["name"] == "1路"
    near = client.get(
        "/api/v1/stops/search", params={"q": "北普陀山", "lat": 41.132, "lon": 121.13}
    ).json()["results"]
    assert near[0]["distance_m"] < 50


@pytest.mark.parametrize(
    ("path", "params", "names"),
    [
        ("/api/v1/stops/nearby", {"lat": 100, "lon": 121}, "lat"),
        ("/api/v1/stops/nearby", {"lat": 41}, "lon"),
        ("/api/v1/stops/nearby", {"lat": 41, "lon": 121, "radius_m": -5}, "radius_m"),
        ("/api/v1/stops/search", {}, "q"),
        ("/api/v1/stops/search", {"q": "x" * 65}, "q"),
        ("/api/v1/stops/search", {"q": "a", "limit": 0}, "limit"),
        ("/api/v1/stops/search", {"q": "a", "lat": 41}, "lat and lon"),
    ],
)
def test_bad_parameters_get_422_naming_them(
    client: TestClient, path: str, params: dict[str, object], names: str
) -> None:
    r = client.get(path, params=params)
    assert r.status_code == 422
    assert names in r.text
