"""运营监管 in headless Chromium: a dispatcher opens the module over the API tests' day of
known truth (tests/api/test_dispatch_operations.py), sees line 1's 正班率 and 发车正点率
as cards and bars, the missing trips and the overlong layover listed, picks bus VB and
reads its waybill; 中/EN switches the page's own words."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from busbrain.wiring import Store
from tests.api.dispatch_helpers import PASSWORD
from tests.api.test_dispatch_operations import _app, _events

from .browser import LiveServer, serve
from .cdp import Browser
from .dispatch_city import city_with_user
from .test_dispatch_login import _log_in, _open, _script_errors, _shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with city_with_user(tmp_path_factory, "operations") as st:
        st.history.add_stop_events(_events())
        yield st


@pytest.fixture(scope="module")
def server(store: Store) -> Iterator[LiveServer]:
    with serve(_app(store)) as live:
        yield live


def test_a_dispatcher_reads_the_figures_and_a_waybill(server: LiveServer, browser: Browser) -> None:
    page = _open(browser, server.url + "/dispatch?refresh=2#/operations")
    _log_in(page, "diaodu", PASSWORD)
    page.wait_for("document.body.dataset.page === 'operations'")
    page.wait_for("Number(document.body.dataset.pageReady) > 0")
    cards = page.evaluate("document.getElementById('ops-cards').textContent")
    assert "正班率33.3%3/9" in cards and "发车正点率50.0%2/4" in cards  # all lines
    bars = page.evaluate(
        "[...document.querySelectorAll('#ops-chart .ops-bar')].map(b => b.dataset.value)"
    )
    assert bars == ["37.5", "50", "0", ""]  # line 1 both, line 2 completion only
    row = page.evaluate("document.querySelector('#ops-lines tr[data-route=\"R1\"]').textContent")
    assert "37.5%" in row and "50.0%" in row
    missing = page.evaluate(
        "[...document.querySelectorAll('#ops-missing tr[data-trip]')].map(r => r.dataset.trip)"
    )
    assert missing == ["I0", "I3", "O3", "O4"]
    assert "医科大学" in page.evaluate("document.getElementById('ops-overlong').textContent")
    page.evaluate(
        "(() => { const s = document.getElementById('ops-vehicle'); s.value = 'VB';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    page.wait_for("document.querySelectorAll('#ops-waybill tr[data-trip]').length === 2")
    trip = page.evaluate("document.querySelector('#ops-waybill tr[data-trip=\"I2\"]').textContent")
    assert "08:20" in trip and "08:41" in trip and "晚 21.0 分" in trip
    href = page.evaluate("document.getElementById('ops-waybill-csv').getAttribute('href')")
    assert href.endswith("vehicle_id=VB&format=csv")
    _shot(page, "operations")
    page.click_on("#console button[data-lang='en']")
    page.wait_for("document.querySelector('#page h2').textContent === 'Operations'")
    page.wait_for(  # the page is drawn again in English, with the bus still picked
        "(document.getElementById('ops-waybill')?.textContent || '').includes('21.0 min late')"
    )
    assert "vehicle=VB" in page.evaluate("window.location.hash")
    assert _script_errors(page) == []
