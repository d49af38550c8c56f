"""调度指挥's trip commands in headless Chromium: a dispatcher picks the late bus V1 on
line 1's strip, cancels its trip (O2) with the 取消班次 command, sees the change listed
with 撤销 and the bus flagged 已取消; a rider's stop page then shows O2 as 已取消. The test
owns the server's clock and a hand-made live picture (tests/api/command_helpers)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest

from busbrain.wiring import Store
from tests.api.command_helpers import command_app
from tests.api.dispatch_helpers import PASSWORD

from .browser import LiveServer, serve
from .cdp import Browser
from .dispatch_city import city_with_user
from .test_dispatch_login import DESK, _log_in, _open, _script_errors, _shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SNAPSHOT_DAY = dt.date(2026, 12, 1)  # the command city's service day


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with city_with_user(tmp_path_factory, "trips") as st:
        yield st


@pytest.fixture(scope="module")
def server(store: Store) -> Iterator[LiveServer]:
    app = command_app(store, trip_changes=store.trip_changes)
    with serve(app) as live:
        yield live


def test_a_dispatcher_cancels_a_trip_and_riders_see_it_cancelled(
    server: LiveServer, browser: Browser, store: Store
) -> None:
    page = _open(browser, server.url + "/dispatch?refresh=1#/command")
    _log_in(page, "diaodu", PASSWORD)
    page.wait_for("document.body.dataset.page === 'command'")
    page.wait_for("document.querySelectorAll('#command-line option').length > 2")
    page.evaluate(
        "(() => { const s = document.getElementById('command-line'); s.value = 'R1';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    bus = '#command-strip .bus[data-vehicle="V1"]'
    page.wait_for(f"!!document.querySelector({json.dumps(bus)})")
    page.click_on(bus)
    page.wait_for("document.getElementById('trip-target').textContent.includes('O2')")
    page.click_on('#trip-buttons button[data-command="cancel"]')
    page.wait_for("!!document.getElementById('trip-confirm')")
    page.click_on("#trip-confirm")
    page.wait_for(
        '!!document.querySelector(\'#trip-changes tr[data-kind="cancel"][data-active="true"]\')'
        " && document.querySelector('#trip-changes').textContent.includes('撤销')"
    )
    page.wait_for(f"document.querySelector({json.dumps(bus)}).textContent.includes('已取消')")
    _shot(page, "trips")
    (change,) = store.trip_changes.changes_on(SNAPSHOT_DAY)
    assert (change.kind.value, change.trip_id, change.by) == ("cancel", "O2", "diaodu")
    # the live push socket (livepush.js) may be refused: the page polls instead
    assert [e for e in _script_errors(page) if "WebSocket" not in e] == []

    rider = browser.open_app(server.url + "/?refresh=0.5#/stop/D1", DESK)
    row = 'li.arrival[data-trip-id="O2"]'
    rider.wait_for(
        f"!!document.querySelector({json.dumps(row)})"
        f" && document.querySelector({json.dumps(row)}).textContent.includes('已取消')"
    )
    other = rider.evaluate("document.querySelector('li.arrival[data-trip-id=\"O1\"]').textContent")
    assert "已取消" not in other  # the bus ahead still comes
    assert rider.log.errors == []
