"""The exception tree of busbrain.

    BusbrainError
    ├── BadInputError        the user's input cannot be used (exit code 2)
    │   └── FeedRejectedError   a GTFS feed with errors was not imported
    ├── StoreError           the store failed (exit code 1)
    └── EventDecodeError     bytes from the event bus are not an event this build reads

Adapters translate foreign exceptions (sqlite3, psycopg, zipfile) into these with
`raise ... from exc`; the CLI maps them to exit codes in one place.
"""

from __future__ import annotations


class BusbrainError(Exception):
    """Base of every error busbrain raises on purpose."""


class BadInputError(BusbrainError):
    """Input that cannot be used as given: a missing file, a malformed feed, a bad option."""


class FeedRejectedError(BadInputError):
    """A feed whose notices include errors, refused so the store stays as it was."""


class StoreError(BusbrainError):
    """The store could not do what was asked (connection, migration, constraint)."""


class EventDecodeError(BusbrainError):
    """Bytes that are not an event this build can read: malformed, or of an unknown type or
    version. The message names the type and version seen and those this build knows."""
