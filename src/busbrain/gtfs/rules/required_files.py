"""Required files: a feed must have agency, stops, routes, trips, stop_times and a calendar.

Notices:
- missing_required_file (ERROR): one of the five required files is absent (or unusable).
- missing_calendar_and_calendar_date_files (ERROR): neither calendar.txt nor
  calendar_dates.txt is present, so no trip has a day to run on.
"""

from __future__ import annotations

from busbrain.domain.notices import Severity
from busbrain.gtfs.feed import GtfsFeed
from busbrain.gtfs.findings import Findings
from busbrain.gtfs.schema import TABLES


def check(feed: GtfsFeed, findings: Findings) -> None:
    for table in TABLES:
        if table.required and not feed.has(table.name):
            findings.report(
                code="missing_required_file",
                severity=Severity.ERROR,
                message=f"{table.name} is required",
                file=table.name,
            )
    if not feed.has("calendar.txt") and not feed.has("calendar_dates.txt"):
        findings.report(
            code="missing_calendar_and_calendar_date_files",
            severity=Severity.ERROR,
            message="neither calendar.txt nor calendar_dates.txt is present",
        )
