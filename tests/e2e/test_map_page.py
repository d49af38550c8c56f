"""The map page in a real browser: headless Chromium against uvicorn on a localhost port.

Chromium is driven over the DevTools protocol (on a pipe, see cdp.py): the tests see every
request the page makes and every error it reports, click like a person, and take
screenshots. Once drawn, app.js writes what it drew into <body data-*>.

The live buses come from a live picture the tests make and change while the page is open;
the base map from a tile route of the test server, reached under another origin
(localhost rather than 127.0.0.1) so that the content security policy has to allow it.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import struct
import time
import urllib.request
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from busbrain.api import create_app
from busbrain.api.routes.webconfig import TileConfig
from busbrain.api.web import DEFAULT_WEB_DIR, leaflet_dir
from busbrain.domain.chinacoords import gcj02_to_wgs84, wgs84_to_gcj02
from busbrain.domain.live import LiveSnapshot, StopStatus, VehicleLive
from busbrain.store.memory import InMemoryNetworkQueries

from .browser import LiveServer, serve
from .cdp import Browser, Page
from .gridnet import grid_network, lonlat
from .pngread import read_png

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WINDOW = (1280, 800)
PANEL_WIDTH = 340  # --panel-w in style.css
MAP_BACKGROUND = (0xEE, 0xF1, 0xF4)
LINE_OPACITY = 0.9  # lineStyle() in map.js, nothing selected
SCREENSHOTS = os.environ.get("BUSBRAIN_SCREENSHOTS")  # a folder to keep screenshots in

PAGE_FILES = {
    "/map",
    "/static/style.css",
    "/static/app.js",
    "/static/i18n.js",
    "/static/lang.js",
    "/static/map.js",
    "/static/panel.js",
    "/static/dom.js",
    "/static/urlstate.js",
    "/static/buses.js",
    "/static/gcj02.js",
    "/vendor/leaflet/leaflet.js",
    "/vendor/leaflet/leaflet.css",
    "/api/v1/network/summary",
    "/api/v1/routes",
    "/api/v1/network/routes.geojson",
    "/api/v1/network/stops.geojson",
    "/api/v1/web/config",
    "/api/v1/vehicles",
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
    page = _open(browser, server.url + "/map")
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
    page = _open(browser, server.url + "/map")
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
    page = _open(browser, server.url + "/map")
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
    reloaded = _open(browser, server.url + "/map")
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

    page = _open(browser, server.url + "/map")
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
    linked = _open(browser, server.url + "/map#route=R3")
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

    page = _open(browser, server.url + "/map")
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
    page = _open(browser, server.url + "/map", (390, 844), mobile=True)
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
        page = _open(browser, live.url + "/map")
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
        page.goto(live.url + "/map")
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


def test_the_back_link_and_the_map_controls_are_labelled(
    server: LiveServer, browser: Browser
) -> None:
    page = _open(browser, server.url + "/map")
    back = "document.querySelector('#panel header a.back-link')"
    assert page.evaluate(f"{back}.getAttribute('href')") == "/"
    assert page.evaluate(f"{back}.textContent") == "返回"
    assert page.evaluate(f"{back}.getAttribute('aria-label')") == "返回乘客应用"
    zoom_in = "document.querySelector('.leaflet-control-zoom-in')"
    assert page.evaluate(f"{zoom_in}.getAttribute('aria-label')") == "放大"
    assert (
        page.evaluate("document.getElementById('map').getAttribute('aria-label')") == "公交线网地图"
    )

    page.click(*_centre(page, "button[data-lang=en]"))
    page.wait_for("document.body.dataset.uiLang === 'en'")
    assert page.evaluate(f"{back}.textContent") == "Back"
    assert page.evaluate(f"{back}.getAttribute('aria-label')") == "Back to the rider app"
    assert page.evaluate(f"{zoom_in}.getAttribute('aria-label')") == "Zoom in"
    page.click(*_centre(page, "button[data-lang=zh]"))
    page.wait_for("document.body.dataset.uiLang === 'zh'")
    assert page.log.errors == []


# ---- live buses ----


class LivePicture:
    """The app's live source: a snapshot the test replaces while the page is open."""

    def __init__(self, snapshot: LiveSnapshot) -> None:
        self.snapshot = snapshot

    def __call__(self) -> LiveSnapshot:
        return self.snapshot


