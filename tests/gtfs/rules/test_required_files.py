from __future__ import annotations

from tests.gtfs.helpers import load, where
from tests.tinyfeed import TinyFeed


def test_missing_stop_times_is_an_error(tiny: TinyFeed) -> None:
    _, findings = load(tiny.drop("stop_times.txt").folder())
    assert where(findings, "missing_required_file") == [("stop_times.txt", None, None)]


def test_calendar_dates_alone_is_enough(tiny: TinyFeed) -> None:
    _, findings = load(tiny.drop("calendar.txt").folder())
    assert not findings.notices.has_errors


def test_no_calendar_at_all_is_an_error(tiny: TinyFeed) -> None:
    tiny.drop("calendar.txt").drop("calendar_dates.txt")
    _, findings = load(tiny.folder())
    assert where(findings, "missing_calendar_and_calendar_date_files") == [(None, None, None)]
