"""Service calendars: weekday ("WD") and weekend ("WE") service, public holidays.

On a public holiday that falls on a weekday, the weekday service is removed and the
weekend service runs instead (calendar_dates.txt). Make-up working days (调休) are not
modelled.
"""

from __future__ import annotations

import datetime as dt

from busbrain.domain.gtfstime import format_date

FEED_START = dt.date(2026, 1, 1)
FEED_END = dt.date(2027, 12, 31)
WEEKDAY_SERVICE = "WD"
WEEKEND_SERVICE = "WE"

HOLIDAYS: tuple[tuple[str, dt.date, dt.date], ...] = (
    ("元旦", dt.date(2026, 1, 1), dt.date(2026, 1, 3)),
    ("春节", dt.date(2026, 2, 15), dt.date(2026, 2, 23)),
    ("劳动节", dt.date(2026, 5, 1), dt.date(2026, 5, 5)),
    ("国庆节", dt.date(2026, 10, 1), dt.date(2026, 10, 7)),
    ("元旦", dt.date(2027, 1, 1), dt.date(2027, 1, 3)),
    ("劳动节", dt.date(2027, 5, 1), dt.date(2027, 5, 5)),
    ("国庆节", dt.date(2027, 10, 1), dt.date(2027, 10, 7)),
)
"""Public holidays (name, first day, last day) that run the weekend service."""

_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def calendar_rows() -> list[dict[str, object]]:
    """calendar.txt: weekday service Monday–Friday, weekend service Saturday–Sunday."""
    rows: list[dict[str, object]] = []
    for service, days in ((WEEKDAY_SERVICE, range(0, 5)), (WEEKEND_SERVICE, range(5, 7))):
        row: dict[str, object] = {"service_id": service}
        row.update({name: int(i in days) for i, name in enumerate(_DAYS)})
        row["start_date"] = format_date(FEED_START)
        row["end_date"] = format_date(FEED_END)
        rows.append(row)
    return rows


def holiday_dates() -> list[dt.date]:
    """Every holiday date falling on a weekday, in order."""
    out = []
    for _, first, last in HOLIDAYS:
        day = first
        while day <= last:
            if day.weekday() < 5:
                out.append(day)
            day += dt.timedelta(days=1)
    return out


def calendar_date_rows() -> list[dict[str, object]]:
    """calendar_dates.txt: on weekday holidays, weekend service replaces weekday service."""
    rows: list[dict[str, object]] = []
    for day in holiday_dates():
        date = format_date(day)
        rows.append({"service_id": WEEKDAY_SERVICE, "date": date, "exception_type": 2})
        rows.append({"service_id": WEEKEND_SERVICE, "date": date, "exception_type": 1})
    return rows
