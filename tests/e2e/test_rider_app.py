"""The rider app at / in headless Chromium, on a phone-sized screen, against a real server.

The network is the tiny feed; one bus runs trip T1 (中央大街 → 解放路口 → 锦州站 →
医科大学, 06:00-06:10 on Monday 2026-11-30) a minute late. The test owns the server's
clock: each step moves "now" and the bus with it, as the simulator would, and the page
must follow on its own (no reloads): the countdown shrinks, the reminder fires, the bus
moves along the line's strip.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from busbrain.api import create_app
from busbrain.domain.live import LiveSnapshot, StopPrediction, StopStatus, VehicleLive
from busbrain.network_io.importer import import_feed
from busbrain.wiring import Store, open_store
from tests.api.test_gtfsrt import local
from tests.tinyfeed import TinyFeed

from .browser import LiveServer, serve
from .cdp import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = (390, 844)
SCREENSHOTS = os.environ.get("BUSBRAIN_SCREENSHOTS")
LATE_S = 60.0
# T1's stops: (stop_id, sequence, lat, lon, scheduled arrival, scheduled departure)
T1 = (
    ("A1", 1, 41.12010, 121.13000, local(6, 0), local(6, 0)),
    ("B1", 2, 41.12000, 121.13600, local(6, 3), local(6, 3, 30)),
    ("C1", 3, 41.12000, 121.14200, local(6, 6), local(6, 6, 30)),
    ("D1", 4, 41.12600, 121.14200, local(6, 10), local(6, 10)),
)


def bus_at(now: float) -> VehicleLive:
    """Bus 辽G10001 on T1 at `now`, running LATE_S behind the timetable: where it is, the
    stop it heads for, and its predictions for the stops ahead."""
    t = now - LATE_S
    ahead = next((k for k, s in enumerate(T1) if t < s[4]), len(T1) - 1)
    stopped = ahead > 0 and T1[ahead - 1][4] <= t < T1[ahead - 1][5]
    if stopped or ahead == 0:
        k = max(ahead - 1, 0)
        lat, lon, stop, status = T1[k][2], T1[k][3], T1[k], StopStatus.STOPPED_AT
    else:
        a, b = T1[ahead - 1], T1[ahead]
        share = min(max((t - a[5]) / (b[4] - a[5]), 0.0), 1.0)
        lat, lon = a[2] + (b[2] - a[2]) * share, a[3] + (b[3] - a[3]) * share
        stop, status = b, StopStatus.IN_TRANSIT_TO
    predictions = tuple(
        StopPrediction(s[0], s[1], s[4] + LATE_S, s[5] + LATE_S, 30) for s in T1 if s[1] >= stop[1]
    )
    return VehicleLive(
        "V1", now - 3, lat, lon, label="辽G10001", trip_id="T1", route_id="R1", direction_id=0,
        start_date="20261130", start_time="06:00:00", stop_id=stop[0], stop_sequence=stop[1],
        status=status, delay_s=LATE_S, predictions=predictions, predicted_at=now - 2,
        occupancy_percent=72,
    )  # fmt: skip


@dataclass
class City:
    now: float

    def snapshot(self) -> LiveSnapshot:
        return LiveSnapshot(self.now, (bus_at(self.now),))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    base = tmp_path_factory.mktemp("rider")
    s = open_store(f"sqlite:///{base / 'rider.db'}")
    import_feed(
        TinyFeed(base / "tiny").folder(), s.network, now=dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
    )
    yield s
    s.close()


@pytest.fixture(scope="module")
def city() -> City:
    return City(local(6, 0, 30))


@pytest.fixture(scope="module")
def server(store: Store, city: City) -> Iterator[LiveServer]:
    app = create_app(
        store.queries, live=city.snapshot, schedule=store.schedule, clock=lambda: city.now
    )
    app.state.reminder_poll_s = 0.2
    with serve(app) as live:
        yield live


def _open(browser: Browser, url: str) -> Page:
    return browser.open_app(url, PHONE, mobile=True)


def _shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(Path(SCREENSHOTS) / f"rider-{name}.png")


def test_find_a_stop_by_initials_watch_it_count_down_and_get_reminded(
    server: LiveServer, browser: Browser, city: City
) -> None:
    city.now = local(6, 0, 30)
    page = _open(browser, server.url + "/?refresh=0.5")
    page.type_into("#search", "ykdx")  # 医科大学 by its pinyin initials
    page.wait_for("document.body.dataset.searchDone === 'ykdx'")
    first = page.evaluate("document.querySelector('#search-results a').textContent")
    assert "医科大学" in first
    _shot(page, "search")
    page.click_on("#search-results a")
    page.wait_for("document.body.dataset.view === 'stop' && document.body.dataset.viewReady > 0")
    assert page.evaluate("document.querySelector('.stop-head h2').textContent") == "医科大学"

    before = _wait_arrival(page)
    assert before["state"] == "live" and before["stopsAway"] == "3"
    assert before["text"] == f"3站 / {before['minutes']}分钟"
    assert int(before["minutes"]) in (10, 11)  # 06:11 predicted, 06:00:30 now
    card = page.evaluate("document.querySelector('.line-card[data-route-id=\"R1\"]').textContent")
    assert "开往 医科大学" in card and "实时" in card and "较拥挤" in card  # 72% full
    _shot(page, "stop")

    city.now = local(6, 5, 0)  # the bus has left 解放路口 for 锦州站
    after = _wait_arrival(page, stops_away=2)
    assert int(after["minutes"]) == 6 and after["state"] == "live"

    # a reminder when the bus is one stop away
    page.click_on('.line-card[data-route-id="R1"] button.remind')
    page.evaluate("document.querySelector('.line-card[data-route-id=\"R1\"] select').value = '0'")
    page.click_on('.line-card[data-route-id="R1"] form button[type=submit]')
    page.wait_for("document.body.dataset.reminderSet === 'R1/0'")
    assert page.evaluate("document.body.dataset.remindersFired") is None
    city.now = local(6, 7, 40)  # past 锦州站: one stop to go
    page.wait_for("document.body.dataset.remindersFired === '1'", timeout_s=15)
    toast = page.evaluate("document.getElementById('toast').textContent")
    assert "1路还有1站" in toast and "医科大学" in toast
    _shot(page, "reminder")
    arriving = _wait_arrival(page, stops_away=1)
    assert arriving["text"] == f"1站 / {arriving['minutes']}分钟"

    page.goto(server.url + "/?refresh=0.5#/reminders")
    page.wait_for("document.body.dataset.view === 'reminders' && document.body.dataset.appReady")
    state = page.evaluate("document.querySelector('#reminders li').dataset.state")
    assert state == "fired"
    assert page.log.errors == []


def _wait_arrival(page: Page, stops_away: int | None = None) -> Any:
    """Line 1 outbound's next bus on the stop page (its data-* and countdown text), once
    there, and once it is `stops_away` stops away when that is given."""
    when = "true" if stops_away is None else f"el.dataset.stopsAway === '{stops_away}'"
    return page.wait_for(
        f"""(() => {{ const el = document.querySelector(
             '.line-card[data-route-id="R1"][data-direction-id="0"] li.arrival.next');
           return el && {when} && {{...el.dataset,
             text: el.querySelector('.countdown').textContent}}; }})()"""
    )


def test_the_line_page_shows_the_bus_moving_along_the_strip(
    server: LiveServer, browser: Browser, city: City
) -> None:
    city.now = local(6, 2, 0)
    page = _open(browser, server.url + "/?refresh=0.5#/line/R1?dir=0&stop=C1")
    page.wait_for("!!document.querySelector('.bus[data-vehicle-id=\"V1\"]')")
    where = """(() => { const b = document.querySelector('.bus[data-vehicle-id="V1"]');
        const r = b.getBoundingClientRect(); return {at: Number(b.dataset.stripAt),
        y: r.y + window.scrollY, label: b.getAttribute('aria-label')}; })()"""
    start = page.evaluate(where)
    assert 1.0 < start["at"] < 2.0 and "驶向 解放路口" in start["label"]
    assert page.evaluate("document.querySelector('.stop-row.here').dataset.stopId") == "C1"
    listed = page.evaluate("document.querySelector('#bus-list').textContent")
    assert "辽G10001" in listed and "解放路口" in listed  # the list equivalent
    _shot(page, "line")

    city.now = local(6, 5, 30)
    moved = page.wait_for(
        """(() => { const b = document.querySelector('.bus[data-vehicle-id="V1"]');
           return b && Number(b.dataset.stripAt) > 2 && Number(b.dataset.stripAt); })()"""
    )
    assert 2.0 < moved < 3.0
    page.wait_for(f"({where}).y > {start['y']} + 40")  # drawn further down the strip

    # riding it: a get-off reminder for 医科大学
    page.click_on('.bus[data-vehicle-id="V1"]')
    page.click_on('.stop-row[data-stop-id="D1"] button.alight')
    page.wait_for("document.getElementById('toast').textContent.includes('医科大学')")
    city.now = local(6, 8, 0)
    page.wait_for("document.body.dataset.remindersFired === '1'", timeout_s=15)
    assert "准备下车" in page.evaluate("document.getElementById('toast').textContent")
    assert page.log.errors == []


def test_elder_mode_english_and_favourites_stay_on_the_device(
    server: LiveServer, browser: Browser, city: City
) -> None:
    city.now = local(6, 2, 0)
    page = _open(browser, server.url + "/?refresh=0.5#/stop/C1")
    page.wait_for("document.body.dataset.viewReady > 0")
    size = "parseFloat(getComputedStyle(document.querySelector('.countdown')).fontSize)"
    normal = page.evaluate(size)
    assert page.evaluate("document.querySelector('.stop-head .pinyin').offsetParent !== null")
    page.click_on("#elder")
    page.wait_for("document.body.classList.contains('elder')")
    big = page.evaluate(size)
    assert big > normal * 1.25
    assert page.evaluate("document.querySelector('.stop-head .pinyin').offsetParent") is None
    _shot(page, "elder")

    page.click_on(".stop-head .star")
    page.click_on('button[data-lang="en"]')
    page.wait_for("document.body.dataset.uiLang === 'en' && document.body.dataset.viewReady > 0")
    text = page.wait_for(
        "(() => { const el = document.querySelector('li.arrival.next .countdown');"
        " return el && el.textContent; })()"
    )
    assert "min" in text or text == "Arriving"
    assert page.evaluate("document.querySelector('#back').getAttribute('aria-label')") == "Back"

    # a new page on the same device keeps the language, elder mode and the favourite
    again = _open(browser, server.url + "/#/")
    again.wait_for("!!document.querySelector('#favourites')")
    assert "锦州站" in again.evaluate("document.querySelector('#favourites').textContent")
    assert again.evaluate("document.body.dataset.uiLang") == "en"
    assert again.evaluate("document.body.classList.contains('elder')")
    again.click_on("#elder")  # leave the profile as found for the other tests
    again.click_on('button[data-lang="zh"]')
    assert page.log.errors == [] and again.log.errors == []


def test_nearby_stops_come_from_the_phones_position_and_nothing_loads_from_outside(
    server: LiveServer, browser: Browser
) -> None:
    page = _open(browser, server.url + "/")
    origin = server.url.split("//", 1)[1]
    browser.call("Browser.grantPermissions", {"origin": server.url, "permissions": ["geolocation"]})
    page.call(
        "Emulation.setGeolocationOverride",
        {"latitude": 41.1201, "longitude": 121.1301, "accuracy": 10},
    )
    page.click_on("#locate")
    names = page.wait_for(
        "(() => { const li = document.querySelectorAll('#nearby li');"
        " return li.length && [...li].map((x) => x.textContent); })()"
    )
    assert "中央大街" in names[0]  # 10 m away, before 解放路口 500 m off
    assert any("解放路口" in n for n in names[1:])
    _shot(page, "home")
    outside = [u for u in page.log.requests if origin not in u and not u.startswith("data:")]
    assert outside == []
    assert page.log.errors == []
