"""GTFS times of day and service dates.

A GTFS time "HH:MM:SS" counts from noon minus 12 hours of the service day and may pass
24:00:00 for trips after midnight; we hold it as whole seconds (int).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence

DEFAULT_TIMEZONE = "Asia/Shanghai"


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


def service_day_start(day: dt.date, tz: dt.tzinfo) -> float:
    """Unix seconds of GTFS time 0 on `day`: noon minus 12 hours, local time."""
    noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=tz)
    return noon.timestamp() - 12 * 3600


def timezone_of(agency_timezones: Sequence[str]) -> zoneinfo.ZoneInfo:
    """The first agency's timezone (GTFS times are local to it), else China's."""
    name = agency_timezones[0] if agency_timezones else DEFAULT_TIMEZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(DEFAULT_TIMEZONE)
