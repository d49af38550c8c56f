"""服务监管 in headless Chromium: a dispatcher opens the module and sees the day's known
truth (tests/api/test_dispatch_service): one late and one early departure, a passed and
a missed stop, a long dwell, the OTP-by-hour chart, prediction accuracy by horizon, and
"no passenger-counter data" for crowding; then switches to English. On a day with stored
passenger counts, 满载率 per trip and per line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from busbrain.domain.history import PassengerLoadRecord
from busbrain.wiring import Store
from tests.api.dispatch_helpers import PASSWORD
from tests.api.test_dispatch_service import EVENTS, PREDICTIONS, service_app

from .browser import LiveServer, serve
from .cdp import Browser
from .dispatch_city import city_with_user
from .test_dispatch_login import _log_in, _open, _script_errors, _shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

READY = "document.body.dataset.page === 'service' && Number(document.body.dataset.pageReady) >= 1"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with city_with_user(tmp_path_factory, "service") as st:
        st.history.add_stop_events(EVENTS)
        st.history.add_predictions(PREDICTIONS)
        yield st


@pytest.fixture(scope="module")
def server(store: Store) -> Iterator[LiveServer]:
    with serve(service_app(store)) as live:
        yield live


def _card(page: object, id_: str) -> str:
    value: str = page.evaluate(f"document.querySelector('#{id_} strong').textContent")  # type: ignore[attr-defined]
    return value


def test_a_dispatcher_sees_the_days_service(server: LiveServer, browser: Browser) -> None:
    page = _open(browser, server.url + "/dispatch#/service")
    _log_in(page, "diaodu", PASSWORD)
    page.wait_for(READY)
    assert _card(page, "svc-late") == "14.3%" and _card(page, "svc-early") == "14.3%"
    assert (_card(page, "svc-passed"), _card(page, "svc-missed"), _card(page, "svc-dwells")) == (
        "1",
        "1",
        "1",
    )
    bars = page.evaluate("document.querySelectorAll('#svc-hour-chart .svc-bar').length")
    assert bars == 1
    late = page.evaluate(
        "document.querySelector('#svc-adherence tr[data-status=\"late\"]').textContent"
    )
    assert "O0" in late and "晚 6.0 分钟" in late
    kinds = page.evaluate(
        "[...document.querySelectorAll('#svc-skips tbody tr')].map(r => r.dataset.kind)"
    )
    assert kinds == ["passed", "missed"]
    assert (
        page.evaluate("document.querySelectorAll('#svc-accuracy-chart rect.svc-method').length")
        >= 2
    )
    crowd = page.evaluate("document.querySelector('#svc-crowding .svc-no-counter').dataset.note")
    assert crowd == "no passenger-counter data"
    href = page.evaluate("document.querySelector('#svc-skips-section a.svc-csv').href")
    assert href.endswith("/api/v1/dispatch/service/skips?format=csv")
    _shot(page, "service")

    page.click_on("#console button[data-lang='en']")
    page.wait_for(
        READY + " && document.getElementById('svc-cards').textContent.includes('Passed stops')"
    )
    assert "Long dwells" in page.evaluate("document.getElementById('svc-body').textContent")
    assert _script_errors(page) == []


def test_crowding_shows_the_counted_max_load_per_trip_and_line(
    server: LiveServer, browser: Browser, store: Store
) -> None:
    day = dt.date(2026, 12, 2)  # another day: the first test's page stays without counts
    when = dt.datetime(2026, 12, 2, 0, 30, tzinfo=dt.UTC)
    store.history.add_passenger_loads(
        [
            PassengerLoadRecord(day, "V1", "O0", "A1", 1, 30, 0, 30, 60, when),
            PassengerLoadRecord(day, "V1", "O0", "B1", 2, 40, 4, 66, 60, when),
        ]
    )
    page = _open(browser, server.url + "/dispatch#/service?date=2026-12-02")
    page.wait_for(f"document.body.dataset.consoleState === 'login' || ({READY})")
    if page.evaluate("document.body.dataset.consoleState === 'login'"):  # not still logged in
        _log_in(page, "diaodu", PASSWORD)
    page.wait_for(READY + " && document.getElementById('svc-crowding-trips') !== null")
    row = page.evaluate("document.querySelector('#svc-crowding-trips tbody tr').textContent")
    assert "O0" in row and "66" in row and "110.0%" in row
    lines = page.evaluate("document.querySelector('#svc-crowding-lines tbody tr').textContent")
    assert "110.0%" in lines
    assert "APC" in page.evaluate(  # either language (the first test switched to English)
        "document.getElementById('svc-crowding-source').textContent"
    )
    assert page.evaluate("document.querySelector('#svc-crowding .svc-no-counter')") is None
    assert _script_errors(page) == []
