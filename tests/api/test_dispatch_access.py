"""The dispatch API's access layer: login, sessions, roles, user admin and the audit log,
over a real SQLite user store with the test's own clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

from busbrain.access.passwords import Passwords
from busbrain.access.roles import ROLE_PERMISSIONS, Module, Role, read_permission
from busbrain.access.tokens import token_hash
from busbrain.api import create_app
from busbrain.store import schema as s
from busbrain.wiring import Store, open_store
from tests.api.dispatch_helpers import (
    BASE,
    PASSWORD,
    START,
    Clock,
    add_user,
    bearer,
    cheap_passwords,
    dispatch_client,
    empty_network,
    login,
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    st = open_store(f"sqlite:///{tmp_path / 'users.db'}")
    yield st
    st.close()


@pytest.fixture
def passwords() -> Passwords:
    return cheap_passwords()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(store: Store, clock: Clock, passwords: Passwords) -> TestClient:
    add_user(store.users, passwords, "admin", Role.ADMIN, display_name="系统管理员")
    add_user(store.users, passwords, "diaodu", Role.DISPATCHER, display_name="王调度")
    add_user(store.users, passwords, "jingli", Role.MANAGER)
    return dispatch_client(store.users, clock, passwords)


def _audit(store: Store) -> list[tuple[str, str, str | None]]:
    """(who, action, target) of every audit entry, oldest first."""
    return [(e.username, e.action, e.target) for e in reversed(store.users.audit_log(limit=1000))]


SVG_NS = "http://www.w3.org/2000/svg"

ROUTES = [
    ("get", "/me"),
    ("post", "/logout"),
    ("get", "/audit"),
    ("get", "/users"),
    ("post", "/users"),
    ("post", "/users/diaodu/disable"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_answers_401_without_a_login(
    client: TestClient, method: str, path: str
) -> None:
    body = {"username": "x1", "role": "safety", "password": PASSWORD} if method == "post" else None
    r = client.request(method, BASE + path, json=body)
    assert r.status_code == 401, r.text
    assert r.headers["www-authenticate"] == "Bearer"
    assert "log" in r.json()["detail"]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_answers_401_to_an_unknown_token(
    client: TestClient, method: str, path: str
) -> None:
    r = client.request(method, BASE + path, headers=bearer("not-a-token"))
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


def test_a_wrong_password_is_401_and_audited(client: TestClient, store: Store) -> None:
    r = client.post(f"{BASE}/login", json={"username": "diaodu", "password": "wrong password!"})
    assert r.status_code == 401
    assert r.json()["detail"] == "wrong username or password"
    assert r.headers["www-authenticate"] == "Bearer"
    assert "busbrain_session" not in r.headers.get("set-cookie", "")
    entry = store.users.audit_log()[0]
    assert (entry.username, entry.action, entry.target) == ("diaodu", "login_failed", "diaodu")
    assert entry.detail == {"reason": "wrong password"}
    assert entry.client == "testclient" and entry.at_utc == START


def test_an_unknown_user_gets_the_same_answer_after_a_hash_and_is_audited(
    store: Store, clock: Clock
) -> None:
    verified: list[str] = []

    class Spy(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            verified.append(str(hash))
            return super().verify(hash, password)

    passwords = Passwords(Spy(time_cost=1, memory_cost=8, parallelism=1))
    add_user(store.users, passwords, "diaodu", Role.DISPATCHER)
    client = dispatch_client(store.users, clock, passwords)
    unknown = client.post(f"{BASE}/login", json={"username": "nobody", "password": PASSWORD})
    wrong = client.post(f"{BASE}/login", json={"username": "diaodu", "password": "x" * 12})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    assert len(verified) == 2  # the unknown user cost a hash check too (a dummy one)
    assert store.users.audit_log()[1].detail == {"reason": "unknown user"}


def test_login_sets_an_httponly_strict_cookie_and_returns_the_token(client: TestClient) -> None:
    r = client.post(f"{BASE}/login", json={"username": " DiaoDu ", "password": PASSWORD})
    assert r.status_code == 200, r.text
    body = r.json()
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"busbrain_session={body['token']};")
    assert (
        "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/api/v1/dispatch" in cookie
    )
    assert "Max-Age=43200" in cookie
    assert "Secure" not in cookie  # plain http here; https answers mark it Secure
    assert body["username"] == "diaodu" and body["display_name"] == "王调度"
    assert body["role"] == "dispatcher" and body["role_name"] == "调度员"
    assert body["expires_utc"] == "2026-12-01T12:30:00Z"
    assert r.headers["cache-control"] == "no-store"


def test_me_works_with_the_cookie_and_with_the_bearer_token(client: TestClient) -> None:
    token = login(client, "diaodu")
    by_cookie = client.get(f"{BASE}/me")
    assert by_cookie.status_code == 200 and by_cookie.json()["username"] == "diaodu"
    client.cookies.clear()
    assert client.get(f"{BASE}/me").status_code == 401
    by_bearer = client.get(f"{BASE}/me", headers=bearer(token))
    assert by_bearer.json() == by_cookie.json()
    assert by_bearer.json()["modules"] == [
        "command",
        "operations",
        "safety",
        "equipment",
        "service",
    ]
    assert "send:commands" in by_bearer.json()["permissions"]


def test_logout_ends_the_session_and_clears_the_cookie(client: TestClient, store: Store) -> None:
    token = login(client, "diaodu")
    r = client.post(f"{BASE}/logout")
    assert r.status_code == 204
    assert (
        'busbrain_session=""' in r.headers["set-cookie"] and "Max-Age=0" in r.headers["set-cookie"]
    )
    after = client.get(f"{BASE}/me", headers=bearer(token))
    assert after.status_code == 401 and after.headers["www-authenticate"] == "Bearer"
    assert _audit(store)[-2:] == [("diaodu", "login", "diaodu"), ("diaodu", "logout", "diaodu")]


def test_a_session_expires_after_session_hours_by_the_apps_clock(
    store: Store, clock: Clock, passwords: Passwords
) -> None:
    add_user(store.users, passwords, "diaodu", Role.DISPATCHER)
    client = dispatch_client(store.users, clock, passwords, session_hours=2)
    token = login(client, "diaodu")
    clock.advance(hours=1, minutes=59)
    assert client.get(f"{BASE}/me", headers=bearer(token)).status_code == 200  # not sliding:
    clock.advance(minutes=1)
    r = client.get(f"{BASE}/me", headers=bearer(token))
    assert r.status_code == 401 and "expired" in r.json()["detail"]
    assert client.get(f"{BASE}/me").status_code == 401  # the cookie too


def test_using_a_session_records_when_it_was_last_seen(
    client: TestClient, store: Store, clock: Clock
) -> None:
    token = login(client, "diaodu")
    clock.advance(minutes=5)
    client.get(f"{BASE}/me", headers=bearer(token))
    found = store.users.find_session(token_hash(token))
    assert found is not None and found[0].last_seen_utc == START + dt.timedelta(minutes=5)


def test_tokens_are_stored_only_hashed(client: TestClient, store: Store) -> None:
    token = login(client, "diaodu")
    dumped = []
    with store.engine.connect() as conn:
        for table in (s.user_account, s.user_session, s.audit_log):
            dumped += [str(v) for row in conn.execute(select(table)) for v in row]
    assert dumped and not any(token in v for v in dumped)
    assert not any(PASSWORD in v for v in dumped)


@pytest.mark.parametrize(
    ("method", "path", "missing"),
    [
        ("get", "/users", "manage:users"),
        ("post", "/users", "manage:users"),
        ("post", "/users/jingli/disable", "manage:users"),
        ("get", "/audit", "read:audit"),
    ],
)
def test_a_dispatcher_is_refused_user_admin_and_the_audit_log(
    client: TestClient, method: str, path: str, missing: str
) -> None:
    login(client, "diaodu")
    body = {"username": "x1", "role": "admin", "password": PASSWORD} if method == "post" else None
    r = client.request(method, BASE + path, json=body)
    assert r.status_code == 403, r.text
    assert r.json()["detail"] == f"the role dispatcher may not: {missing}"


def test_a_manager_reads_the_audit_log_but_manages_no_users(client: TestClient) -> None:
    login(client, "jingli")
    assert client.get(f"{BASE}/audit").status_code == 200
    assert client.get(f"{BASE}/users").status_code == 403


def test_an_admin_adds_a_user_who_can_then_log_in(
    client: TestClient, store: Store, clock: Clock
) -> None:
    login(client, "admin")
    clock.advance(minutes=3)
    r = client.post(
        f"{BASE}/users",
        json={
            "username": "AnQuan",
            "display_name": "李安全",
            "role": "safety",
            "password": "安全第一 safety",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json() == {
        "username": "anquan",
        "display_name": "李安全",
        "role": "safety",
        "role_name": "安全员",
        "disabled": False,
        "created_utc": "2026-12-01T00:33:00Z",
    }
    listed = client.get(f"{BASE}/users").json()
    assert [u["username"] for u in listed] == ["admin", "anquan", "diaodu", "jingli"]
    other = dispatch_client(store.users, clock, cheap_passwords())
    me = login(other, "anquan", "安全第一 safety")
    assert other.get(f"{BASE}/me", headers=bearer(me)).json()["modules"] == [
        "command",
        "safety",
        "equipment",
    ]
    added = next(e for e in store.users.audit_log() if e.action == "user_added")
    assert (added.username, added.target, added.at_utc) == ("admin", "anquan", clock.now)
    assert added.detail == {"role": "safety", "display_name": "李安全"}


def test_bad_new_users_are_refused_and_nothing_is_recorded(
    client: TestClient, store: Store
) -> None:
    login(client, "admin")
    before = len(_audit(store))
    short = client.post(
        f"{BASE}/users", json={"username": "xx", "role": "safety", "password": "short"}
    )
    assert short.status_code == 422 and "at least 10 characters" in short.json()["detail"]
    taken = client.post(
        f"{BASE}/users", json={"username": "Diaodu", "role": "safety", "password": PASSWORD}
    )
    assert taken.status_code == 409 and "taken" in taken.json()["detail"]
    bad_name = client.post(
        f"{BASE}/users", json={"username": "王", "role": "safety", "password": PASSWORD}
    )
    assert bad_name.status_code == 422
    no_role = client.post(
        f"{BASE}/users", json={"username": "xy", "role": "boss", "password": PASSWORD}
    )
    assert no_role.status_code == 422
    assert len(_audit(store)) == before


def test_a_disabled_user_cannot_log_in_and_their_sessions_stop_working(
    client: TestClient, store: Store, clock: Clock, passwords: Passwords
) -> None:
    theirs = dispatch_client(store.users, clock, passwords)
    token = login(theirs, "diaodu")
    login(client, "admin")
    clock.advance(minutes=7)
    r = client.post(f"{BASE}/users/diaodu/disable")
    assert r.status_code == 200 and r.json()["disabled"] is True
    assert theirs.get(f"{BASE}/me").status_code == 401
    assert theirs.get(f"{BASE}/me", headers=bearer(token)).status_code == 401
    right = theirs.post(f"{BASE}/login", json={"username": "diaodu", "password": PASSWORD})
    assert right.status_code == 403 and right.json()["detail"] == "this account is disabled"
    wrong = theirs.post(f"{BASE}/login", json={"username": "diaodu", "password": "not it at all"})
    assert wrong.status_code == 401
    disabled = next(e for e in store.users.audit_log() if e.action == "user_disabled")
    assert (disabled.username, disabled.target, disabled.at_utc) == ("admin", "diaodu", clock.now)
    assert disabled.client == "testclient"
    failed = [e.detail["reason"] for e in store.users.audit_log() if e.action == "login_failed"]
    assert failed == ["wrong password", "account disabled"]


def test_disabling_an_unknown_user_or_oneself_is_refused(client: TestClient, store: Store) -> None:
    login(client, "admin")
    assert client.post(f"{BASE}/users/nobody/disable").status_code == 404
    me = client.post(f"{BASE}/users/ADMIN/disable")
    assert me.status_code == 409 and "own account" in me.json()["detail"]
    assert not store.users.find_user("admin").disabled  # type: ignore[union-attr]
    assert client.get(f"{BASE}/me").status_code == 200


def test_every_user_change_is_in_the_audit_log_with_who_and_when(
    client: TestClient, clock: Clock
) -> None:
    login(client, "admin")
    clock.advance(minutes=1)
    client.post(
        f"{BASE}/users", json={"username": "zhao", "role": "dispatcher", "password": PASSWORD}
    )
    clock.advance(minutes=1)
    client.post(f"{BASE}/users/zhao/disable")
    page = client.get(f"{BASE}/audit", params={"limit": 3}).json()
    got = [(e["username"], e["action"], e["target"], e["at_utc"]) for e in page["entries"]]
    assert got == [
        ("admin", "user_disabled", "zhao", "2026-12-01T00:32:00Z"),
        ("admin", "user_added", "zhao", "2026-12-01T00:31:00Z"),
        ("admin", "login", "admin", "2026-12-01T00:30:00Z"),
    ]
    older = client.get(f"{BASE}/audit", params={"limit": 3, "before": page["next_before"]}).json()
    assert [e["action"] for e in older["entries"]] == ["user_added"] * 3  # the fixture's
    assert older["next_before"] is None


def test_a_hash_made_with_old_parameters_is_replaced_at_login(store: Store, clock: Clock) -> None:
    old = Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    add_user(store.users, old, "diaodu", Role.DISPATCHER)
    stale = store.users.find_user("diaodu").password_hash  # type: ignore[union-attr]
    new = Passwords(PasswordHasher(time_cost=2, memory_cost=16, parallelism=1))
    login(dispatch_client(store.users, clock, new), "diaodu")
    fresh = store.users.find_user("diaodu").password_hash  # type: ignore[union-attr]
    assert fresh != stale and "m=16,t=2,p=1" in fresh and "m=8,t=1,p=1" in stale
    login(dispatch_client(store.users, clock, new), "diaodu")  # the new hash works
    assert store.users.find_user("diaodu").password_hash == fresh  # type: ignore[union-attr]


def test_without_a_user_store_the_dispatch_api_answers_503() -> None:
    client = TestClient(create_app(empty_network()))
    for method, path in [("post", "/login"), ("get", "/me"), ("get", "/users")]:
        r = client.request(method, BASE + path, json={"username": "a", "password": "b"})
        assert r.status_code == 503, (path, r.text)
        assert "without a user store" in r.json()["detail"]


def test_each_roles_modules_follow_the_permission_table(
    store: Store, clock: Clock, passwords: Passwords
) -> None:
    client = dispatch_client(store.users, clock, passwords)
    for role in Role:
        add_user(store.users, passwords, f"u-{role.value}", role)
        me = client.get(f"{BASE}/me", headers=bearer(login(client, f"u-{role.value}"))).json()
        assert me["permissions"] == sorted(p.value for p in ROLE_PERMISSIONS[role])
        assert me["modules"] == [
            m.value for m in Module if read_permission(m) in ROLE_PERMISSIONS[role]
        ]


def test_the_console_page_and_its_files_load_only_from_this_server(client: TestClient) -> None:
    r = client.get("/dispatch")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "/static/dispatch/main.js" in r.text and "/static/dispatch/console.css" in r.text
    assert "default-src 'self'" in r.headers["content-security-policy"]
    folder = (
        Path(__file__).resolve().parents[2] / "src" / "busbrain" / "web" / "static" / "dispatch"
    )
    names = sorted(p.name for p in folder.iterdir())
    assert {"main.js", "api.js", "text.js", "console.css"} <= set(names)
    for name in names:
        served = client.get(f"/static/dispatch/{name}")
        assert served.status_code == 200, name
        text = served.text.replace(SVG_NS, "")  # a namespace name, not an address
        assert "http://" not in text and "https://" not in text, name
    assert "http://" not in r.text and "https://" not in r.text
