"""Session tokens: random, handed to the user once, stored only as a SHA-256 hash.

A token is 32 random bytes (256 bits, URL-safe base64), so a fast hash is enough: there
is nothing to guess by brute force, and whoever reads the store's session table cannot
turn a hash back into a token that logs in. SHA-256 (not argon2) lets a request find its
session by the hash in one indexed lookup.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from busbrain.access.records import Session

TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """The hex SHA-256 of a token: what the store keeps and looks sessions up by."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_session(username: str, *, now: dt.datetime, hours: float) -> tuple[str, Session]:
    """A fresh token for `username` and the session to store for it (expiring `hours`
    after `now`; no sliding: using a session does not extend it)."""
    token = new_token()
    session = Session(
        token_hash=token_hash(token),
        username=username,
        created_utc=now,
        expires_utc=now + dt.timedelta(hours=hours),
        last_seen_utc=now,
    )
    return token, session