def _buses(now: float, *, moved: bool = False) -> LiveSnapshot:
    """B1 eastbound and B2 westbound on R1 (along street 3), B3 on R3 with a report five
    minutes old and no heading, B4 on no trip. `moved`: B1 two blocks further east, B4 gone."""
    net = grid_network()
    patterns = {p.pattern_id: p for p in net.list_patterns()}
    east, west, r3 = patterns["R1-p0"], patterns["R1-p1"], patterns["R3-p0"]

    def at(node: tuple[int, int]) -> tuple[float, float]:
        lon, lat = lonlat(node)
        return lat, lon

    block = 5 if moved else 3  # B1 stands at avenue `block`, heading for the next block's stop
    b1 = VehicleLive(
        "B1", now - 5, *at((block, 3)), bearing=90.0, speed_ms=8.0, label="辽G10001",
        trip_id="R1-p0-t0", route_id="R1", direction_id=0, stop_id=east.stops[block].stop_id,
        stop_sequence=block + 1, delay_s=130.0,
    )  # fmt: skip
    b2 = VehicleLive(
        "B2", now - 8, *at((7, 3)), bearing=270.0, speed_ms=0.0, label="辽G10002",
        trip_id="R1-p1-t1", route_id="R1", direction_id=1, stop_id=west.stops[2].stop_id,
        stop_sequence=3, status=StopStatus.STOPPED_AT, delay_s=-65.0,
    )  # fmt: skip
    b3 = VehicleLive(
        "B3", now - 300, *at((4, 2)), label="辽G10003", trip_id="R3-p0-t0", route_id="R3",
        direction_id=0, stop_id=r3.stops[6].stop_id, stop_sequence=7,
    )  # fmt: skip
    b4 = VehicleLive("B4", now - 3, *at((8, 6)), bearing=0.0, label="辽G00004")
    return LiveSnapshot(now, (b1, b2, b3) if moved else (b1, b2, b3, b4))


@pytest.fixture
def bus_server() -> Iterator[tuple[LiveServer, LivePicture]]:
    picture = LivePicture(_buses(time.time()))
    with serve(create_app(grid_network(), live=picture)) as live:
        yield live, picture


def _marker(vehicle_id: str) -> str:
    return f'.bus-marker[data-vehicle-id="{vehicle_id}"]'


def _marker_centre(page: Page, vehicle_id: str) -> tuple[float, float] | None:
    """Where a bus's marker is on the screen, or None when it is not drawn."""
    centre = page.evaluate(
        f"(() => {{ const el = document.querySelector({json.dumps(_marker(vehicle_id))});"
        " if (!el) return null; const r = el.getBoundingClientRect();"
        " return [r.x + r.width / 2, r.y + r.height / 2]; })()"
    )
    return None if centre is None else (centre[0], centre[1])


def _on_screen(page: Page, lat: float, lon: float) -> tuple[float, float]:
    """Where the map draws a position, in the page's pixels."""
    x, y = page.evaluate(
        f"(() => {{ const p = busbrain.map.latLngToContainerPoint([{lat}, {lon}]);"
        " const m = document.getElementById('map').getBoundingClientRect();"
        " return [m.x + p.x, m.y + p.y]; })()"
    )
    return x, y


def _stop_names() -> dict[str, str]:
    return {s.stop_id: s.name for s in grid_network().list_stops()}


def _headsign(pattern_id: str) -> str:
    pattern = next(p for p in grid_network().list_patterns() if p.pattern_id == pattern_id)
    assert pattern.headsign
    return pattern.headsign


