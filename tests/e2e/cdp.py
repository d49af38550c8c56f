"""Driving headless Chromium over the DevTools protocol on a pipe (no websocket library).

With --remote-debugging-pipe Chromium reads protocol messages from fd 3 and writes them
to fd 4, each a JSON text ended by a NUL byte. One page target, flat sessions.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .browser import CHROMIUM_FLAGS, require_chromium


class CdpError(AssertionError):
    pass


@dataclass
class PageLog:
    """What the page did: every URL it asked for, and every error it reported."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Page:
    """A browser tab: navigate, evaluate JavaScript, click, screenshot."""

    def __init__(self, browser: Browser, session_id: str) -> None:
        self._browser = browser
        self.session_id = session_id
        self.log = PageLog()

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._browser.call(method, params, session_id=self.session_id)

    def set_viewport(self, width: int, height: int, *, mobile: bool = False) -> None:
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
        )

    def goto(self, url: str) -> None:
        self.call("Page.navigate", {"url": url})

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (promises awaited), or CdpError if it threw."""
        reply = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in reply:
            raise CdpError(f"{expression!r} threw: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def wait_for(self, expression: str, *, timeout_s: float = 20.0) -> Any:
        """Polls until the expression is truthy; returns its value."""
        deadline = time.monotonic() + timeout_s
        while True:
            with contextlib.suppress(CdpError):  # the page may be between documents
                value = self.evaluate(expression)
                if value:
                    return value
            if time.monotonic() > deadline:
                raise CdpError(
                    f"timed out waiting for {expression!r}; page errors: {self.log.errors}"
                )
            time.sleep(0.05)

    def click(self, x: float, y: float) -> None:
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
            )

    def click_on(self, selector: str) -> None:
        """A real click or tap (mouse events at the element's centre), once the element is
        there and visible, after scrolling it into view."""
        box = self.wait_for(
            f"""(() => {{ const el = document.querySelector({json.dumps(selector)});
            if (!el) return null; el.scrollIntoView({{block: 'center'}});
            const r = el.getBoundingClientRect();
            if (!r.width || !r.height) return null;
            return {{x: r.x + r.width / 2, y: r.y + r.height / 2}}; }})()"""
        )
        self.click(box["x"], box["y"])

    def type_into(self, selector: str, text: str) -> None:
        """Clicks the field, selects what it holds, and types `text` over it."""
        self.click_on(selector)
        self.evaluate(f"document.querySelector({json.dumps(selector)}).select()")
        self.call("Input.insertText", {"text": text})

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(data))
        return path


class Browser:
    def __init__(self, process: subprocess.Popen[bytes], write_fd: int, read_fd: int) -> None:
        self._process = process
        self._write_fd = write_fd
        self._read_fd = read_fd
        self._next_id = 0
        self._replies: dict[int, queue.Queue[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._listeners: dict[str, Callable[[dict[str, Any]], None]] = {}
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session_id: str | None = None,
        timeout_s: float = 30.0,
    ) -> dict[str, Any]:
        with self._lock:
            self._next_id += 1
            message_id = self._next_id
            inbox: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=1)
            self._replies[message_id] = inbox
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if session_id is not None:
            message["sessionId"] = session_id
        os.write(self._write_fd, json.dumps(message).encode() + b"\0")
        try:
            reply = inbox.get(timeout=timeout_s)
        except queue.Empty:
            raise CdpError(f"no answer to {method} in {timeout_s} s") from None
        if "error" in reply:
            raise CdpError(f"{method}: {reply['error']}")
        result: dict[str, Any] = reply.get("result", {})
        return result

    def open_app(self, url: str, size: tuple[int, int], *, mobile: bool = False) -> Page:
        """A new page at `url` once its app says it is ready (body data-app-ready), failing
        with its error (data-app-error) if it could not start."""
        page = self.new_page()
        page.set_viewport(*size, mobile=mobile)
        page.goto(url)
        page.wait_for("document.body.dataset.appReady || document.body.dataset.appError")
        error = page.evaluate("document.body.dataset.appError")
        assert error is None, (error, page.log.errors)
        return page

    def new_page(self) -> Page:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})
        page = Page(self, session["sessionId"])
        self._listeners[page.session_id] = lambda event: _record(page.log, event)
        for domain in ("Page", "Runtime", "Network", "Log"):
            page.call(f"{domain}.enable")
        return page

    def _read_loop(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._read_fd, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for raw in messages:
                message = json.loads(raw)
                if "id" in message:
                    inbox = self._replies.pop(message["id"], None)
                    if inbox is not None:
                        inbox.put(message)
                elif (listener := self._listeners.get(message.get("sessionId", ""))) is not None:
                    listener(message)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call("Browser.close", timeout_s=5)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)
        os.close(self._write_fd)
        os.close(self._read_fd)


def _record(log: PageLog, event: dict[str, Any]) -> None:
    method = event.get("method")
    params = event.get("params", {})
    if method == "Network.requestWillBeSent":
        log.requests.append(params["request"]["url"])
    elif method == "Runtime.exceptionThrown":
        details = params["exceptionDetails"]
        log.errors.append(str(details.get("exception", {}).get("description") or details))
    elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
        log.errors.append(
            " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
        )
    elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
        log.errors.append(f"{params['entry'].get('text')} {params['entry'].get('url', '')}")


def _high_fd(fd: int) -> int:
    """A copy of fd numbered 10 or more, so that moving it onto 3 or 4 clobbers nothing."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium with a fresh profile, closed (and its profile removed) after."""
    binary = require_chromium()
    profile = Path(tempfile.mkdtemp(prefix="busbrain-chromium-"))
    to_browser_r, to_browser_w = (_high_fd(fd) for fd in os.pipe())
    from_browser_r, from_browser_w = (_high_fd(fd) for fd in os.pipe())
    # bash puts the pipe ends on fds 3 and 4 (where Chromium expects them) and execs it
    wiring = (
        f'exec "$0" "$@" 3<&{to_browser_r} 4>&{from_browser_w} '
        f"{to_browser_r}<&- {from_browser_w}>&-"
    )
    process = subprocess.Popen(
        [
            "/bin/bash",
            "-c",
            wiring,
            str(binary),
            *CHROMIUM_FLAGS,
            "--remote-debugging-pipe",
            f"--user-data-dir={profile}",
            "about:blank",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(to_browser_r, from_browser_w),
        cwd=profile,
    )
    os.close(to_browser_r)
    os.close(from_browser_w)
    browser = Browser(process, to_browser_w, from_browser_r)
    try:
        yield browser
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)
