"""The dispatch console at /dispatch in headless Chromium, against a real server and user
store: the login page refuses a wrong password, an admin logs in and sees the modules,
adds a user and reads the audit log, logs out; a dispatcher sees no 用户管理; an expired
session returns to the login page with a message. The test owns the server's clock.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from busbrain.access.roles import Role
from busbrain.api import create_app
from busbrain.oversight.equipment import Equipment
from busbrain.wiring import Store, open_store
from tests.api.dispatch_helpers import (
    PASSWORD,
    Clock,
    add_user,
    cheap_passwords,
    empty_network,
)

from .browser import LiveServer, serve
from .cdp import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESK = (1280, 800)
SCREENSHOTS = os.environ.get("BUSBRAIN_SCREENSHOTS")
MODULES_ZH = ["调度指挥", "运营监管", "安全监管", "设备监管", "服务监管", "数据分析"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    st = open_store(f"sqlite:///{tmp_path_factory.mktemp('console') / 'console.db'}")
    passwords = cheap_passwords()
    add_user(st.users, passwords, "admin", Role.ADMIN, display_name="系统管理员")
    add_user(st.users, passwords, "diaodu", Role.DISPATCHER, display_name="王调度")
    yield st
    st.close()


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def server(store: Store, clock: Clock) -> Iterator[LiveServer]:
    app = create_app(
        empty_network(),
        clock=clock,
        users=store.users,
        passwords=cheap_passwords(),
        devices=Equipment(),  # no bus heard yet: 设备监管 shows an empty fleet
    )
    with serve(app) as live:
        yield live


def _open(browser: Browser, url: str) -> Page:
    return browser.open_app(url, DESK)


def _log_in(page: Page, username: str, password: str) -> None:
    page.wait_for("document.body.dataset.consoleState === 'login'")
    page.type_into("#username", username)
    page.type_into("#password", password)
    page.call("Input.dispatchKeyEvent", {"type": "keyDown", "key": "Enter", "code": "Enter",
                                         "windowsVirtualKeyCode": 13, "text": "\r"})  # fmt: skip
    page.call("Input.dispatchKeyEvent", {"type": "keyUp", "key": "Enter", "code": "Enter",
                                         "windowsVirtualKeyCode": 13})  # fmt: skip


def _text(page: Page, selector: str) -> str:
    value: str = page.evaluate(
        f"(document.querySelector({json.dumps(selector)}) || {{}}).textContent || ''"
    )
    return value


def _nav(page: Page) -> list[str]:
    names: list[str] = page.evaluate(
        "[...document.querySelectorAll('#nav a')].map(a => a.textContent)"
    )
    return names


def _visible_login_message(page: Page, key: str) -> str:
    page.wait_for(
        f"!document.getElementById('login-message').hidden && "
        f"document.getElementById('login-message').dataset.key === {json.dumps(key)}"
    )
    return _text(page, "#login-message")


def _shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(Path(SCREENSHOTS) / f"dispatch-{name}.png")


def _script_errors(page: Page) -> list[str]:
    """Errors but the browser's notes on the 401s the page expects (not logged in yet)."""
    return [e for e in page.log.errors if "status of 401" not in e]


