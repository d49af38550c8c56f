"""What the store keeps about console users: accounts, sessions, and the audit log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from busbrain.access.roles import Role


@dataclass(frozen=True, slots=True)
class User:
    """A console account. `password_hash` is argon2's encoded hash, never the password.
    A disabled account keeps its row (the audit log names it) but cannot log in."""

    username: str
    display_name: str
    role: Role
    password_hash: str
    disabled: bool
    created_utc: dt.datetime


@dataclass(frozen=True, slots=True)
class Session:
    """A login. `token_hash` is the SHA-256 of the token the user holds (see tokens.py)."""

    token_hash: str
    username: str
    created_utc: dt.datetime
    expires_utc: dt.datetime
    last_seen_utc: dt.datetime

    def expired(self, now: dt.datetime) -> bool:
        return now >= self.expires_utc


class AuditAction(StrEnum):
    """What the audit log records. The modules add theirs (commands sent, alarm decisions)
    as they are built; the log's `action` column is plain text so old entries stay
    readable whatever this list becomes."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    USER_ADDED = "user_added"
    USER_DISABLED = "user_disabled"
    PASSWORD_CHANGED = "password_changed"
    MESSAGE_SENT = "message_sent"  # 调度指挥: a text message to buses (JT/T 808 0x8300)
    ALARM_ACKNOWLEDGED = "alarm_acknowledged"  # 安全监管: decisions on an alarm
    ALARM_ASSIGNED = "alarm_assigned"
    ALARM_RESOLVED = "alarm_resolved"
    TRIP_CANCELLED = "trip_cancelled"  # 调度指挥: trip changes (busbrain.domain.tripchanges)
    TRIP_SHORT_TURNED = "trip_short_turned"
    EXTRA_TRIP_ADDED = "extra_trip_added"
    VEHICLE_HELD = "vehicle_held"
    VEHICLE_SWAPPED = "vehicle_swapped"
    TRIP_CHANGE_REVOKED = "trip_change_revoked"


CLI_ACTOR = "cli"
"""The audit log's `username` for changes made with the `busbrain users` command."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the audit log: who (`username`: a user, "cli", or the name tried at a
    failed login) did what (`action`) to what (`target`, e.g. the user changed), when
    (`at_utc`) and from where (`client`, the HTTP client's address). `detail` is JSON.
    `audit_id` is set by the store (increasing: later entries have larger ids)."""

    at_utc: dt.datetime
    username: str
    action: str
    target: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    client: str | None = None
    audit_id: int | None = None
