"""Times in and out of the SQL stores: stored in UTC, refused when naive (the zone would
be a guess), read back aware (SQLite hands back naive datetimes, stored as UTC;
PostgreSQL aware ones)."""

from __future__ import annotations

import datetime as dt
from typing import overload

from busbrain.domain.errors import BadInputError


def to_utc(value: dt.datetime, what: str | None = None) -> dt.datetime:
    """`value` in UTC; BadInputError for a naive time (naming `what` when given)."""
    if value.tzinfo is None or value.utcoffset() is None:
        if what is None:
            raise BadInputError(f"a naive time cannot be stored: {value.isoformat()} (give a zone)")
        raise BadInputError(f"{what}: a naive time cannot be stored: {value.isoformat()}")
    return value.astimezone(dt.UTC)


@overload
def from_db(value: dt.datetime) -> dt.datetime: ...
@overload
def from_db(value: None) -> None: ...
@overload
def from_db(value: dt.datetime | None) -> dt.datetime | None: ...
def from_db(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time as an aware UTC datetime (None stays None)."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
