"""Who is calling the dispatch API: the session behind a request, and `require`, the
dependency every dispatch route declares.

A request carries its session token as `Authorization: Bearer <token>` (API clients) or
in the `busbrain_session` cookie (the console page, which never sees the token: the cookie
is HttpOnly). No token, or one whose session is unknown, expired or of a disabled user:
401 with `WWW-Authenticate: Bearer`. A role without a permission the route needs: 403,
naming what is missing. A server started without a user store: 503.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import HTTPException, Request, Response
from fastapi.requests import HTTPConnection

from busbrain.access.passwords import Passwords
from busbrain.access.records import Session, User
from busbrain.access.roles import Permission, permissions_of
from busbrain.access.tokens import token_hash
from busbrain.store.ports import UserStore

SESSION_COOKIE = "busbrain_session"
COOKIE_PATH = "/api/v1/dispatch"
TOUCH_EVERY = dt.timedelta(minutes=1)
"""How stale a session's last-seen time may get before a request writes it again (a
console polls every few seconds: one write a minute, not one a request)."""


@dataclass(frozen=True, slots=True)
class DispatchAccess:
    """What the dispatch API needs to let people in: where accounts and sessions live,
    how passwords are checked, and how long a session lasts."""

    users: UserStore
    passwords: Passwords
    session_hours: float


@dataclass(frozen=True, slots=True)
class Caller:
    """The logged-in user behind a request, and their session."""

    user: User
    session: Session

    @property
    def permissions(self) -> frozenset[Permission]:
        return permissions_of(self.user.role)


def get_access(request: HTTPConnection) -> DispatchAccess:
    access: DispatchAccess | None = request.app.state.dispatch
    if access is None:
        raise HTTPException(
            503,
            "the dispatch console is off: this server was started without a user store",
        )
    return access


def now_utc(request: HTTPConnection) -> dt.datetime:
    """The app's "now" (its clock, which tests and the demo's simulated day set)."""
    clock: Callable[[], float] = request.app.state.clock
    return dt.datetime.fromtimestamp(clock(), dt.UTC)


def client_address(request: Request) -> str | None:
    return None if request.client is None else request.client.host


def token_of(request: HTTPConnection) -> str | None:
    """The session token the request carries: the bearer token first, else the cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(SESSION_COOKIE) or None


def unauthorised(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


def caller_of(request: HTTPConnection) -> Caller:
    """The caller behind `request` (an HTTP request or a WebSocket's handshake), or 401."""
    access = get_access(request)
    token = token_of(request)
    if token is None:
        raise unauthorised("not logged in: POST /api/v1/dispatch/login first")
    found = access.users.find_session(token_hash(token))
    now = now_utc(request)
    if found is None or found[0].expired(now) or found[1].disabled:
        raise unauthorised("the session has expired or ended: log in again")
    session, user = found
    if now - session.last_seen_utc >= TOUCH_EVERY:
        access.users.touch_session(session.token_hash, now)
    return Caller(user, session)


def require(*needed: Permission) -> Callable[[Request], Caller]:
    """A dependency letting in a logged-in caller whose role has every permission in
    `needed` (none: any logged-in caller), and answering 401 or 403 otherwise."""

    def dependency(request: Request) -> Caller:
        caller = caller_of(request)
        missing = [p.value for p in needed if p not in caller.permissions]
        if missing:
            raise HTTPException(
                403, f"the role {caller.user.role.value} may not: {', '.join(missing)}"
            )
        return caller

    return dependency


def no_store(response: Response) -> None:
    """Dispatch answers are about people and are never cached (router-wide dependency)."""
    response.headers["Cache-Control"] = "no-store"
