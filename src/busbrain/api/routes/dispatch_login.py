"""Logging in to the dispatch console: POST /login, POST /logout, GET /me.

A login answers with the token (for API clients, who send it as a bearer token) and sets
it as an HttpOnly, SameSite=Strict cookie (for the console page). Sessions last
`session_hours` from the login, however much they are used; logging out deletes the
session. Every login, failed login and logout goes into the audit log. A wrong username
and a wrong password get the same answer in the same time (a dummy hash is checked for
an unknown user); nothing is locked out.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field

from busbrain.access.accounts import normalise_username
from busbrain.access.passwords import MAX_PASSWORD_CHARS
from busbrain.access.records import AuditAction, AuditEntry, User
from busbrain.access.roles import ROLE_NAMES_ZH, Module, permissions_of, read_permission
from busbrain.access.tokens import new_session
from busbrain.api.auth import (
    COOKIE_PATH,
    SESSION_COOKIE,
    Caller,
    DispatchAccess,
    client_address,
    get_access,
    no_store,
    now_utc,
    require,
    unauthorised,
)

router = APIRouter(prefix="/api/v1/dispatch", tags=["dispatch"], dependencies=[Depends(no_store)])

LOGIN_FAILED = "wrong username or password"


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_CHARS)


class MeOut(BaseModel):
    username: str
    display_name: str
    role: str
    """dispatcher, safety, manager or admin"""
    role_name: str
    """The role in Chinese (调度员, 安全员, 经理, 管理员)."""
    permissions: list[str]
    modules: list[str]
    """The modules this role may read, in the console's order."""
    expires_utc: dt.datetime


class LoginOut(MeOut):
    token: str
    """The session token: send it as `Authorization: Bearer <token>`."""


def me_of(user: User, expires_utc: dt.datetime) -> MeOut:
    allowed = permissions_of(user.role)
    return MeOut(
        username=user.username,
        display_name=user.display_name,
        role=user.role.value,
        role_name=ROLE_NAMES_ZH[user.role],
        permissions=sorted(p.value for p in allowed),
        modules=[m.value for m in Module if read_permission(m) in allowed],
        expires_utc=expires_utc,
    )


def _failed(access: DispatchAccess, request: Request, name: str, reason: str) -> None:
    access.users.record(
        AuditEntry(
            now_utc(request),
            name,
            AuditAction.LOGIN_FAILED,
            name,
            {"reason": reason},
            client_address(request),
        )
    )


@router.post(
    "/login",
    responses={
        401: {"description": "Wrong username or password."},
        403: {"description": "The account is disabled (the password was right)."},
        503: {"description": "The server has no user store."},
    },
)
def login(body: LoginIn, request: Request, response: Response) -> LoginOut:
    """Log in: the session token in the answer and in the `busbrain_session` cookie."""
    access = get_access(request)
    name = normalise_username(body.username)
    user = access.users.find_user(name)
    verdict = access.passwords.check(None if user is None else user.password_hash, body.password)
    if user is None or not verdict.ok:
        _failed(access, request, name, "unknown user" if user is None else "wrong password")
        raise unauthorised(LOGIN_FAILED)
    if user.disabled:
        _failed(access, request, name, "account disabled")
        raise HTTPException(403, "this account is disabled")
    if verdict.new_hash is not None:
        access.users.rehash_password(name, user.password_hash, verdict.new_hash)
    now = now_utc(request)
    access.users.purge_sessions(now)
    token, session = new_session(name, now=now, hours=access.session_hours)
    login_entry = AuditEntry(now, name, AuditAction.LOGIN, name, client=client_address(request))
    access.users.add_session(session, audit=login_entry)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int((session.expires_utc - now).total_seconds()),
        path=COOKIE_PATH,
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return LoginOut(**me_of(user, session.expires_utc).model_dump(), token=token)


@router.post("/logout", status_code=204)
def logout(caller: Annotated[Caller, Depends(require())], request: Request) -> Response:
    """End the session (its token stops working at once) and clear the cookie."""
    access = get_access(request)
    name = caller.user.username
    entry = AuditEntry(
        now_utc(request), name, AuditAction.LOGOUT, name, client=client_address(request)
    )
    access.users.end_session(caller.session.token_hash, audit=entry)
    done = Response(status_code=204, headers={"Cache-Control": "no-store"})
    done.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")
    return done


@router.get("/me")
def me(caller: Annotated[Caller, Depends(require())]) -> MeOut:
    """Who is logged in: name, role, what the role may do, when the session ends."""
    return me_of(caller.user, caller.session.expires_utc)
