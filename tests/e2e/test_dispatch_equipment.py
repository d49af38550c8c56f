"""设备监管 in headless Chromium: a safety officer opens the module over the API tests'
fleet of known truth (tests/api/test_dispatch_equipment.py): the bus silent in service
listed as the alarm, the online rates as cards and bars (line R1 50 %, R2 100 %), the
problems as bars that filter the terminal table, the CSV link following the filter;
the parked bus's camera fault in its row (Chinese, then English) and under the problem
device_fault; 中/EN switches the page's own words."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from busbrain.access.roles import Role
from busbrain.api import create_app
from busbrain.wiring import Store, open_store
from tests.api.dispatch_helpers import PASSWORD, Clock, add_user, cheap_passwords, empty_network
from tests.api.test_dispatch_equipment import fleet

from .browser import LiveServer, serve
from .cdp import Browser
from .test_dispatch_login import _log_in, _open, _script_errors, _shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    st = open_store(f"sqlite:///{tmp_path_factory.mktemp('equipment') / 'eq.db'}")
    add_user(st.users, cheap_passwords(), "anquan", Role.SAFETY, display_name="赵安全")
    yield st
    st.close()


@pytest.fixture(scope="module")
def server(store: Store) -> Iterator[LiveServer]:
    app = create_app(
        empty_network(),
        clock=Clock(),
        users=store.users,
        passwords=cheap_passwords(),
        devices=fleet(),
    )
    with serve(app) as live:
        yield live


def test_a_safety_officer_reads_the_equipment_health(server: LiveServer, browser: Browser) -> None:
    page = _open(browser, server.url + "/dispatch?refresh=2#/equipment")
    _log_in(page, "anquan", PASSWORD)
    page.wait_for("document.body.dataset.page === 'equipment'")
    page.wait_for("Number(document.body.dataset.pageReady) > 0")
    alarms = page.evaluate(
        "[...document.querySelectorAll('#eq-alarms tr[data-vehicle]')].map(r => r.textContent)"
    )
    assert len(alarms) == 1 and "辽GV2" in alarms[0] and "5 分钟" in alarms[0]
    cards = page.evaluate("document.getElementById('eq-cards').textContent")
    assert "运营车辆在线率66.7%2/3" in cards and "失联报警1" in cards
    assert "设备故障车辆1" in cards
    bars = page.evaluate(
        "[...document.querySelectorAll('#eq-lines .eq-bar-now')].map(b => b.dataset.value)"
    )
    assert bars == ["50", "100"]
    depots = page.evaluate(
        "[...document.querySelectorAll('#eq-depots .eq-chart-row')].map(r => r.dataset.key)"
    )
    assert depots == ["一车队", "二车队"]
    faulty = page.evaluate(
        "document.querySelector('#eq-depots .eq-chart-row[data-key=\"二车队\"]').textContent"
    )
    assert "设备故障 1 台" in faulty
    rows = page.evaluate(
        "[...document.querySelectorAll('#eq-terminals tr[data-vehicle]')]"
        ".map(r => r.dataset.vehicle)"
    )
    assert rows[:2] == ["V2", "V3"] and sorted(rows) == ["V1", "V2", "V3", "V4"]
    v4 = page.evaluate(
        "document.querySelector('#eq-terminals tr[data-vehicle=\"V4\"]').textContent"
    )
    assert "摄像头故障（08:22:00 起）" in v4 and "设备故障" in v4
    _shot(page, "equipment")
    page.click_on("#eq-problems button[data-problem='clock_skew']")
    page.wait_for("document.querySelectorAll('#eq-terminals tr[data-vehicle]').length === 1")
    row = page.evaluate("document.querySelector('#eq-terminals tr[data-vehicle]').textContent")
    assert "辽GV3" in row and "+120 秒" in row
    href = page.evaluate("document.getElementById('eq-csv').getAttribute('href')")
    assert href.endswith("/equipment/terminals?problem=clock_skew&format=csv")
    assert "problem=clock_skew" in page.evaluate("window.location.hash")
    page.click_on("#console button[data-lang='en']")
    page.wait_for("document.querySelector('#page h2').textContent === 'Equipment'")
    page.wait_for("document.getElementById('eq-terminals').textContent.includes('+120 s')")
    page.click_on("#eq-problems button[data-problem='device_fault']")
    page.wait_for(
        "document.querySelectorAll('#eq-terminals tr[data-vehicle]').length === 1"
        " && document.querySelector('#eq-terminals tr[data-vehicle]').dataset.vehicle === 'V4'"
    )
    row = page.evaluate("document.querySelector('#eq-terminals tr[data-vehicle]').textContent")
    assert "Camera fault (since 08:22:00)" in row and "Device fault" in row
    assert page.evaluate("document.getElementById('eq-problem').value") == "device_fault"
    assert _script_errors(page) == []
