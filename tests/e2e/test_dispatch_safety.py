"""安全监管 in headless Chromium: a safety officer logs in, opens the module, sees the
alarm queue with the most severe alarm first in its colour, acknowledges it (确认) and
sees its status change to 已确认, with the decision in the audit log. Real server, real
SQLite store (alarms written as the alarm consumer writes them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from busbrain.access.roles import Role
from busbrain.api import create_app
from busbrain.oversight.safety import NewAlarm
from busbrain.wiring import Store, open_store
from tests.api.dispatch_helpers import (
    PASSWORD,
    START,
    Clock,
    add_user,
    cheap_passwords,
    empty_network,
)

from .browser import LiveServer, serve
from .cdp import Browser
from .test_dispatch_login import _log_in, _open, _script_errors, _shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _alarm(kind: str, level: int | None, minutes: float) -> NewAlarm:
    at = START - dt.timedelta(minutes=minutes)
    return NewAlarm(
        f"alarm_raised/139/{kind}/{at.isoformat()}/", "13900000101", "V1", kind, level, at,
        41.12, 121.14, "42", {"speed_kmh": 40},
    )  # fmt: skip


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    st = open_store(f"sqlite:///{tmp_path_factory.mktemp('safety') / 'safety.db'}")
    add_user(st.users, cheap_passwords(), "anquan", Role.SAFETY, display_name="赵安全")
    st.alarms.add_events([_alarm("camera_fault", None, 1), _alarm("dms.phone_call", 2, 5)], [])
    yield st
    st.close()


@pytest.fixture(scope="module")
def server(store: Store) -> Iterator[LiveServer]:
    app = create_app(
        empty_network(),
        clock=Clock(),
        users=store.users,
        passwords=cheap_passwords(),
        alarms=store.alarms,
    )
    with serve(app) as live:
        yield live


def test_a_safety_officer_acknowledges_an_alarm(
    server: LiveServer, browser: Browser, store: Store
) -> None:
    page = _open(browser, server.url + "/dispatch?refresh=1#/safety")
    _log_in(page, "anquan", PASSWORD)
    page.wait_for("document.body.dataset.page === 'safety'")
    page.wait_for("document.querySelectorAll('#safety-alarms tr[data-alarm]').length === 2")
    first = page.evaluate(
        """(() => { const r = document.querySelector('#safety-alarms tr[data-alarm]');
        const badge = r.querySelector('.saf-badge');
        return {id: r.dataset.alarm, severity: r.dataset.severity, text: r.textContent,
                colour: getComputedStyle(badge).backgroundColor}; })()"""
    )
    assert first["severity"] == "high" and "接打电话" in first["text"]
    assert "待确认" in first["text"] and first["colour"] == "rgb(180, 35, 24)"  # --danger
    _shot(page, "safety")

    row = f'#safety-alarms tr[data-alarm="{first["id"]}"]'
    page.click_on(f"{row} .saf-ack")
    page.wait_for(
        f"(() => {{ const r = document.querySelector('{row}');"
        " return r && r.dataset.status === 'acknowledged' && r.textContent.includes('已确认'); })()"
    )
    alarm = store.alarms.alarm(int(first["id"]))
    assert alarm is not None and alarm.status == "acknowledged" and alarm.decided_by == "anquan"
    (entry, *_) = store.users.audit_log()
    assert (entry.action, entry.username, entry.target) == (
        "alarm_acknowledged",
        "anquan",
        f"alarm/{first['id']}",
    )
    assert _script_errors(page) == []
