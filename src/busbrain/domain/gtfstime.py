"""GTFS times of day and service dates.

A GTFS time "HH:MM:SS" counts from noon minus 12 hours of the service day and may pass
24:00:00 for trips after midnight; we hold it as whole seconds (int).
"""

from __future__ import annotations

import datetime as dt


def parse_time_s(text: str) -> int:
    """Seconds after the service day's start for "H:MM:SS" or "HH:MM:SS" (spaces allowed).

    Raises ValueError for anything else, with the text in the message.
    """
    parts = text.strip().split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a GTFS time: {text!r}")
    h, m, s = (int(p) for p in parts)
    if m > 59 or s > 59 or len(parts[1]) != 2 or len(parts[2]) != 2:
        raise ValueError(f"not a GTFS time: {text!r}")
    return h * 3600 + m * 60 + s


def format_time_s(seconds: int) -> str:
    """The GTFS form "HH:MM:SS" of seconds after the service day's start (hours may be ≥ 24)."""
    if seconds < 0:
        raise ValueError(f"negative time of day: {seconds}")
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}:{s:02d}"


def parse_date(text: str) -> dt.date:
    """A GTFS date "YYYYMMDD"."""
    t = text.strip()
    if len(t) != 8 or not t.isdigit():
        raise ValueError(f"not a GTFS date: {text!r}")
    return dt.date(int(t[:4]), int(t[4:6]), int(t[6:]))


def format_date(day: dt.date) -> str:
    return day.strftime("%Y%m%d")
