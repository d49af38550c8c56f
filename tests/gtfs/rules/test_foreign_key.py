from __future__ import annotations

from tests.gtfs.helpers import load, where
from tests.tinyfeed import TinyFeed


def test_unknown_stop_in_stop_times(tiny: TinyFeed) -> None:
    tiny.append("stop_times.txt", "T4,07:15:00,07:15:00,ZZ,4")
    _, findings = load(tiny.folder())
    assert where(findings, "foreign_key_violation") == [("stop_times.txt", 16, "stop_id")]


def test_unknown_route_service_and_shape_of_a_trip(tiny: TinyFeed) -> None:
    tiny.append("trips.txt", "R9,XX,T9,x,0,B9,SH9")
    _, findings = load(tiny.folder())
    assert sorted(where(findings, "foreign_key_violation")) == [
        ("trips.txt", 6, "route_id"),
        ("trips.txt", 6, "service_id"),
        ("trips.txt", 6, "shape_id"),
    ]


def test_service_only_in_calendar_dates_is_known(tiny: TinyFeed) -> None:
    tiny.append("calendar_dates.txt", "HOL,20261002,1")
    tiny.append("trips.txt", "R2,HOL,T9,北普陀山,0,,")
    tiny.append("stop_times.txt", "T9,08:00:00,08:00:00,A1,1")
    tiny.append("stop_times.txt", "T9,08:05:00,08:05:00,E1,2")
    _, findings = load(tiny.folder())
    assert where(findings, "foreign_key_violation") == []
