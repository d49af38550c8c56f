"""The network API over a small hand-made network (two lines through Jinzhou, 锦州)."""

from __future__ import annotations

import ast
import datetime as dt
import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from busbrain.api import create_app
from busbrain.api.colors import PALETTE
from busbrain.domain.network import (
    Agency,
    LocationType,
    Pattern,
    PatternStop,
    Route,
    Shape,
    ShapePoint,
    Stop,
    Trip,
)
from busbrain.store.memory import InMemoryNetworkQueries
from busbrain.store.ports import NetworkQueries, NetworkSummary

API_PACKAGE = Path(__file__).resolve().parents[2] / "src" / "busbrain" / "api"
IMPORTED_AT = dt.datetime(2025, 11, 29, 8, 30, tzinfo=dt.UTC)


def _stop(
    stop_id: str,
    name: str,
    pinyin: str,
    lat: float,
    lon: float,
    *,
    code: str | None = None,
    kind: LocationType = LocationType.STOP,
    parent: str | None = None,
) -> Stop:
    return Stop(stop_id, name, pinyin, lat, lon, code, kind, parent)


STOPS = [
    _stop("HCZ", "火车站", "huo che zhan", 41.1045, 121.1410, kind=LocationType.STATION),
    _stop("HCZ_N", "火车站", "huo che zhan", 41.10465, 121.14100, code="1001", parent="HCZ"),
    _stop("HCZ_S", "火车站", "huo che zhan", 41.10435, 121.14100, code="1002", parent="HCZ"),
    _stop(
        "HCZ_E1",
        "火车站东口",
        "huo che zhan dong kou",
        41.1046,
        121.1420,
        kind=LocationType.ENTRANCE,
    ),
    _stop("ZYDJ_E", "中央大街", "zhong yang da jie", 41.11520, 121.13010, code="1011"),
    _stop("ZYDJ_W", "中央大街", "zhong yang da jie", 41.11500, 121.12990, code="1012"),
    _stop("BHDX", "渤海大学", "bo hai da xue", 41.1302, 121.1105, code="1021"),
    _stop("GTGY", "古塔公园", "gu ta gong yuan", 41.1201, 121.1502),
]


def _shape(shape_id: str, lonlats: list[tuple[float, float]]) -> Shape:
    points = []
    dist = 0.0
    for i, (lon, lat) in enumerate(lonlats):
        if i:
            dist += 100.0  # distances play no part here
        points.append(ShapePoint(lat=lat, lon=lon, dist_m=dist))
    return Shape(shape_id, tuple(points))


SHAPE_1_OUT = _shape(
    "sh1-out",
    [
        (121.1410001234, 41.1046512345),
        (121.1350, 41.1100),
        (121.1301, 41.1152),
        (121.1105, 41.1302),
    ],
)
SHAPE_1_BACK = _shape("sh1-back", [(121.1105, 41.1302), (121.1299, 41.1150), (121.1410, 41.10435)])
SHAPE_2 = _shape("sh2", [(121.1410, 41.10435), (121.1450, 41.1100), (121.1502, 41.1201)])

ROUTES = [
    Route("R10", "jzgj", "10路", "火车站—机场", 3),  # no patterns
    Route("R2", "jzgj", "2路", None, 3),  # no colour: the palette gives one
    Route("R1", "jzgj", "1路", "火车站—渤海大学", 3, color="e53935", text_color="FFFFFF"),
]

PATTERNS = [
    Pattern(
        "P1-0",
        "R1",
        0,
        "sh1-out",
        "渤海大学",
        (
            PatternStop("HCZ_N", 0.0),
            PatternStop("ZYDJ_E", 200.0),
            PatternStop("BHDX", 300.0),
        ),
    ),
    Pattern(
        "P1-1",
        "R1",
        1,
        "sh1-back",
        "火车站",
        (
            PatternStop("BHDX", 0.0),
            PatternStop("ZYDJ_W", 100.0),
            PatternStop("HCZ_S", 200.0),
        ),
    ),
    Pattern(
        "P2-0",
        "R2",
        0,
        "sh2",
        "古塔公园",
        (
            PatternStop("HCZ_S", 0.0),
            PatternStop("GTGY", 200.0),
        ),
    ),
    # a shape the store does not have: the line follows the stops instead
    Pattern(
        "P2-1",
        "R2",
        1,
        "no-such-shape",
        "火车站",
        (
            PatternStop("GTGY", 0.0),
            PatternStop("HCZ_N", 200.0),
        ),
    ),
]

