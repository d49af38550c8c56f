"""A dispatch API over a real (SQLite) user store, with a clock the test moves and a cheap
password hasher (the real parameters cost ~50 ms a hash; the rules are the same)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from busbrain.access.accounts import new_user
from busbrain.access.passwords import Passwords
from busbrain.access.records import CLI_ACTOR, AuditAction, AuditEntry
from busbrain.access.roles import Role
from busbrain.api import create_app
from busbrain.store.memory import InMemoryNetworkQueries
from busbrain.store.ports import UserStore

START = dt.datetime(2026, 12, 1, 0, 30, tzinfo=dt.UTC)  # 08:30 in Jinzhou
PASSWORD = "correct horse battery"
BASE = "/api/v1/dispatch"


def cheap_passwords() -> Passwords:
    return Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def empty_network() -> InMemoryNetworkQueries:
    return InMemoryNetworkQueries([], [], [], [], [], [])


@dataclass
class Clock:
    now: dt.datetime = START

    def __call__(self) -> float:
        return self.now.timestamp()

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def add_user(
    users: UserStore,
    passwords: Passwords,
    username: str,
    role: Role,
    *,
    password: str = PASSWORD,
    display_name: str | None = None,
) -> None:
    user = new_user(
        username=username,
        display_name=display_name,
        role=role,
        password=password,
        passwords=passwords,
        now=START,
    )
    assert users.add_user(
        user, audit=AuditEntry(START, CLI_ACTOR, AuditAction.USER_ADDED, username)
    )


def dispatch_client(
    users: UserStore, clock: Clock, passwords: Passwords, *, session_hours: float = 12.0
) -> TestClient:
    app = create_app(
        empty_network(),
        clock=clock,
        users=users,
        session_hours=session_hours,
        passwords=passwords,
    )
    return TestClient(app)


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in and return the token (the client also keeps the cookie)."""
    r = client.post(f"{BASE}/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    token: str = r.json()["token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
