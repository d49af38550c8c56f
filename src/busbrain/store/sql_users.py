"""The dispatch console's accounts, sessions and audit log in a SQL store (`UserStore`).

Each change runs in one transaction together with its audit entry. Times are written as
UTC (on SQLite as SQLAlchemy's sortable text, so `expires_utc <= now` compares as time).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from busbrain.access.records import AuditEntry, Session, User
from busbrain.access.roles import Role
from busbrain.domain.errors import StoreError
from busbrain.store import schema as s
from busbrain.store.times import from_db, to_utc

MAX_AUDIT_PAGE = 1000


def _user(r: Any, created_utc: dt.datetime | None = None) -> User:
    """The user in row `r`; `created_utc` when the row names that column otherwise (a join
    with sessions, which have their own)."""
    return User(
        username=r.username,
        display_name=r.display_name,
        role=Role(r.role),
        password_hash=r.password_hash,
        disabled=bool(r.disabled),
        created_utc=from_db(r.created_utc if created_utc is None else created_utc),
    )


def _session(r: Any) -> Session:
    return Session(
        token_hash=r.token_hash,
        username=r.username,
        created_utc=from_db(r.created_utc),
        expires_utc=from_db(r.expires_utc),
        last_seen_utc=from_db(r.last_seen_utc),
    )


def _entry(r: Any) -> AuditEntry:
    return AuditEntry(
        at_utc=from_db(r.at_utc),
        username=r.username,
        action=r.action,
        target=r.target,
        detail=json.loads(r.detail),
        client=r.client,
        audit_id=r.audit_id,
    )


def append_audit(conn: Connection, entry: AuditEntry) -> int:
    """Append `entry` to the audit log inside the caller's transaction (every store that
    records a decision writes it with the change it records)."""
    result = conn.execute(
        insert(s.audit_log)
        .values(
            at_utc=to_utc(entry.at_utc),
            username=entry.username,
            action=str(entry.action),
            target=entry.target,
            detail=json.dumps(entry.detail, ensure_ascii=False, sort_keys=True, default=str),
            client=entry.client,
        )
        .returning(s.audit_log.c.audit_id)
    )
    return int(result.scalar_one())


class SqlUserStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add_user(self, user: User, *, audit: AuditEntry) -> bool:
        values = {
            "username": user.username,
            "display_name": user.display_name,
            "role": user.role.value,
            "password_hash": user.password_hash,
            "disabled": user.disabled,
            "created_utc": to_utc(user.created_utc),
        }
        try:
            with self.engine.begin() as conn:
                if self._find(conn, user.username) is not None:
                    return False
                conn.execute(insert(s.user_account).values(**values))
                append_audit(conn, audit)
        except IntegrityError:
            return False  # added by someone else between the look and the insert
        except SQLAlchemyError as exc:
            raise StoreError(f"could not add user {user.username!r}: {exc}") from exc
        return True

    def find_user(self, username: str) -> User | None:
        with self.engine.connect() as conn:
            return self._find(conn, username)

    def list_users(self) -> list[User]:
        query = select(s.user_account).order_by(s.user_account.c.username)
        with self.engine.connect() as conn:
            return [_user(r) for r in conn.execute(query)]

    def disable_user(self, username: str, *, audit: AuditEntry) -> bool:
        return self._change_account(username, {"disabled": True}, audit)

    def set_password(self, username: str, password_hash: str, *, audit: AuditEntry) -> bool:
        return self._change_account(username, {"password_hash": password_hash}, audit)

    def rehash_password(self, username: str, old_hash: str, new_hash: str) -> None:
        u = s.user_account.c
        with self.engine.begin() as conn:
            conn.execute(
                update(s.user_account)
                .where(u.username == username, u.password_hash == old_hash)
                .values(password_hash=new_hash)
            )

    def add_session(self, session: Session, *, audit: AuditEntry) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(s.user_session).values(
                        token_hash=session.token_hash,
                        username=session.username,
                        created_utc=to_utc(session.created_utc),
                        expires_utc=to_utc(session.expires_utc),
                        last_seen_utc=to_utc(session.last_seen_utc),
                    )
                )
                append_audit(conn, audit)
        except SQLAlchemyError as exc:
            raise StoreError(f"could not start a session for {session.username!r}: {exc}") from exc

    def find_session(self, token_hash: str) -> tuple[Session, User] | None:
        sess, acct = s.user_session, s.user_account
        query = (
            select(
                sess,
                acct.c.display_name,
                acct.c.role,
                acct.c.password_hash,
                acct.c.disabled,
                acct.c.created_utc.label("account_created_utc"),
            )
            .join(acct, acct.c.username == sess.c.username)
            .where(sess.c.token_hash == token_hash)
        )
        with self.engine.connect() as conn:
            r = conn.execute(query).first()
        if r is None:
            return None
        return _session(r), _user(r, created_utc=r.account_created_utc)

    def touch_session(self, token_hash: str, now: dt.datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(s.user_session)
                .where(s.user_session.c.token_hash == token_hash)
                .values(last_seen_utc=to_utc(now))
            )

    def end_session(self, token_hash: str, *, audit: AuditEntry) -> bool:
        with self.engine.begin() as conn:
            done = conn.execute(
                delete(s.user_session).where(s.user_session.c.token_hash == token_hash)
            )
            if done.rowcount == 0:
                return False
            append_audit(conn, audit)
        return True

    def purge_sessions(self, now: dt.datetime) -> int:
        with self.engine.begin() as conn:
            done = conn.execute(
                delete(s.user_session).where(s.user_session.c.expires_utc <= to_utc(now))
            )
        return int(done.rowcount)

    def record(self, entry: AuditEntry) -> int:
        try:
            with self.engine.begin() as conn:
                return append_audit(conn, entry)
        except SQLAlchemyError as exc:
            raise StoreError(f"could not write the audit log: {exc}") from exc

    def audit_log(self, *, limit: int = 100, before: int | None = None) -> list[AuditEntry]:
        a = s.audit_log.c
        query = (
            select(s.audit_log)
            .order_by(a.audit_id.desc())
            .limit(max(1, min(limit, MAX_AUDIT_PAGE)))
        )
        if before is not None:
            query = query.where(a.audit_id < before)
        with self.engine.connect() as conn:
            return [_entry(r) for r in conn.execute(query)]

    def _find(self, conn: Connection, username: str) -> User | None:
        query = select(s.user_account).where(s.user_account.c.username == username)
        r = conn.execute(query).first()
        return None if r is None else _user(r)

    def _change_account(self, username: str, values: dict[str, object], audit: AuditEntry) -> bool:
        """Change the account, end its sessions and record `audit`, all or nothing."""
        u = s.user_account.c
        try:
            with self.engine.begin() as conn:
                done = conn.execute(
                    update(s.user_account).where(u.username == username).values(**values)
                )
                if done.rowcount == 0:
                    return False
                conn.execute(delete(s.user_session).where(s.user_session.c.username == username))
                append_audit(conn, audit)
        except SQLAlchemyError as exc:
            raise StoreError(f"could not change user {username!r}: {exc}") from exc
        return True
