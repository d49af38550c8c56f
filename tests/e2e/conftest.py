"""The browser tests' shared fixture: one headless Chromium per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .browser import require_chromium
from .cdp import Browser, chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium with a fresh profile, for the module's tests (fails, never skips,
    when it is not installed)."""
    require_chromium()
    with chromium() as b:
        yield b
