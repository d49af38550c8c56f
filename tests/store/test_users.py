"""Console accounts, sessions and the audit log, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from busbrain.access.records import AuditAction, AuditEntry, Session, User
from busbrain.access.roles import Role
from busbrain.access.tokens import new_session
from busbrain.domain.errors import BadInputError
from busbrain.store import schema as s
from busbrain.store.ports import UserStore
from busbrain.wiring import Store, open_store

NOW = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
BEIJING = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    st = open_store(store_url)
    yield st
    st.close()


def _user(name: str = "diaodu", role: Role = Role.DISPATCHER) -> User:
    return User(name, "张调度", role, "$argon2id$fake", disabled=False, created_utc=NOW)


def _audit(action: str, target: str | None = None, **detail: object) -> AuditEntry:
    return AuditEntry(NOW, "admin", action, target, dict(detail), "127.0.0.1")


def _actions(users: UserStore) -> list[str]:
    return [e.action for e in reversed(users.audit_log(limit=100))]


def test_the_sql_store_is_a_user_store(store: Store) -> None:
    users: UserStore = store.users
    assert users.list_users() == []


def test_an_added_user_reads_back_and_the_addition_is_audited(store: Store) -> None:
    users = store.users
    assert users.add_user(
        _user(), audit=_audit(AuditAction.USER_ADDED, "diaodu", role="dispatcher")
    )
    assert users.find_user("diaodu") == _user()
    assert users.find_user("nobody") is None
    (entry,) = users.audit_log()
    assert (entry.username, entry.action, entry.target, entry.client) == (
        "admin",
        "user_added",
        "diaodu",
        "127.0.0.1",
    )
    assert entry.detail == {"role": "dispatcher"} and entry.at_utc == NOW
    assert entry.audit_id is not None


def test_a_taken_username_is_refused_and_nothing_is_recorded(store: Store) -> None:
    users = store.users
    assert users.add_user(_user(), audit=_audit("user_added", "diaodu"))
    assert not users.add_user(_user(role=Role.ADMIN), audit=_audit("user_added", "diaodu"))
    assert users.find_user("diaodu") == _user()
    assert _actions(users) == ["user_added"]


def test_users_are_listed_by_name(store: Store) -> None:
    for name in ("zhang", "admin", "li"):
        store.users.add_user(_user(name), audit=_audit("user_added", name))
    assert [u.username for u in store.users.list_users()] == ["admin", "li", "zhang"]


def _login(store: Store, name: str = "diaodu", hours: float = 12) -> tuple[str, Session]:
    token, session = new_session(name, now=NOW, hours=hours)
    store.users.add_session(session, audit=AuditEntry(NOW, name, AuditAction.LOGIN))
    return token, session


def test_a_session_is_found_by_its_token_hash_with_its_user(store: Store) -> None:
    store.users.add_user(_user(), audit=_audit("user_added", "diaodu"))
    token, session = _login(store)
    found = store.users.find_session(session.token_hash)
    assert found == (session, _user())
    assert found[0].expires_utc == NOW + dt.timedelta(hours=12)
    assert store.users.find_session(token) is None  # the raw token is not a key


def test_only_the_token_hash_is_stored(store: Store) -> None:
    store.users.add_user(_user(), audit=_audit("user_added", "diaodu"))
    token, session = _login(store)
    with store.engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(select(s.user_session))]
    assert rows and all(token not in str(v) for row in rows for v in row)
    assert rows[0][0] == session.token_hash != token


def test_disabling_a_user_ends_their_sessions(store: Store) -> None:
    users = store.users
    users.add_user(_user(), audit=_audit("user_added", "diaodu"))
    users.add_user(_user("other"), audit=_audit("user_added", "other"))
    _, mine = _login(store)
    _, theirs = _login(store, "other")
    assert users.disable_user("diaodu", audit=_audit(AuditAction.USER_DISABLED, "diaodu"))
    found = users.find_user("diaodu")
    assert found is not None and found.disabled
    assert users.find_session(mine.token_hash) is None
    assert users.find_session(theirs.token_hash) is not None
    assert not users.disable_user("nobody", audit=_audit("user_disabled", "nobody"))
    assert _actions(users) == ["user_added", "user_added", "login", "login", "user_disabled"]


def test_a_new_password_ends_the_sessions_and_is_audited(store: Store) -> None:
    users = store.users
    users.add_user(_user(), audit=_audit("user_added", "diaodu"))
    _, session = _login(store)
    assert users.set_password("diaodu", "$argon2id$new", audit=_audit("password_changed", "diaodu"))
    found = users.find_user("diaodu")
    assert found is not None and found.password_hash == "$argon2id$new"
    assert users.find_session(session.token_hash) is None
    assert not users.set_password("nobody", "x", audit=_audit("password_changed", "nobody"))
    assert _actions(users)[-1] == "password_changed" and len(_actions(users)) == 3


def test_a_rehash_replaces_only_the_hash_it_was_made_from(store: Store) -> None:
    users = store.users
    users.add_user(_user(), audit=_audit("user_added", "diaodu"))
    users.rehash_password("diaodu", "$argon2id$stale", "$argon2id$rehashed")
    assert users.find_user("diaodu").password_hash == "$argon2id$fake"  # type: ignore[union-attr]
    users.rehash_password("diaodu", "$argon2id$fake", "$argon2id$rehashed")
    assert users.find_user("diaodu").password_hash == "$argon2id$rehashed"  # type: ignore[union-attr]


def test_logout_deletes_the_session_once(store: Store) -> None:
    users = store.users
    users.add_user(_user(), audit=_audit("user_added", "diaodu"))
    _, session = _login(store)
    bye = AuditEntry(NOW, "diaodu", AuditAction.LOGOUT)
    assert users.end_session(session.token_hash, audit=bye)
    assert users.find_session(session.token_hash) is None
    assert not users.end_session(session.token_hash, audit=bye)
    assert _actions(users) == ["user_added", "login", "logout"]


def test_touch_and_purge(store: Store) -> None:
    users = store.users
    users.add_user(_user(), audit=_audit("user_added", "diaodu"))
    _, short = _login(store, hours=1)
    _, long = _login(store, hours=12)
    later = NOW + dt.timedelta(minutes=30)
    users.touch_session(short.token_hash, later)
    found = users.find_session(short.token_hash)
    assert found is not None and found[0].last_seen_utc == later
    assert users.purge_sessions(NOW + dt.timedelta(hours=1)) == 1
    assert users.find_session(short.token_hash) is None
    assert users.find_session(long.token_hash) is not None


def test_times_in_another_zone_are_stored_as_utc_and_naive_ones_refused(store: Store) -> None:
    users = store.users
    local = NOW.astimezone(BEIJING)
    users.record(AuditEntry(local, "cli", "user_added", "x"))
    assert users.audit_log()[0].at_utc == NOW
    assert users.audit_log()[0].at_utc.tzinfo == dt.UTC
    with pytest.raises(BadInputError):
        users.record(AuditEntry(NOW.replace(tzinfo=None), "cli", "user_added", "x"))


def test_the_audit_log_pages_back_newest_first(store: Store) -> None:
    users = store.users
    ids = [
        users.record(
            AuditEntry(NOW + dt.timedelta(seconds=k), "cli", "user_added", f"u{k}", {"k": k})
        )
        for k in range(7)
    ]
    assert ids == sorted(ids)
    page = users.audit_log(limit=3)
    assert [e.target for e in page] == ["u6", "u5", "u4"]
    assert page[0].detail == {"k": 6}
    rest = users.audit_log(limit=10, before=page[-1].audit_id)
    assert [e.target for e in rest] == ["u3", "u2", "u1", "u0"]
    assert users.audit_log(before=ids[0]) == []


def test_chinese_in_names_and_details_survives(store: Store) -> None:
    users = store.users
    users.add_user(
        User("li", "李安全员", Role.SAFETY, "h", disabled=False, created_utc=NOW),
        audit=_audit("user_added", "li", note="新来的安全员"),
    )
    assert users.find_user("li").display_name == "李安全员"  # type: ignore[union-attr]
    assert users.audit_log()[0].detail == {"note": "新来的安全员"}


def test_the_migration_downgrades_and_upgrades_again(store_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    from busbrain.store.engine import schema_status

    st = open_store(store_url)
    cfg = Config()
    cfg.set_main_option("script_location", "busbrain.store:migrations")
    with st.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
    assert schema_status(st.engine)[0] == "0004"
    st.close()
    again = open_store(store_url)
    assert again.users.add_user(_user(), audit=_audit("user_added", "diaodu"))
    again.close()