def test_live_buses_are_drawn_and_move_without_a_reload(
    bus_server: tuple[LiveServer, LivePicture], browser: Browser, tmp_path: Path
) -> None:
    server, picture = bus_server
    page = _open(browser, server.url + "/map")
    assert page.evaluate("document.body.dataset.busesDrawn") == "4"
    assert page.evaluate("document.querySelectorAll('.bus-marker').length") == 4

    # each where it is (no base map: WGS-84 as it comes), on the screen too
    drawn = page.evaluate("busbrain.buses.positions()")
    for v in picture.snapshot.vehicles:
        assert drawn[v.vehicle_id] == pytest.approx([v.lat, v.lon], abs=1e-12)
        centre = _marker_centre(page, v.vehicle_id)
        assert centre is not None and math.dist(centre, _on_screen(page, v.lat, v.lon)) < 1.5

    # in its line's colour, named, with its heading; faded when its report is old
    def look(vehicle_id: str, js: str) -> Any:
        return page.evaluate(
            f"(el => {js})(document.querySelector({json.dumps(_marker(vehicle_id))}))"
        )

    assert look("B1", "el.querySelector('.bus-tag').textContent") == "1路"
    assert look("B1", "getComputedStyle(el.querySelector('.bus-dot')).backgroundColor") == (
        "rgb(211, 47, 47)"  # R1's D32F2F
    )
    assert look("B1", "el.querySelector('.bus-arrow').style.transform") == "rotate(90deg)"
    assert look("B1", "el.querySelector('.bus-arrow').hidden") is False
    assert look("B3", "el.querySelector('.bus-arrow').hidden") is True  # no bearing known
    assert look("B4", "el.querySelector('.bus-tag').textContent") == "非运营"
    stale = page.evaluate(
        "[...document.querySelectorAll('.bus-icon.stale')]"
        ".map((icon) => icon.closest('.bus-marker').dataset.vehicleId)"
    )
    assert stale == ["B3"]
    assert float(look("B3", "getComputedStyle(el.querySelector('.bus-icon')).opacity")) < 0.6
    assert float(look("B1", "getComputedStyle(el.querySelector('.bus-icon')).opacity")) == 1
    label = look("B1", "el.getAttribute('aria-label')")
    assert "1路" in label and "辽G10001" in label and "晚点 2 分钟" in label
    _keep(page, "buses", tmp_path)

    # the picture changes: within a poll B1's marker moves and B4's goes, on the same page
    page.evaluate("window.sameDocument = true")
    polls = int(page.evaluate("document.body.dataset.busPolls"))
    before = _marker_centre(page, "B1")
    assert before is not None
    picture.snapshot = _buses(time.time(), moved=True)
    page.wait_for("document.body.dataset.busesDrawn === '3'", timeout_s=15)
    b1 = picture.snapshot.vehicle("B1")
    assert b1 is not None
    after = _marker_centre(page, "B1")
    assert after is not None
    assert math.dist(after, _on_screen(page, b1.lat, b1.lon)) < 1.5
    assert math.dist(after, before) > 100  # two blocks, 1300 m
    assert _marker_centre(page, "B4") is None
    assert page.evaluate("window.sameDocument") is True
    assert int(page.evaluate("document.body.dataset.busPolls")) > polls

    # clicking a bus tells what is known of it
    page.click(*after)
    popup = page.wait_for("document.querySelector('.bus-popup')?.innerText", timeout_s=5)
    next_stop = _stop_names()[b1.stop_id or ""]
    for text in ("1路", "辽G10001", f"开往 {_headsign('R1-p0')}", f"下一站 {next_stop}",
                 "晚点 2 分钟", "秒前"):  # fmt: skip
        assert text in popup, (text, popup)
    time.sleep(0.3)
    _keep(page, "bus-popup", tmp_path)
    assert page.log.errors == []


