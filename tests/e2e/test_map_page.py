"""The map page in a real browser: headless Chromium against uvicorn on a localhost port.

Chromium is driven over the DevTools protocol (on a pipe, see cdp.py): the tests see every
request the page makes and every error it reports, click like a person, and take
screenshots. Once drawn, app.js writes what it drew into <body data-*>.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from busbrain.api import create_app
from busbrain.api.web import DEFAULT_WEB_DIR, leaflet_dir
from busbrain.store.memory import InMemoryNetworkQueries

from .browser import LiveServer, require_chromium, serve
from .cdp import Browser, Page, chromium
from .gridnet import grid_network
from .pngread import read_png

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WINDOW = (1280, 800)
PANEL_WIDTH = 340  # --panel-w in style.css
MAP_BACKGROUND = (0xEE, 0xF1, 0xF4)
LINE_OPACITY = 0.9  # lineStyle() in map.js, nothing selected
SCREENSHOTS = os.environ.get("BUSBRAIN_SCREENSHOTS")  # a folder to keep screenshots in

PAGE_FILES = {
    "/",
    "/static/style.css",
    "/static/app.js",
    "/static/i18n.js",
    "/static/map.js",
    "/static/panel.js",
    "/static/dom.js",
    "/static/urlstate.js",
    "/vendor/leaflet/leaflet.js",
    "/vendor/leaflet/leaflet.css",
    "/api/v1/network/summary",
    "/api/v1/routes",
    "/api/v1/network/routes.geojson",
    "/api/v1/network/stops.geojson",
}


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    if not (leaflet_dir(DEFAULT_WEB_DIR) / "leaflet.js").exists():
        pytest.fail("Leaflet is not installed: run `npm ci` in src/busbrain/web")
    with serve(create_app(grid_network())) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_chromium()
    with chromium() as b:
        yield b


def _open(browser: Browser, url: str, size: tuple[int, int] = WINDOW, **kw: bool) -> Page:
    page = browser.new_page()
    page.set_viewport(*size, **kw)
    page.goto(url)
    page.wait_for("document.body.dataset.mapReady || document.body.dataset.mapError")
    error = page.evaluate("document.body.dataset.mapError")
    assert error is None, f"the map did not draw: {error}; page errors: {page.log.errors}"
    return page


def _centre(page: Page, selector: str) -> tuple[float, float]:
    rect = page.evaluate(
        f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
        ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
    )
    assert rect is not None, selector
    return rect[0], rect[1]


def _keep(page: Page, name: str, tmp_path: Path) -> Path:
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return page.screenshot(folder / f"{name}.png")


def test_map_draws_every_pattern_and_stop_from_this_server_only(
    server: LiveServer, browser: Browser
) -> None:
    server.requests.clear()
    page = _open(browser, server.url + "/")
    data = page.evaluate("({...document.body.dataset})")

    lines = _get_json(server.url + "/api/v1/network/routes.geojson")["features"]
    stops = _get_json(server.url + "/api/v1/network/stops.geojson")["features"]
    poles = [s for s in stops if s["properties"]["kind"] == "stop"]
    assert len(lines) == 18
    assert data["routesDrawn"] == str(len(lines))
    assert data["stopsDrawn"] == str(len(poles))

    # no tiles, nothing from outside: every request the page made went to this server
    assert data["tileLayers"] == "0"
    assert page.evaluate("document.querySelector('.leaflet-tile-pane').childElementCount") == 0
    outside = [u for u in page.log.requests if not u.startswith((server.url + "/", "data:"))]
    assert outside == []
    assert data["cspViolations"] == "0"
    assert data["resourceOrigins"] == server.url
    missing = PAGE_FILES - set(server.requests)
    assert not missing, f"the page did not fetch {sorted(missing)}; it fetched {server.requests}"
    assert page.log.errors == []

    # the panel: the summary counts, and every route is listed
    assert page.evaluate("document.getElementById('summary').innerText").startswith("线路 9 条")
    assert page.evaluate("document.querySelectorAll('.route-item').length") == 9
    # the whole network is in view
    assert page.evaluate(
        "(() => { const s = busbrain.map.getBounds(); const b = "
        + json.dumps(_get_json(server.url + "/api/v1/network/summary")["bbox"])
        + "; return s.contains([[b.min_lat, b.min_lon], [b.max_lat, b.max_lon]]); })()"
    )


def test_screenshot_shows_the_routes_in_their_colours(
    server: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    page = _open(browser, server.url + "/")
    image = read_png(_keep(page, "map", tmp_path))
    assert (image.width, image.height) == WINDOW

    colours = {r["color"] for r in _get_json(server.url + "/api/v1/routes")}
    # one pattern's line is blended once; where both directions overlap, it is nearly opaque
    expected = {_blend(c, o): c for c in colours for o in (LINE_OPACITY, 1.0)}
    counts = dict.fromkeys(colours, 0)
    background = 0
    x0, x1 = PANEL_WIDTH + 40, image.width - 40
    y0, y1 = 60, image.height - 60
    for y in range(y0, y1, 2):
        for x in range(x0, x1, 2):
            rgb = image.pixel(x, y)
            if rgb == MAP_BACKGROUND:
                background += 1
                continue
            for want, colour in expected.items():
                if all(abs(a - b) <= 10 for a, b in zip(rgb, want, strict=True)):
                    counts[colour] += 1
                    break
    sampled = len(range(y0, y1, 2)) * len(range(x0, x1, 2))
    assert background > sampled / 2, "the map background is not the plain light one"
    drawn = {c for c, n in counts.items() if n >= 20}
    # routes sharing a street hide each other in places, but most show
    assert len(drawn) >= len(colours) - 2, f"route colours seen: {counts}"
    assert sum(counts.values()) > 1000, f"too little drawn: {counts}"


def test_language_toggle(server: LiveServer, browser: Browser, tmp_path: Path) -> None:
    page = _open(browser, server.url + "/")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert page.evaluate("document.querySelector('h1').textContent") == "公交线网图"

    page.click(*_centre(page, "button[data-lang=en]"))
    page.wait_for("document.body.dataset.uiLang === 'en'")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.evaluate("document.querySelector('h1').textContent") == "Bus network map"
    assert page.evaluate("document.getElementById('summary').innerText").startswith("9 routes")
    assert page.evaluate("document.querySelector('.route-meta').textContent") == "2 patterns"
    _keep(page, "english", tmp_path)

    # the choice is remembered
    reloaded = _open(browser, server.url + "/")
    assert reloaded.evaluate("document.body.dataset.uiLang") == "en"
    reloaded.click(*_centre(reloaded, "button[data-lang=zh]"))
    reloaded.wait_for("document.body.dataset.uiLang === 'zh'")
    assert reloaded.evaluate("document.querySelector('h1').textContent") == "公交线网图"
    assert page.log.errors == [] and reloaded.log.errors == []


def test_clicking_a_route_highlights_it_and_fits_the_map(
    server: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    lines = _get_json(server.url + "/api/v1/network/routes.geojson")["features"]
    points = [
        xy
        for f in lines
        if f["properties"]["route_id"] == "R20"
        for xy in f["geometry"]["coordinates"]
    ]
    lon = (min(x for x, _ in points) + max(x for x, _ in points)) / 2
    lat = (min(y for _, y in points) + max(y for _, y in points)) / 2

    page = _open(browser, server.url + "/")
    zoom_before = page.evaluate("busbrain.map.getZoom()")
    page.click(*_centre(page, ".route-item[data-route-id=R20]"))
    page.wait_for("location.hash.includes('route=R20')")
    assert page.evaluate("document.querySelector('.route-item.selected').dataset.routeId") == "R20"
    assert page.evaluate("document.querySelectorAll('.name-label.terminus').length") == 2
    # the map flies to the route: zoomed in, centred on it
    page.wait_for(
        f"busbrain.map.getZoom() > {zoom_before} && busbrain.map.getCenter()"
        f".distanceTo([{lat}, {lon}]) < 150"
    )
    _keep(page, "route-selected", tmp_path)

    # a link with the route opens it selected
    linked = _open(browser, server.url + "/#route=R3")
    assert linked.evaluate("document.querySelector('.route-item.selected').dataset.routeId") == "R3"

    page.click(*_centre(page, "#show-all"))
    page.wait_for("!document.querySelector('.route-item.selected')")
    assert page.evaluate("document.querySelectorAll('.name-label.terminus').length") == 0
    assert page.log.errors == []


def test_zoomed_in_stops_show_both_sides_of_the_road_and_open_a_popup(
    server: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    stops = _get_json(server.url + "/api/v1/network/stops.geojson")["features"]
    station = next(s for s in stops if s["properties"]["kind"] == "station")
    sid = station["properties"]["stop_id"]
    poles = [s for s in stops if s["properties"]["parent_station"] == sid]
    assert len(poles) == 2
    lon, lat = station["geometry"]["coordinates"]

    page = _open(browser, server.url + "/")
    assert page.evaluate("document.getElementById('map').dataset.stopsVisible") == "false"
    page.evaluate(f"void busbrain.map.setView([{lat}, {lon}], 16.5, {{animate: false}})")
    page.wait_for("document.getElementById('map').dataset.stopsVisible === 'true'")
    assert page.evaluate("document.querySelectorAll('.name-label').length") > 0
    _keep(page, "zoomed-in", tmp_path)

    points = [
        page.evaluate(
            "(() => { const p = busbrain.map.latLngToContainerPoint("
            f"[{p['geometry']['coordinates'][1]}, {p['geometry']['coordinates'][0]}]);"
            " return [p.x, p.y]; })()"
        )
        for p in poles
    ]
    assert math.dist(points[0], points[1]) >= 8, f"the two poles overlap: {points}"

    # clicking a pole opens its popup: Chinese name, pinyin, code, routes
    x, y = points[0]
    page.click(x + PANEL_WIDTH, y)
    popup = page.wait_for(
        "document.querySelector('.leaflet-popup-content')?.innerText", timeout_s=5
    )
    props = poles[0]["properties"]
    assert props["name"] in popup
    assert props["name_pinyin"] in popup
    assert props["code"] in popup
    assert "途经线路" in popup
    time.sleep(0.3)  # let it fade in, for whoever looks at the screenshot
    _keep(page, "stop-popup", tmp_path)
    assert page.log.errors == []


def test_on_a_phone_the_panel_is_a_sheet_over_the_map(
    server: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    page = _open(browser, server.url + "/", (390, 844), mobile=True)
    assert page.evaluate("document.querySelector('meta[name=viewport]') !== null")
    panel_top = page.evaluate("document.getElementById('panel').getBoundingClientRect().top")
    assert panel_top > 844 / 2, "the panel should sit at the bottom"
    assert page.evaluate("getComputedStyle(document.getElementById('route-section')).display") == (
        "none"
    )
    _keep(page, "phone", tmp_path)
    page.click(*_centre(page, "#panel-toggle"))
    page.wait_for("getComputedStyle(document.getElementById('route-section')).display !== 'none'")
    assert page.evaluate("document.getElementById('panel-toggle').ariaExpanded") == "true"
    _keep(page, "phone-routes", tmp_path)
    assert page.log.errors == []


def test_an_empty_network_says_so(browser: Browser) -> None:
    empty = InMemoryNetworkQueries([], [], [], [], [], [])
    with serve(create_app(empty)) as live:
        page = _open(browser, live.url + "/")
        assert page.evaluate("document.body.dataset.routesDrawn") == "0"
        notice = page.evaluate("document.getElementById('notice').innerText")
    assert "线网为空" in notice
    assert page.log.errors == []


def test_page_says_so_when_leaflet_is_not_installed(browser: Browser, tmp_path: Path) -> None:
    web = tmp_path / "web"
    shutil.copytree(DEFAULT_WEB_DIR, web, ignore=shutil.ignore_patterns("node_modules"))
    with serve(create_app(grid_network(), web_dir=web)) as live:
        page = browser.new_page()
        page.set_viewport(*WINDOW)
        page.goto(live.url + "/")
        assert page.wait_for("document.body.dataset.mapError") == "vendor-missing"
        notice = page.evaluate("document.getElementById('notice').innerText")
        _keep(page, "leaflet-missing", tmp_path)
    assert "npm ci" in notice
    assert "前端依赖包" in notice
    assert "front-end packages" in notice
    assert page.evaluate("document.getElementById('notice').hidden") is False
    assert "/vendor/leaflet/leaflet.js" in live.requests


def _blend(hex_colour: str, opacity: float) -> tuple[int, int, int]:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    br, bg, bb = MAP_BACKGROUND

    def mix(c: int, under: int) -> int:
        return round(c * opacity + under * (1 - opacity))

    return mix(r, br), mix(g, bg), mix(b, bb)
