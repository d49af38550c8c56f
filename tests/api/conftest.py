"""Fixtures shared by the API's store-backed tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from busbrain.network_io.importer import import_feed
from busbrain.wiring import Store, open_store
from tests.tinyfeed import TinyFeed


@pytest.fixture
def tiny_store(store_url: str, tiny: TinyFeed) -> Iterator[Store]:
    """An empty store (SQLite, then PostgreSQL) with the tiny feed imported."""
    s = open_store(store_url)
    import_feed(tiny.folder(), s.network, now=dt.datetime(2026, 11, 27, 4, tzinfo=dt.UTC))
    yield s
    s.close()
