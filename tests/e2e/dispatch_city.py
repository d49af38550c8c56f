"""The browser tests' store: the command city (tests/api/command_helpers.py) in a
module's own folder, with one console user who logs in with PASSWORD."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from busbrain.access.roles import Role
from busbrain.wiring import Store, open_store
from tests.api.command_helpers import city_store_path, load_city
from tests.api.dispatch_helpers import add_user, cheap_passwords
from tests.tinyfeed import TinyFeed


@contextmanager
def city_with_user(
    tmp_path_factory: pytest.TempPathFactory,
    folder: str,
    username: str = "diaodu",
    role: Role = Role.DISPATCHER,
    display_name: str = "王调度",
) -> Iterator[Store]:
    """The city's store in a new folder `folder`, with the user; closed after."""
    base = tmp_path_factory.mktemp(folder)
    st = open_store(city_store_path(base))
    load_city(st, TinyFeed(base / "tiny"))
    add_user(st.users, cheap_passwords(), username, role, display_name=display_name)
    yield st
    st.close()
