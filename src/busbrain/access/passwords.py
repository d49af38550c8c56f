"""Password rules and hashing: argon2id through argon2-cffi.

A stored hash carries its own parameters (`$argon2id$v=19$m=...,t=...,p=...$salt$hash`),
so when the parameters change (a new argon2-cffi default, or stronger settings) an old
hash still verifies, and `check` hands back a fresh hash to store in its place: accounts
move to the new parameters as their users log in.

An unknown user is checked against a dummy hash, so that a wrong username costs as long
as a wrong password and usernames cannot be probed by timing the login.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1024
"""Longer input is refused before hashing: no one types more, and it bounds the work."""

# Letters and digits a person can read off a console and type without mistaking one for
# another (no 0/O, 1/l/I).
_READABLE = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def password_problem(password: str) -> str | None:
    """Why `password` cannot be used, or None when it can."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"a password needs at least {MIN_PASSWORD_CHARS} characters"
    if len(password) > MAX_PASSWORD_CHARS:
        return f"a password may have at most {MAX_PASSWORD_CHARS} characters"
    return None


def new_password(chars: int = 14) -> str:
    """A random password a person can copy by hand (about 5.8 bits a character)."""
    return "".join(secrets.choice(_READABLE) for _ in range(chars))


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of a password check. `new_hash` is set when the password was right but
    its stored hash used other parameters than the hasher's: store it instead."""

    ok: bool
    new_hash: str | None = None


class Passwords:
    """Hashes and checks passwords. The default hasher uses argon2-cffi's parameters
    (RFC 9106's low-memory profile); tests pass a cheaper one."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = PasswordHasher() if hasher is None else hasher
        # Made now rather than on the first unknown user, whose login would otherwise
        # take a hash longer than every other failed login.
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def check(self, stored_hash: str | None, password: str) -> Verdict:
        """Whether `password` matches `stored_hash`. None (no such user) is checked
        against the dummy hash and always fails, taking as long as a real check."""
        if len(password) > MAX_PASSWORD_CHARS:
            return Verdict(ok=False)
        try:
            self._hasher.verify(stored_hash or self._dummy, password)
        except (VerificationError, InvalidHashError):
            return Verdict(ok=False)
        if stored_hash is None:
            return Verdict(ok=False)  # the dummy's password is never known; belt and braces
        if self._hasher.check_needs_rehash(stored_hash):
            return Verdict(ok=True, new_hash=self._hasher.hash(password))
        return Verdict(ok=True)
