"""The rules for accounts: what a username and a display name may be, and making a new
user from what an admin typed (the API and the CLI both go through `new_user`)."""

from __future__ import annotations

import datetime as dt
import re

from busbrain.access.passwords import Passwords, password_problem
from busbrain.access.records import User
from busbrain.access.roles import Role
from busbrain.domain.errors import BadInputError

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MAX_DISPLAY_NAME_CHARS = 64


def normalise_username(username: str) -> str:
    """Usernames are compared without case or surrounding spaces: "DiaoDu " is "diaodu"."""
    return username.strip().lower()


def username_problem(username: str) -> str | None:
    """Why a (normalised) username cannot be used, or None. Letters, digits and . _ -,
    2 to 32 of them, starting with a letter or digit: a staff number (工号) or pinyin."""
    if _USERNAME.match(username):
        return None
    return (
        f"username {username!r}: 2 to 32 letters, digits, '.', '_' or '-', "
        "starting with a letter or digit"
    )


def display_name_problem(display_name: str) -> str | None:
    if not display_name.strip():
        return "the display name is empty"
    if len(display_name) > MAX_DISPLAY_NAME_CHARS:
        return f"a display name may have at most {MAX_DISPLAY_NAME_CHARS} characters"
    return None


def new_user(
    *,
    username: str,
    display_name: str | None,
    role: Role,
    password: str,
    passwords: Passwords,
    now: dt.datetime,
) -> User:
    """The account to store, the password hashed; BadInputError says what is wrong with
    the input. The display name defaults to the username."""
    name = normalise_username(username)
    shown = name if display_name is None else display_name.strip()
    for problem in (
        username_problem(name),
        display_name_problem(shown),
        password_problem(password),
    ):
        if problem is not None:
            raise BadInputError(problem)
    return User(
        username=name,
        display_name=shown,
        role=role,
        password_hash=passwords.hash(password),
        disabled=False,
        created_utc=now,
    )
