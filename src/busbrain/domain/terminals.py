"""Terminals (the on-board JT/T 808 units) and the commands sent down to them.

A terminal is known by its phone number (the SIM's number, BCD in every frame). The
phone is normalised by dropping leading zeros, because 2013 terminals pad it to 12
digits and 2019 terminals to 20, and the same SIM must be one terminal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import IntEnum, StrEnum


def normalise_phone(phone: str) -> str:
    """The canonical form of a terminal phone number: digits, no leading zeros."""
    digits = phone.strip()
    if not digits.isdigit():
        raise ValueError(f"not a terminal phone number: {phone!r}")
    return digits.lstrip("0") or "0"


class RegisterResult(IntEnum):
    """0x8100 result codes (JT/T 808-2013 §8.6)."""

    OK = 0
    VEHICLE_ALREADY_REGISTERED = 1
    VEHICLE_NOT_IN_DATABASE = 2
    TERMINAL_ALREADY_REGISTERED = 3
    TERMINAL_NOT_IN_DATABASE = 4


@dataclass(frozen=True, slots=True)
class TerminalRecord:
    """What the registry knows of a terminal and the vehicle it is fitted to."""

    phone: str
    plate: str | None
    plate_colour: int | None
    vehicle_id: str | None
    depot: str | None
    auth_code: str | None  # issued at the last successful registration; None after unregister
    registered_at: dt.datetime | None


class CommandKind(StrEnum):
    TEXT = "text"  # 0x8300
    LOCATION_QUERY = "location_query"  # 0x8201
    SET_PARAMS = "set_params"  # 0x8103
    TEMP_TRACKING = "temp_tracking"  # 0x8202


class CommandStatus(StrEnum):
    PENDING = "pending"  # queued, not yet sent
    SENT = "sent"  # written to the terminal's connection, awaiting its answer
    ACKED = "acked"
    FAILED = "failed"  # the terminal answered with a failure or a message error
    UNSUPPORTED = "unsupported"  # the terminal answered "not supported"
    TIMED_OUT = "timed_out"
    OFFLINE = "offline"  # the terminal was not connected within the command's lifetime


@dataclass(frozen=True, slots=True)
class Command:
    """A command for one terminal, queued in the store's outbox."""

    command_id: int
    phone: str
    kind: CommandKind
    payload: dict[str, object]
    status: CommandStatus
    created_at: dt.datetime
    sent_at: dt.datetime | None = None
    done_at: dt.datetime | None = None
    serial: int | None = None  # the platform serial the command went out with
    detail: str | None = None
