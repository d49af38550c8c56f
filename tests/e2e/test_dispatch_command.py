"""调度指挥 in headless Chromium: a dispatcher logs in, opens the module, picks line 1,
sees the late bus on the strip in its late colour and words and the bunched one flagged
串车, clicks it, sends it a message and sees the message listed with its status. The
test owns the server's clock and a hand-made live picture (tests/api/command_helpers)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from busbrain.domain.terminals import CommandKind
from busbrain.wiring import Store
from tests.api.command_helpers import PHONES, command_app
from tests.api.dispatch_helpers import PASSWORD

from .browser import LiveServer, serve
from .cdp import Browser
from .dispatch_city import city_with_user
from .test_dispatch_login import _log_in, _open, _script_errors, _shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with city_with_user(tmp_path_factory, "command") as st:
        yield st


@pytest.fixture(scope="module")
def server(store: Store) -> Iterator[LiveServer]:
    app = command_app(store)
    with serve(app) as live:
        yield live


def test_a_dispatcher_sees_the_late_bus_on_the_strip_and_messages_it(
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
    late = '#command-strip .bus[data-vehicle="V1"]'
    page.wait_for(f"!!document.querySelector({json.dumps(late)})")
    state = page.evaluate(
        f"""(() => {{ const b = document.querySelector({json.dumps(late)});
        return {{adherence: b.dataset.adherence, text: b.textContent,
                 colour: getComputedStyle(b).backgroundColor}}; }})()"""
    )
    assert state["adherence"] == "late"
    assert "晚点 6.7 分" in state["text"] and "串车" in state["text"]
    assert state["colour"] == "rgb(180, 35, 24)"  # --danger
    gap = page.evaluate(
        "document.querySelector('#command-strip .bus[data-vehicle=\"V4\"]').textContent"
    )
    assert "大间隔" in gap
    row = page.evaluate(
        "document.querySelector('#command-buses tr[data-vehicle=\"V1\"]').textContent"
    )
    assert "晚点 6.7 分" in row and "串车" in row and "3.0 分" in row
    _shot(page, "command")

    page.click_on(late)
    page.wait_for("document.getElementById('message-target').textContent.includes('V1')")
    page.type_into("#message-text", "请注意车距")
    page.click_on("#message-send")
    page.wait_for(
        "[...document.querySelectorAll('#command-messages tr[data-vehicle=\"V1\"]')]"
        ".some(r => r.textContent.includes('请注意车距') && r.textContent.includes('待发送'))"
    )
    (command,) = store.outbox.recent(CommandKind.TEXT)
    assert command.phone == PHONES["V1"] and command.payload["text"] == "请注意车距"
    assert _script_errors(page) == []
