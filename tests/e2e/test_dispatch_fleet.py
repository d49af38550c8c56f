"""调度指挥's live map of all buses and 运行图 in headless Chromium: a dispatcher opens the
map, sees the five buses drawn in their adherence colours, clicks the late one for its
details; the server publishes a new snapshot and the map redraws through the WebSocket
(no poll: the page polls only every 10 minutes here); the Marey view draws the planned
(dashed) and actual (solid) lines of line 1. The city and its truth are
tests/api/command_helpers.py's; the stop events are tests/api/test_dispatch_fleet.py's."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from dataclasses import replace

import pytest

from busbrain.api import create_app
from busbrain.domain.live import LiveSnapshot
from busbrain.wiring import Store
from tests.api.command_helpers import NOW, SNAPSHOT
from tests.api.dispatch_helpers import PASSWORD, Clock, cheap_passwords
from tests.api.test_dispatch_fleet import EVENTS, Live

from .browser import LiveServer, serve
from .cdp import Browser, Page
from .dispatch_city import city_with_user
from .test_dispatch_login import _log_in, _open, _script_errors, _shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LATE_RGB = [180, 35, 24]  # --danger
EARLY_RGB = [109, 40, 217]  # violet
FLEET = "/api/v1/dispatch/fleet"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with city_with_user(tmp_path_factory, "fleet") as st:
        st.history.add_stop_events(EVENTS)
        yield st


@pytest.fixture(scope="module")
def live() -> Live:
    return Live()


@pytest.fixture(scope="module")
def server(store: Store, live: Live) -> Iterator[LiveServer]:
    app = create_app(
        store.queries,
        live=live,
        schedule=store.schedule,
        clock=Clock(),
        users=store.users,
        passwords=cheap_passwords(),
        history=store.history,
    )
    with serve(app) as running:
        yield running


def _pixel(page: Page, vehicle_id: str) -> list[int]:
    """The colour drawn at the centre of a bus's dot on the map's canvas."""
    rgb: list[int] = page.evaluate(
        f"""(() => {{ const c = document.getElementById('fleet-canvas');
        const at = c.busAt({json.dumps(vehicle_id)}); if (!at) return null;
        const r = window.devicePixelRatio || 1;
        const x = Math.round(at[0] * r); const y = Math.round(at[1] * r);
        const d = c.getContext('2d').getImageData(x, y, 1, 1).data;
        return [d[0], d[1], d[2]]; }})()"""
    )
    return rgb


def _errors(page: Page) -> list[str]:
    """The page's errors but the 503 of the trip-change list, which an app built without
    its store (as here: this test does not need it) answers."""
    return [e for e in _script_errors(page) if "/trip-changes" not in e]


def _require_websockets() -> None:
    """The socket tests need uvicorn to speak WebSocket (fails, never skips, without)."""
    if (
        importlib.util.find_spec("websockets") is None
        and importlib.util.find_spec("wsproto") is None
    ):
        raise AssertionError(
            "uvicorn has no WebSocket library: the project needs `websockets` (or "
            "uvicorn[standard]) among its dependencies for /api/v1/dispatch/ws"
        )


def _publish_v1(live: Live, delay_s: float, made_at: float) -> None:
    v1 = replace(SNAPSHOT.vehicles[0], delay_s=delay_s, fix_unix=made_at - 1)
    live.snapshot = LiveSnapshot(made_at, (v1, *SNAPSHOT.vehicles[1:]))


def _map_ready(page: Page) -> None:
    page.wait_for("document.body.dataset.page === 'command'")
    page.wait_for("document.getElementById('fleet-canvas')?.dataset.drawn === '5'")


def test_the_map_shows_every_bus_and_the_marey_draws_planned_and_actual(
    server: LiveServer, browser: Browser, live: Live
) -> None:
    """Polling only (?push=off): the console works without the socket and says so."""
    live.snapshot = SNAPSHOT
    page = _open(browser, server.url + "/dispatch?push=off&refresh=1#/command?view=fleet")
    _log_in(page, "diaodu", PASSWORD)
    _map_ready(page)
    assert page.evaluate("document.querySelector('.fleet-push').textContent") == "轮询"
    assert _pixel(page, "V1") == LATE_RGB
    legend = page.evaluate("document.getElementById('fleet-legend').textContent")
    assert "晚点 1" in legend and "早点 1" in legend and "串车 1" in legend

    box = page.evaluate(
        "(() => { const c = document.getElementById('fleet-canvas');"
        " c.scrollIntoView({block: 'center'});"
        " const r = c.getBoundingClientRect(); const at = c.busAt('V1');"
        " return {x: r.left + at[0], y: r.top + at[1]}; })()"
    )
    page.click(box["x"], box["y"])
    page.wait_for("document.querySelector('#fleet-detail dl')?.dataset.vehicle === 'V1'")
    detail = page.evaluate("document.getElementById('fleet-detail').textContent")
    assert "晚点 6.7 分" in detail and "串车" in detail and "锦州站" in detail
    link = page.evaluate("document.getElementById('fleet-strip-link').getAttribute('href')")
    assert link == "#/command?line=R1"
    _shot(page, "fleet")
    _publish_v1(live, -200.0, NOW + 2)  # the next poll shows V1 early
    page.wait_for("document.getElementById('fleet-detail').textContent.includes('早点 3.3 分')")
    assert _pixel(page, "V1") == EARLY_RGB

    page.click_on("#command-tab-marey")
    page.wait_for("!!document.getElementById('marey-svg')")
    page.wait_for("document.getElementById('marey-line').value === 'R1'")
    drawn = page.evaluate(
        """(() => { const s = document.getElementById('marey-svg');
        const planned = s.querySelector('.marey-planned[data-trip="O1"]');
        const actual = s.querySelector('.marey-actual[data-trip="O1"]');
        return {planned: s.dataset.planned, actual: s.dataset.actual,
                dash: planned && getComputedStyle(planned).strokeDasharray,
                solid: actual && getComputedStyle(actual).strokeDasharray,
                live: [...s.querySelectorAll('.marey-live')].map(g => g.dataset.vehicle).sort()};
        })()"""
    )
    assert int(drawn["planned"]) >= 4 and drawn["actual"] == "1"
    assert drawn["dash"] not in (None, "none") and drawn["solid"] == "none"
    assert drawn["live"] == ["V1", "V2"]
    _shot(page, "marey")
    assert _errors(page) == []


def test_the_map_and_the_strip_update_through_the_socket(
    server: LiveServer, browser: Browser, live: Live
) -> None:
    """The page polls only every 10 minutes here: what changes came over the socket."""
    _require_websockets()
    live.snapshot = SNAPSHOT
    page = _open(browser, server.url + "/dispatch?refresh=600#/command?view=fleet")
    state = page.wait_for(
        "['login', 'console'].find(s => s === document.body.dataset.consoleState)"
    )
    if state == "login":  # alone: the first test's session is not there
        _log_in(page, "diaodu", PASSWORD)
    _map_ready(page)
    page.wait_for("document.body.dataset.pushMode === 'live'")
    assert page.evaluate("document.querySelector('.fleet-push').textContent") == "实时"
    page.wait_for(f"Number(document.getElementById('fleet-canvas').dataset.madeAt) === {NOW}")
    assert _pixel(page, "V1") == LATE_RGB

    polls = server.requests.count(FLEET)
    _publish_v1(live, -200.0, NOW + 3)
    page.wait_for(
        f"Number(document.getElementById('fleet-canvas').dataset.madeAt) === {NOW + 3}",
        timeout_s=10,
    )
    assert _pixel(page, "V1") == EARLY_RGB
    assert server.requests.count(FLEET) == polls  # the fleet came in the pushed message

    page.click_on("#command-tab-strip")
    page.evaluate(
        "(() => { const s = document.getElementById('command-line'); s.value = 'R1';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    bus = "document.querySelector('#command-strip .bus[data-vehicle=\"V1\"]')"
    page.wait_for(f"{bus}?.dataset.adherence === 'early'")
    _publish_v1(live, 600.0, NOW + 5)
    page.wait_for(f"{bus}?.dataset.adherence === 'late'", timeout_s=10)
    assert "晚点 10.0 分" in page.evaluate(f"{bus}.textContent")
    assert _errors(page) == []
