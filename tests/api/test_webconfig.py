"""GET /api/v1/web/config (the map page's base map) and the content security policy that
goes with it: tile servers are allowed for images only when a base map is configured."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from busbrain.api import create_app
from busbrain.api.headers import CONTENT_SECURITY_POLICY
from busbrain.api.routes.webconfig import TileConfig
from busbrain.config import Settings
from busbrain.domain.errors import BadInputError
from busbrain.store.memory import InMemoryNetworkQueries
from busbrain.wiring import tile_config

AMAP = (
    "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
    "&x={x}&y={y}&z={z}"
)


def _client(tiles: TileConfig | None) -> TestClient:
    return TestClient(create_app(InMemoryNetworkQueries([], [], [], [], [], []), tiles=tiles))


def _img_src(client: TestClient, path: str) -> list[str]:
    policy: str = client.get(path).headers["content-security-policy"]
    directives = {d.split()[0]: d.split()[1:] for d in policy.split("; ")}
    return directives["img-src"]


def test_without_a_base_map_the_page_gets_none_and_the_policy_is_unchanged() -> None:
    client = _client(None)
    r = client.get("/api/v1/web/config")
    assert r.status_code == 200
    assert r.json() == {"tiles": None}
    for path in ("/api/v1/web/config", "/map", "/static/app.js"):
        assert client.get(path).headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert _img_src(client, "/map") == ["'self'", "data:"]
    assert "img-src 'self' data:;" in CONTENT_SECURITY_POLICY


def test_the_configured_base_map_is_served_and_its_tile_servers_allowed_for_images() -> None:
    tiles = TileConfig(url=AMAP, crs="gcj02", attribution="© 高德地图", subdomains="1234")
    client = _client(tiles)
    assert client.get("/api/v1/web/config").json() == {
        "tiles": {
            "url": AMAP,
            "crs": "gcj02",
            "attribution": "© 高德地图",
            "subdomains": ["1", "2", "3", "4"],
        }
    }
    servers = [f"https://webrd0{n}.is.autonavi.com" for n in "1234"]
    for path in ("/map", "/api/v1/web/config"):
        assert _img_src(client, path) == ["'self'", "data:", *servers]
        policy = client.get(path).headers["content-security-policy"]
        # images only: scripts, styles and fetches stay on this server
        for directive in ("default-src", "script-src", "style-src", "connect-src"):
            assert f"{directive} 'self';" in policy
        assert "autonavi" not in policy.replace("img-src 'self' data: " + " ".join(servers), "")


def test_tile_servers_are_read_from_the_template() -> None:
    one = TileConfig(url="http://Tiles.Example.org:8080/{z}/{x}/{y}.png")
    assert one.origins() == ("http://tiles.example.org:8080",)
    listed = TileConfig(url="https://{s}.tile.example.org/{z}/{x}/{y}.png", subdomains="a, b")
    assert listed.subdomain_list() == ["a", "b"]
    assert listed.origins() == ("https://a.tile.example.org", "https://b.tile.example.org")
    # tiles on this server (behind the same proxy): nothing to add to the policy
    local = TileConfig(url="/tiles/{z}/{x}/{y}.png")
    assert local.origins() == ()
    assert _img_src(_client(local), "/map") == ["'self'", "data:"]


@pytest.mark.parametrize(
    "url",
    [
        "ftp://tiles.example.org/{z}/{x}/{y}.png",
        "tiles.example.org/{z}/{x}/{y}.png",
        "//tiles.example.org/{z}/{x}/{y}.png",
        "https://{z}.example.org/{x}/{y}.png",
        "https://*.example.org/{z}/{x}/{y}.png",
    ],
)
def test_a_tile_url_that_is_not_a_template_of_one_origin_is_refused(url: str) -> None:
    with pytest.raises(ValueError):
        TileConfig(url=url)


def test_settings_make_the_base_map() -> None:
    assert tile_config(Settings()) is None
    tiles = tile_config(Settings(tile_url=AMAP, tile_crs="gcj02", tile_attribution="© 高德地图"))
    assert tiles == TileConfig(url=AMAP, crs="gcj02", attribution="© 高德地图", subdomains="1234")
    with pytest.raises(BadInputError, match="BUSBRAIN_TILE_URL"):
        tile_config(Settings(tile_url="https://{s}.example.org/{z}/{x}/{y}", tile_subdomains=""))


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUSBRAIN_TILE_URL", AMAP)
    monkeypatch.setenv("BUSBRAIN_TILE_CRS", "gcj02")
    monkeypatch.setenv("BUSBRAIN_TILE_SUBDOMAINS", "12")
    tiles = tile_config(Settings())
    assert tiles is not None
    assert (tiles.url, tiles.crs, tiles.subdomain_list()) == (AMAP, "gcj02", ["1", "2"])