TRIPS = [
    Trip("T1", "R1", "WK", "P1-0", "渤海大学", 0),
    Trip("T2", "R1", "WK", "P1-1", "火车站", 1),
    Trip("T3", "R2", "WK", "P2-0", "古塔公园", 0),
]


def sample_queries() -> InMemoryNetworkQueries:
    return InMemoryNetworkQueries(
        agencies=[Agency("jzgj", "锦州公交", "https://example.invalid", "Asia/Shanghai", "zh")],
        routes=ROUTES,
        stops=STOPS,
        patterns=PATTERNS,
        shapes=[SHAPE_1_OUT, SHAPE_1_BACK, SHAPE_2],
        trips=TRIPS,
        stop_times=8,
        source="jinzhou-test.zip",
        imported_at=IMPORTED_AT,
    )


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(sample_queries())) as c:
        yield c


def _features(client: TestClient, url: str) -> list[dict[str, Any]]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    features: list[dict[str, Any]] = body["features"]
    for feature in features:
        assert feature["type"] == "Feature"
        assert set(feature) == {"type", "id", "geometry", "properties"}
    return features


def _by(features: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {f["properties"][key]: f for f in features}


# ---- health, summary, route list ----


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_summary_counts_and_bbox(client: TestClient) -> None:
    body = client.get("/api/v1/network/summary").json()
    assert {k: body[k] for k in ("agencies", "routes", "stops", "patterns", "trips")} == {
        "agencies": 1,
        "routes": 3,
        "stops": len(STOPS),
        "patterns": 4,
        "trips": 3,
    }
    assert body["stop_times"] == 8
    assert body["shapes"] == 3
    assert body["source"] == "jinzhou-test.zip"
    assert dt.datetime.fromisoformat(body["imported_at"]) == IMPORTED_AT
    bbox = body["bbox"]
    assert bbox["min_lon"] == pytest.approx(121.1105)
    assert bbox["max_lon"] == pytest.approx(121.1502)
    assert bbox["min_lat"] == pytest.approx(41.10435)
    assert bbox["max_lat"] == pytest.approx(41.1302)


def test_summary_of_an_empty_network_has_no_bbox() -> None:
    empty = InMemoryNetworkQueries([], [], [], [], [], [])
    with TestClient(create_app(empty)) as c:
        body = c.get("/api/v1/network/summary").json()
        assert body["bbox"] is None
        assert body["routes"] == 0
        assert c.get("/api/v1/network/routes.geojson").json()["features"] == []
        assert c.get("/api/v1/network/stops.geojson").json()["features"] == []
        assert c.get("/api/v1/routes").json() == []


def test_route_list_is_in_natural_order_with_colours_and_counts(client: TestClient) -> None:
    routes = client.get("/api/v1/routes").json()
    assert [r["short_name"] for r in routes] == ["1路", "2路", "10路"]
    by_id = {r["route_id"]: r for r in routes}
    assert by_id["R1"]["color"] == "#E53935"
    assert by_id["R1"]["text_color"] == "#FFFFFF"
    assert by_id["R1"]["pattern_count"] == 2
    assert by_id["R1"]["headsigns"] == ["渤海大学", "火车站"]
    assert by_id["R2"]["color"] in PALETTE
    assert by_id["R2"]["text_color"] in {"#000000", "#FFFFFF"}
    assert by_id["R10"]["pattern_count"] == 0
    assert by_id["R10"]["long_name"] == "火车站—机场"


# ---- routes.geojson ----


def test_one_line_per_pattern_along_its_shape_as_lon_lat(client: TestClient) -> None:
    lines = _by(_features(client, "/api/v1/network/routes.geojson"), "pattern_id")
    assert set(lines) == {"P1-0", "P1-1", "P2-0", "P2-1"}
    for pattern_id, shape in (("P1-0", SHAPE_1_OUT), ("P1-1", SHAPE_1_BACK), ("P2-0", SHAPE_2)):
        geometry = lines[pattern_id]["geometry"]
        assert geometry["type"] == "LineString"
        assert geometry["coordinates"] == [[round(p.lon, 6), round(p.lat, 6)] for p in shape.points]
        for lon, lat in geometry["coordinates"]:  # [lon, lat], not [lat, lon]
            assert 121 < lon < 122
            assert 41 < lat < 42


def test_coordinates_are_rounded_to_six_decimals(client: TestClient) -> None:
    lines = _by(_features(client, "/api/v1/network/routes.geojson"), "pattern_id")
    assert lines["P1-0"]["geometry"]["coordinates"][0] == [121.141, 41.104651]


def test_a_pattern_without_its_shape_follows_its_stops(client: TestClient) -> None:
    lines = _by(_features(client, "/api/v1/network/routes.geojson"), "pattern_id")
    assert lines["P2-1"]["geometry"]["coordinates"] == [[121.1502, 41.1201], [121.141, 41.10465]]


def test_line_properties(client: TestClient) -> None:
    lines = _by(_features(client, "/api/v1/network/routes.geojson"), "pattern_id")
    p = lines["P1-0"]["properties"]
    assert lines["P1-0"]["id"] == "P1-0"
    assert p["route_id"] == "R1"
    assert p["short_name"] == "1路"
    assert p["long_name"] == "火车站—渤海大学"
    assert p["color"] == "#E53935"
    assert p["direction_id"] == 0
    assert p["headsign"] == "渤海大学"
    assert p["stop_ids"] == ["HCZ_N", "ZYDJ_E", "BHDX"]
    assert lines["P1-1"]["properties"]["direction_id"] == 1
    # a route without a colour gets the same palette colour on every pattern and in the list
    r2 = {lines[pid]["properties"]["color"] for pid in ("P2-0", "P2-1")}
    routes = {r["route_id"]: r for r in client.get("/api/v1/routes").json()}
    assert r2 == {routes["R2"]["color"]}


def test_lines_come_in_route_order(client: TestClient) -> None:
    features = _features(client, "/api/v1/network/routes.geojson")
    assert [f["id"] for f in features] == ["P1-0", "P1-1", "P2-0", "P2-1"]


# ---- stops.geojson ----


def test_stop_poles_and_stations(client: TestClient) -> None:
    features = _features(client, "/api/v1/network/stops.geojson")
    by_id = {f["id"]: f for f in features}
    # the entrance is not a place where a bus stops
    assert set(by_id) == {"HCZ", "HCZ_N", "HCZ_S", "ZYDJ_E", "ZYDJ_W", "BHDX", "GTGY"}
    kinds = {stop_id: f["properties"]["kind"] for stop_id, f in by_id.items()}
    assert kinds.pop("HCZ") == "station"
    assert set(kinds.values()) == {"stop"}

    north = by_id["HCZ_N"]
    assert north["geometry"] == {"type": "Point", "coordinates": [121.141, 41.10465]}
    assert north["properties"] == {
        "stop_id": "HCZ_N",
        "name": "火车站",
        "name_pinyin": "huo che zhan",
        "code": "1001",
        "parent_station": "HCZ",
        "kind": "stop",
        "route_ids": ["R1", "R2"],
    }
    # both sides of the road are separate points
    assert by_id["ZYDJ_E"]["geometry"] != by_id["ZYDJ_W"]["geometry"]
    assert by_id["HCZ"]["properties"]["route_ids"] == ["R1", "R2"]
    assert by_id["GTGY"]["properties"]["code"] is None


def test_stations_can_be_left_out(client: TestClient) -> None:
    features = _features(client, "/api/v1/network/stops.geojson?include_stations=false")
    assert {f["properties"]["kind"] for f in features} == {"stop"}
    assert len(features) == 6


def test_chinese_is_sent_as_utf8_not_escaped(client: TestClient) -> None:
    raw = client.get("/api/v1/network/stops.geojson").content
    assert "渤海大学".encode() in raw


# ---- encoding and caching ----


def test_geojson_is_gzipped_and_revalidated(client: TestClient) -> None:
    url = "/api/v1/network/routes.geojson"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as zipped:
        assert zipped.headers["content-encoding"] == "gzip"
        assert gzip.decompress(b"".join(zipped.iter_raw())) == plain.content
    etag = plain.headers["etag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""


class CountingQueries:
    """Counts the calls that the GeoJSON building makes."""

    def __init__(self, inner: NetworkQueries) -> None:
        self.inner = inner
        self.calls: dict[str, int] = {}

    def _count(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1

    def summary(self) -> NetworkSummary:
        self._count("summary")
        return self.inner.summary()

    def list_agencies(self) -> list[Agency]:
        self._count("list_agencies")
        return self.inner.list_agencies()

    def list_routes(self) -> list[Route]:
        self._count("list_routes")
        return self.inner.list_routes()

    def list_stops(self) -> list[Stop]:
        self._count("list_stops")
        return self.inner.list_stops()

    def list_patterns(self) -> list[Pattern]:
        self._count("list_patterns")
        return self.inner.list_patterns()

    def list_shapes(self) -> list[Shape]:
        self._count("list_shapes")
        return self.inner.list_shapes()

    def find_trip(self, trip_id: str) -> Trip | None:
        return self.inner.find_trip(trip_id)


def test_geojson_is_built_once_per_app() -> None:
    queries = CountingQueries(sample_queries())
    with TestClient(create_app(queries)) as c:
        first = c.get("/api/v1/network/routes.geojson").content
        second = c.get("/api/v1/network/routes.geojson").content
        c.get("/api/v1/network/stops.geojson")
        c.get("/api/v1/network/stops.geojson")
        c.get("/api/v1/routes")
        c.get("/api/v1/routes")
    assert first == second
    assert queries.calls["list_shapes"] == 1
    assert queries.calls["list_stops"] == 2  # once for the lines, once for the stops
    assert queries.calls["list_routes"] == 3  # lines, stops, route list


# ---- the page and its files ----


def test_openapi_lists_the_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/healthz",
        "/api/v1/network/summary",
        "/api/v1/network/routes.geojson",
        "/api/v1/network/stops.geojson",
        "/api/v1/routes",
    ):
        assert path in paths


def test_map_page_loads_only_from_this_server(client: TestClient) -> None:
    page = client.get("/map")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    for url in ("/vendor/leaflet/leaflet.js", "/vendor/leaflet/leaflet.css", "/static/app.js"):
        assert url in html
    assert "http://" not in html and "https://" not in html
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "connect-src 'self'" in csp
    for name in ("app.js", "i18n.js", "map.js", "panel.js", "dom.js", "style.css"):
        assert client.get(f"/static/{name}").status_code == 200, name


def _web_dir(tmp_path: Path, *, with_leaflet: bool) -> Path:
    web = tmp_path / "web"
    (web / "static").mkdir(parents=True)
    (web / "index.html").write_text("<!doctype html><title>t</title>", encoding="utf-8")
    (web / "static" / "app.js").write_text("// app", encoding="utf-8")
    if with_leaflet:
        dist = web / "node_modules" / "leaflet" / "dist"
        dist.mkdir(parents=True)
        (dist / "leaflet.js").write_text("/* leaflet */", encoding="utf-8")
    return web


def test_vendor_files_come_from_node_modules(tmp_path: Path) -> None:
    web = _web_dir(tmp_path, with_leaflet=True)
    with TestClient(create_app(sample_queries(), web_dir=web)) as c:
        response = c.get("/vendor/leaflet/leaflet.js")
        assert response.status_code == 200
        assert response.text == "/* leaflet */"


def test_missing_node_modules_says_what_to_do(tmp_path: Path) -> None:
    web = _web_dir(tmp_path, with_leaflet=False)
    with TestClient(create_app(sample_queries(), web_dir=web)) as c:
        assert c.get("/").status_code == 200
        assert c.get("/static/app.js").status_code == 200
        missing = c.get("/vendor/leaflet/leaflet.js")
        assert missing.status_code == 404
        assert "npm ci" in missing.text
        assert "前端依赖包未安装" in missing.text
        # installing the packages while the server runs is enough
        dist = web / "node_modules" / "leaflet" / "dist"
        dist.mkdir(parents=True)
        (dist / "leaflet.js").write_text("/* leaflet */", encoding="utf-8")
        assert c.get("/vendor/leaflet/leaflet.js").status_code == 200


def test_api_imports_only_the_store_ports() -> None:
    offending: list[str] = []
    for path in API_PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.startswith("busbrain.store") and name != "busbrain.store.ports":
                    offending.append(f"{path.name}: {name}")
    assert offending == []
