"""数据分析 in headless Chromium: a manager opens the module over the API tests' day of
known truth (tests/api/test_dispatch_analysis.py), sees the boardings by hour and by
payment channel as charts, picks line 1 and reads its running times (p85 marked) and the
boardings along it; 中/EN switches the page's own words."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from busbrain.access.roles import Role
from busbrain.planning.jobs.taps import TapLoader
from busbrain.wiring import Store
from tests.api.dispatch_helpers import PASSWORD, START
from tests.api.test_dispatch_analysis import KEY, TAPS, _app, _events

from .browser import LiveServer, serve
from .cdp import Browser
from .dispatch_city import city_with_user
from .test_dispatch_login import _log_in, _open, _script_errors, _shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with city_with_user(
        tmp_path_factory, "analysis", "jingli", Role.MANAGER, display_name="李经理"
    ) as st:
        st.history.add_stop_events(_events())
        TapLoader(st, KEY, now=lambda: START).load_bytes(TAPS.encode(), "b1.csv")
        yield st


@pytest.fixture(scope="module")
def server(store: Store) -> Iterator[LiveServer]:
    with serve(_app(store)) as live:
        yield live


def test_a_manager_reads_ridership_running_times_and_the_profile(
    server: LiveServer, browser: Browser
) -> None:
    page = _open(browser, server.url + "/dispatch#/analysis")
    _log_in(page, "jingli", PASSWORD)
    page.wait_for("document.body.dataset.page === 'analysis'")
    page.wait_for("Number(document.body.dataset.pageReady) > 0")
    assert page.evaluate("document.getElementById('ana-from').value") == "2026-12-01"
    assert "7" in page.evaluate("document.getElementById('ana-taps').textContent")
    hours = page.evaluate(
        "[...document.querySelectorAll('#ana-hour-chart .ana-col')].map(c => c.dataset.hour)"
    )
    assert hours == ["8"]
    channels = page.evaluate(
        "[...document.querySelectorAll('#ana-channel-chart .ana-row')].map(r => r.dataset.key)"
    )
    assert channels[0] == "ic_card" and len(channels) == 4
    assert "普通 IC 卡" in page.evaluate("document.getElementById('ana-channels').textContent")
    page.wait_for("[...document.querySelectorAll('#ana-line option')].length > 1")
    page.evaluate(
        "(() => { const s = document.getElementById('ana-line'); s.value = 'R1';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    page.wait_for("document.querySelectorAll('#ana-running-chart .ana-row').length === 3")
    assert page.evaluate("document.querySelectorAll('#ana-running-chart .ana-mark').length") == 3
    running = page.evaluate("document.getElementById('ana-running').textContent")
    assert "3.0 分" in running and "2.8 分" in running  # A1→B1 180 s, B1→C1 165 s
    profile = page.evaluate("document.getElementById('ana-profile').textContent")
    assert "中央大街" in profile and "1.50" in profile
    href = page.evaluate("document.getElementById('ana-profile-csv').getAttribute('href')")
    assert "route_id=R1" in href and href.endswith("format=csv")
    assert "line=R1" in page.evaluate("window.location.hash")
    _shot(page, "analysis")
    page.click_on("#console button[data-lang='en']")
    page.wait_for("document.querySelector('#page h2').textContent === 'Analysis'")
    page.wait_for("(document.getElementById('ana-running')?.textContent || '').includes('3.0 min')")
    assert _script_errors(page) == []