def test_an_admin_logs_in_adds_a_user_reads_the_audit_log_and_logs_out(
    server: LiveServer, browser: Browser, clock: Clock, store: Store
) -> None:
    page = _open(browser, server.url + "/dispatch")
    page.wait_for("document.body.dataset.consoleState === 'login'")
    assert _text(page, "h1") == "公交云脑 · 调度中心"
    _shot(page, "login")

    _log_in(page, "admin", "not the password")
    assert _visible_login_message(page, "loginWrong") == "用户名或密码错误。"
    assert page.evaluate("document.body.dataset.consoleState") == "login"
    assert page.evaluate("document.getElementById('password').value") == ""

    _log_in(page, "admin", PASSWORD)
    page.wait_for("document.body.dataset.consoleState === 'console'")
    assert _text(page, "#who-name") == "系统管理员" and _text(page, "#who-role") == "管理员"
    assert _nav(page) == [*MODULES_ZH, "用户管理", "审计日志"]
    page.wait_for("document.body.dataset.page === 'command'")
    page.wait_for("Number(document.body.dataset.pageReady) > 0")
    # an admin may not send: the parts left out leave nothing behind (not even "null")
    assert "null" not in page.evaluate("document.getElementById('page').innerText")
    page.click_on("#nav a[data-page='equipment']")
    page.wait_for("document.body.dataset.page === 'equipment'")
    page.wait_for("Number(document.body.dataset.pageReady) >= 1")  # 设备监管's own page
    assert _text(page, "#page h2") == "设备监管" and _text(page, "#eq-card-silent") == "失联报警0"
    _shot(page, "module")

    page.click_on("#nav a[data-page='users']")
    page.wait_for(
        "document.body.dataset.page === 'users' && Number(document.body.dataset.pageReady) >= 1"
    )
    rows = page.evaluate(
        "[...document.querySelectorAll('#users-table tbody tr')].map(r => r.dataset.username)"
    )
    assert rows == ["admin", "diaodu"]
    page.type_into("#new-username", "AnQuan")
    page.type_into("#new-display_name", "李安全")
    page.evaluate("document.getElementById('new-role').value = 'safety'")
    page.type_into("#new-password", "short")
    page.type_into("#new-repeat", "short")
    page.click_on("#add-user-submit")
    page.wait_for("document.getElementById('users-message').textContent.includes('10')")
    page.type_into("#new-password", "安全第一 anquan")
    page.type_into("#new-repeat", "安全第一 anquan")
    page.click_on("#add-user-submit")
    page.wait_for("!!document.querySelector('#users-table tr[data-username=\"anquan\"]')")
    assert _text(page, "#users-message") == "已新增用户 anquan。"
    assert "安全员" in _text(page, "#users-table tr[data-username='anquan']")
    _shot(page, "users")
    added = store.users.find_user("anquan")
    assert added is not None and added.role is Role.SAFETY and added.display_name == "李安全"

    page.click_on("#nav a[data-page='audit']")
    page.wait_for("!!document.querySelector('#audit-table tr[data-action=\"user_added\"]')")
    newest = _text(page, "#audit-table tbody tr")
    assert "admin" in newest and "新增用户" in newest and "anquan" in newest
    failed = page.evaluate(
        "[...document.querySelectorAll('#audit-table tr[data-action=\"login_failed\"]')].length"
    )
    assert failed == 1
    _shot(page, "audit")

    page.click_on("#logout")
    assert _visible_login_message(page, "loggedOut") == "已退出。"
    me = page.evaluate("fetch('/api/v1/dispatch/me').then(r => r.status)")
    assert me == 401  # the cookie is gone and the session with it
    assert _script_errors(page) == []
    outside = [u for u in page.log.requests if not u.startswith(server.url)]
    assert outside == []


def test_a_dispatcher_sees_no_user_admin_and_an_expired_session_returns_to_the_login(
    server: LiveServer, browser: Browser, clock: Clock
) -> None:
    page = _open(browser, server.url + "/dispatch?check=0.5")
    _log_in(page, "diaodu", PASSWORD)
    page.wait_for("document.body.dataset.consoleState === 'console'")
    assert _text(page, "#who-name") == "王调度" and _text(page, "#who-role") == "调度员"
    assert _nav(page) == MODULES_ZH[:5]
    assert page.evaluate("document.querySelector('#nav a[data-page=\"users\"]')") is None
    page.goto(server.url + "/dispatch?check=0.5#/users")  # typed in: still not shown
    page.wait_for("document.body.dataset.appReady && document.body.dataset.page === 'command'")

    clock.advance(hours=12, seconds=1)
    message = _visible_login_message(page, "sessionExpired")
    assert message == "登录已过期，请重新登录。"
    assert page.evaluate("document.body.dataset.consoleState") == "login"
    assert _script_errors(page) == []


def test_the_login_page_speaks_english_when_asked_and_remembers_it(
    server: LiveServer, browser: Browser
) -> None:
    page = _open(browser, server.url + "/dispatch")
    page.wait_for("document.body.dataset.consoleState === 'login'")
    page.click_on("#login button[data-lang='en']")
    page.wait_for("document.body.dataset.uiLang === 'en'")
    assert _text(page, "#login-submit") == "Log in"
    assert page.evaluate("localStorage.getItem('busbrain.lang')") == "en"
    _log_in(page, "admin", "wrong again!")
    assert _visible_login_message(page, "loginWrong") == "Wrong username or password."
    page.click_on("#login button[data-lang='zh']")
    page.wait_for("document.body.dataset.uiLang === 'zh'")
    assert _text(page, "#login-message") == "用户名或密码错误。"
