"""The console's accounts, for admins: GET /users, POST /users, POST /users/{name}/disable.

Every change is written with its audit entry (who, when, from where) in one transaction.
Disabling an account ends its sessions at once. An admin cannot disable their own
account, so at least one admin can always get in.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import BaseModel, Field

from busbrain.access.accounts import MAX_DISPLAY_NAME_CHARS, new_user, normalise_username
from busbrain.access.passwords import MAX_PASSWORD_CHARS
from busbrain.access.records import AuditAction, AuditEntry, User
from busbrain.access.roles import ROLE_NAMES_ZH, Permission, Role
from busbrain.api.auth import Caller, client_address, get_access, no_store, now_utc, require
from busbrain.domain.errors import BadInputError

router = APIRouter(
    prefix="/api/v1/dispatch/users", tags=["dispatch"], dependencies=[Depends(no_store)]
)

AdminDep = Annotated[Caller, Depends(require(Permission.MANAGE_USERS))]


class UserOut(BaseModel):
    username: str
    display_name: str
    role: str
    role_name: str
    disabled: bool
    created_utc: dt.datetime


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    display_name: str | None = Field(default=None, max_length=MAX_DISPLAY_NAME_CHARS)
    role: Role
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_CHARS)


def _out(user: User) -> UserOut:
    return UserOut(
        username=user.username,
        display_name=user.display_name,
        role=user.role.value,
        role_name=ROLE_NAMES_ZH[user.role],
        disabled=user.disabled,
        created_utc=user.created_utc,
    )


@router.get("")
def list_users(_: AdminDep, request: Request) -> list[UserOut]:
    """Every account, disabled ones too, by username."""
    return [_out(u) for u in get_access(request).users.list_users()]


@router.post(
    "",
    status_code=201,
    responses={
        409: {"description": "The username is taken."},
        422: {"description": "A bad username, display name or password (too short)."},
    },
)
def add_user(body: UserIn, caller: AdminDep, request: Request) -> UserOut:
    """Add an account. The password must have at least 10 characters."""
    access = get_access(request)
    now = now_utc(request)
    try:
        user = new_user(
            username=body.username,
            display_name=body.display_name,
            role=body.role,
            password=body.password,
            passwords=access.passwords,
            now=now,
        )
    except BadInputError as exc:
        raise HTTPException(422, str(exc)) from exc
    entry = AuditEntry(
        now,
        caller.user.username,
        AuditAction.USER_ADDED,
        user.username,
        {"role": user.role.value, "display_name": user.display_name},
        client_address(request),
    )
    if not access.users.add_user(user, audit=entry):
        raise HTTPException(409, f"the username {user.username!r} is taken")
    return _out(user)


@router.post(
    "/{username}/disable",
    responses={
        404: {"description": "No such user."},
        409: {"description": "An admin cannot disable their own account."},
    },
)
def disable_user(
    username: Annotated[str, Path(max_length=64)], caller: AdminDep, request: Request
) -> UserOut:
    """Disable an account: it cannot log in, and its sessions end at once."""
    access = get_access(request)
    name = normalise_username(username)
    if name == caller.user.username:
        raise HTTPException(409, "you cannot disable your own account")
    entry = AuditEntry(
        now_utc(request),
        caller.user.username,
        AuditAction.USER_DISABLED,
        name,
        client=client_address(request),
    )
    if not access.users.disable_user(name, audit=entry):
        raise HTTPException(404, f"no user {name!r}")
    user = access.users.find_user(name)
    if user is None:  # removed meanwhile; busbrain never removes accounts
        raise HTTPException(404, f"no user {name!r}")
    return _out(user)