def test_a_selected_route_shows_only_its_buses_and_lists_them(
    bus_server: tuple[LiveServer, LivePicture], browser: Browser, tmp_path: Path
) -> None:
    server, _ = bus_server
    names = _stop_names()
    patterns = {p.pattern_id: p for p in grid_network().list_patterns()}
    page = _open(browser, server.url + "/map")
    section = "document.getElementById('bus-section')"
    assert page.evaluate(f"{section}.hidden") is True
    # the route list says how many buses of each route are live
    live_count = "document.querySelector('.route-item[data-route-id={}] .route-live')"
    assert page.evaluate(live_count.format("R1") + ".textContent") == "2 辆在线"
    assert page.evaluate(live_count.format("R3") + ".textContent") == "1 辆在线"
    assert page.evaluate(live_count.format("R2") + ".hidden") is True

    page.click(*_centre(page, ".route-item[data-route-id=R1]"))
    page.wait_for("document.body.dataset.busesDrawn === '2'")
    assert sorted(page.evaluate("Object.keys(busbrain.buses.positions())")) == ["B1", "B2"]
    assert page.evaluate("document.querySelectorAll('.bus-marker').length") == 2

    # the list equivalent: a polite live region listing the same buses
    assert page.evaluate(f"{section}.hidden") is False
    assert page.evaluate(f"{section}.getAttribute('aria-live')") == "polite"
    assert "在线车辆 2 辆" in page.evaluate("document.getElementById('bus-title').innerText")
    rows = page.evaluate(
        "[...document.querySelectorAll('#bus-list > li')].map((li) => [li.dataset.vehicleId,"
        " li.innerText])"
    )
    assert [vehicle_id for vehicle_id, _ in rows] == ["B1", "B2"]
    b1_text, b2_text = rows[0][1], rows[1][1]
    for text in ("辽G10001", f"开往 {_headsign('R1-p0')}",
                 f"下一站 {names[patterns['R1-p0'].stops[3].stop_id]}", "晚点 2 分钟"):  # fmt: skip
        assert text in b1_text, (text, b1_text)
    for text in ("辽G10002", f"开往 {_headsign('R1-p1')}",
                 f"停靠 {names[patterns['R1-p1'].stops[2].stop_id]}", "早 1 分钟"):  # fmt: skip
        assert text in b2_text, (text, b2_text)
    _keep(page, "route-buses", tmp_path)

    # a row shows its bus on the map
    page.click(*_centre(page, '#bus-list li[data-vehicle-id="B2"] button'))
    popup = page.wait_for("document.querySelector('.bus-popup')?.innerText", timeout_s=5)
    assert "辽G10002" in popup

    page.evaluate("busbrain.select('R3')")
    page.wait_for("document.body.dataset.busesDrawn === '1'")
    rows = page.evaluate(
        "[...document.querySelectorAll('#bus-list > li')].map((li) => li.innerText)"
    )
    assert len(rows) == 1 and "辽G10003" in rows[0] and "5 分钟前" in rows[0]

    page.evaluate("busbrain.select('R2')")  # no bus on it
    page.wait_for("document.body.dataset.busesDrawn === '0'")
    assert page.evaluate("document.querySelectorAll('#bus-list > li').length") == 0
    assert page.evaluate("document.getElementById('bus-empty').hidden") is False

    page.click(*_centre(page, "#show-all"))
    page.wait_for("document.body.dataset.busesDrawn === '4'")
    assert page.evaluate(f"{section}.hidden") is True

    # in English too
    page.evaluate("busbrain.select('R1')")
    page.click(*_centre(page, "button[data-lang=en]"))
    page.wait_for("document.body.dataset.uiLang === 'en'")
    listed = page.evaluate("document.getElementById('bus-list').innerText")
    assert "2 min late" in listed and "1 min early" in listed
    assert "2 live buses" in page.evaluate("document.getElementById('bus-title').innerText")
    page.click(*_centre(page, "button[data-lang=zh]"))
    page.wait_for("document.body.dataset.uiLang === 'zh'")
    assert page.log.errors == []


# ---- GCJ-02 at the edge of a base map ----

JINZHOU_POINTS = [
    (121.1270, 41.1190),  # the grid's centre
    (121.0912, 41.0958),
    (121.1854, 41.1687),
    (121.0221, 41.1403),
    (121.3006, 40.8471),
]
PARIS = (2.3522, 48.8566)


def _metres(a: tuple[float, float] | list[float], b: tuple[float, float] | list[float]) -> float:
    """Distance between two (lon, lat) positions, metres (flat: they are close)."""
    lat = math.radians((a[1] + b[1]) / 2)
    return math.hypot((a[0] - b[0]) * math.cos(lat), a[1] - b[1]) * 111_320.0


def test_gcj02_js_agrees_with_the_python_converter(server: LiveServer, browser: Browser) -> None:
    page = _open(browser, server.url + "/map")
    points = [*JINZHOU_POINTS, PARIS]
    got = page.evaluate(
        f"import('/static/gcj02.js').then((m) => {json.dumps(points)}.map(([lon, lat]) => {{"
        " const there = m.wgs84ToGcj02(lon, lat);"
        " return [there, m.gcj02ToWgs84(...there)]; }))"
    )
    for (lon, lat), (there, back) in zip(points, got, strict=True):
        want = wgs84_to_gcj02(lon, lat)
        assert _metres(there, want) < 0.5, (lon, lat, there, want)
        assert _metres(back, (lon, lat)) < 0.5, (lon, lat, back)
        assert _metres(back, gcj02_to_wgs84(*want)) < 0.5
    # the shift is hundreds of metres in Jinzhou (0.5 m means something), none in Paris
    for lon, lat in JINZHOU_POINTS:
        assert _metres(wgs84_to_gcj02(lon, lat), (lon, lat)) > 100
    assert got[-1] == [list(PARIS), list(PARIS)]

    # the edge the map draws through: [lat, lon] in, [lat, lon] out
    lon, lat = JINZHOU_POINTS[0]
    edges = page.evaluate(
        "import('/static/gcj02.js').then((m) => { const g = m.coordEdge('gcj02');"
        f" const w = m.coordEdge('wgs84'); const p = g.toMap({lat}, {lon});"
        f" return [p, g.toWgs(...p), w.toMap({lat}, {lon}), w.toWgs({lat}, {lon})]; }})"
    )
    shifted = wgs84_to_gcj02(lon, lat)
    assert _metres((edges[0][1], edges[0][0]), shifted) < 0.5
    assert _metres((edges[1][1], edges[1][0]), (lon, lat)) < 0.5
    assert edges[2] == [lat, lon] and edges[3] == [lat, lon]
    assert page.log.errors == []


TILE_RGB = (0xD4, 0xE6, 0xC8)


def _png(rgb: tuple[int, int, int], size: int = 256) -> bytes:
    """A plain RGB PNG square, written with zlib."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    rows = b"".join(b"\0" + bytes(rgb) * size for _ in range(size))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class TileServerInFront:
    """Answers /tiles/... with one plain tile, and everything else with `app`, made once the
    port is known (the tile URL names it)."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None
        self.tile = _png(TILE_RGB)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/tiles/"):
            await Response(self.tile, media_type="image/png")(scope, receive, send)
            return
        assert self.app is not None
        await self.app(scope, receive, send)


@pytest.fixture
def gcj_server() -> Iterator[tuple[LiveServer, LivePicture]]:
    """The grid network with live buses over GCJ-02 tiles from http://localhost:PORT/tiles/
    (the page is on http://127.0.0.1:PORT: another origin)."""
    front = TileServerInFront()
    picture = LivePicture(_buses(time.time()))
    with serve(front) as live:
        port = live.url.rsplit(":", 1)[1]
        tiles = TileConfig(
            url=f"http://localhost:{port}/tiles/{{z}}/{{x}}/{{y}}.png?s={{s}}",
            crs="gcj02",
            attribution="© 测试底图 <b>x</b>",
            subdomains="ab",
        )
        front.app = create_app(grid_network(), live=picture, tiles=tiles)
        yield live, picture


def _drawn_lines(page: Page) -> list[list[list[float]]]:
    """The vertices of every route line drawn, [lat, lon] in the map's coordinates, in the
    order drawn (the order of routes.geojson)."""
    lines: list[list[list[float]]] = page.evaluate(
        "(() => { const out = []; busbrain.map.eachLayer((layer) => {"
        " if (layer instanceof L.Polyline) out.push(layer.getLatLngs().map((p) => [p.lat, p.lng]));"
        " }); return out; })()"
    )
    return lines


def test_a_gcj02_base_map_is_drawn_under_shifted_positions(
    gcj_server: tuple[LiveServer, LivePicture],
    server: LiveServer,
    browser: Browser,
    tmp_path: Path,
) -> None:
    tiled, picture = gcj_server
    features = _get_json(tiled.url + "/api/v1/network/routes.geojson")["features"]
    page = _open(browser, tiled.url + "/map")
    assert page.evaluate("document.body.dataset.tileLayers") == "1"
    assert page.evaluate("document.body.dataset.tileCrs") == "gcj02"

    # the tiles come from the tile server (another origin), are allowed and are drawn
    tile_origin = tiled.url.replace("127.0.0.1", "localhost")
    loaded = "[...document.querySelectorAll('.base-tiles img.leaflet-tile-loaded')]"
    page.wait_for(f"{loaded}.length >= 4")
    tiles = page.evaluate(f"{loaded}.map((img) => [img.src, img.naturalWidth])")
    assert all(src.startswith(tile_origin + "/tiles/") and width == 256 for src, width in tiles)
    assert {src.rsplit("=", 1)[1] for src, _ in tiles} == {"a", "b"}  # both subdomains
    assert any(path.startswith("/tiles/") for path in tiled.requests)
    assert page.evaluate("document.body.dataset.cspViolations") == "0"
    credit = page.evaluate("document.querySelector('.leaflet-control-attribution').innerText")
    assert credit == "© 测试底图 <b>x</b>"  # as text, not markup
    time.sleep(0.5)  # let the tiles fade in
    image = read_png(_keep(page, "base-map", tmp_path))
    samples = [
        image.pixel(x, y)
        for y in range(60, image.height - 60, 8)
        for x in range(PANEL_WIDTH + 40, image.width - 40, 8)
    ]
    tile_coloured = sum(1 for rgb in samples if rgb == TILE_RGB)
    assert tile_coloured > len(samples) / 2, "the base map does not show"
    assert not any(rgb == MAP_BACKGROUND for rgb in samples)

    # everything drawn is WGS-84 shifted onto GCJ-02: route lines, buses, the fitted view
    lines = _drawn_lines(page)
    assert len(lines) == len(features)
    for feature, drawn in zip(features, lines, strict=True):
        coords = feature["geometry"]["coordinates"]
        assert len(drawn) == len(coords)
        for (lon, lat), (dlat, dlon) in zip(coords, drawn, strict=True):
            assert _metres((dlon, dlat), wgs84_to_gcj02(lon, lat)) < 0.5
            assert _metres((dlon, dlat), (lon, lat)) > 100
    positions = page.evaluate("busbrain.buses.positions()")
    for v in picture.snapshot.vehicles:
        dlat, dlon = positions[v.vehicle_id]
        assert _metres((dlon, dlat), wgs84_to_gcj02(v.lon, v.lat)) < 0.5
        centre = _marker_centre(page, v.vehicle_id)
        assert centre is not None and math.dist(centre, _on_screen(page, dlat, dlon)) < 1.5
    bbox = _get_json(tiled.url + "/api/v1/network/summary")["bbox"]
    corners = [
        wgs84_to_gcj02(lon, lat)
        for lon in (bbox["min_lon"], bbox["max_lon"])
        for lat in (bbox["min_lat"], bbox["max_lat"])
    ]
    in_view = " && ".join(f"b.contains([{lat}, {lon}])" for lon, lat in corners)
    assert page.evaluate(f"(b => {in_view})(busbrain.map.getBounds())")

    # a selected route's stops too
    page.evaluate("busbrain.select('R1', {fit: false})")
    stops = _get_json(tiled.url + "/api/v1/network/stops.geojson")["features"]
    shifted = [wgs84_to_gcj02(*s["geometry"]["coordinates"]) for s in stops]
    circles = page.evaluate(
        "(() => { const out = []; busbrain.map.eachLayer((layer) => {"
        " if (layer instanceof L.CircleMarker) out.push([layer.getLatLng().lat,"
        " layer.getLatLng().lng]); }); return out; })()"
    )
    assert len(circles) >= 9  # R1's stations
    for dlat, dlon in circles:
        assert min(_metres((dlon, dlat), s) for s in shifted) < 0.5

    # without a base map nothing is shifted
    plain = _open(browser, server.url + "/map")
    assert plain.evaluate("document.body.dataset.tileCrs") == "wgs84"
    for feature, drawn in zip(features, _drawn_lines(plain), strict=True):
        for (lon, lat), (dlat, dlon) in zip(feature["geometry"]["coordinates"], drawn, strict=True):
            assert (dlat, dlon) == pytest.approx((lat, lon), abs=1e-12)
    assert page.log.errors == [] and plain.log.errors == []


def test_over_a_gcj02_base_map_the_address_bar_stays_wgs84(
    gcj_server: tuple[LiveServer, LivePicture], browser: Browser
) -> None:
    tiled, _ = gcj_server
    lon, lat = 121.127, 41.119
    page = _open(browser, tiled.url + f"/map#map=16/{lat:.5f}/{lon:.5f}")
    centre = page.evaluate("[busbrain.map.getCenter().lat, busbrain.map.getCenter().lng]")
    assert _metres((centre[1], centre[0]), wgs84_to_gcj02(lon, lat)) < 0.5
    page.evaluate("busbrain.select('R1', {fit: false})")
    page.wait_for("location.hash.includes('route=R1')")
    assert page.evaluate("location.hash") == f"#map=16/{lat:.5f}/{lon:.5f}&route=R1"

    # a pan ends where the map says, read back as WGS-84
    page.evaluate("void busbrain.map.panBy([200, -120], {animate: false})")
    page.wait_for(f"!location.hash.startsWith('#map=16/{lat:.5f}/{lon:.5f}')")
    shown = page.evaluate("[busbrain.map.getCenter().lat, busbrain.map.getCenter().lng]")
    _, lat_s, lon_s = page.evaluate("location.hash").split("&")[0].removeprefix("#map=").split("/")
    assert _metres((float(lon_s), float(lat_s)), gcj02_to_wgs84(shown[1], shown[0])) < 1.0
    assert page.log.errors == []
