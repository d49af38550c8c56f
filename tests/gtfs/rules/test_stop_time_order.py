from __future__ import annotations

from busbrain.domain.notices import Severity
from tests.gtfs.helpers import load, notices, where
from tests.tinyfeed import TinyFeed


def _with_stop_times(tiny: TinyFeed, *lines: str) -> TinyFeed:
    head = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    rest = [ln for ln in tiny.files["stop_times.txt"].splitlines()[1:] if not ln.startswith("T4,")]
    return tiny.set("stop_times.txt", head + "\n".join([*rest, *lines]) + "\n")


def test_time_going_back_along_a_trip(tiny: TinyFeed) -> None:
    _with_stop_times(
        tiny, "T4,07:00:00,07:00:00,A1,1", "T4,06:55:00,06:55:00,E1,2", "T4,07:10:00,07:10:00,F1,3"
    )
    _, findings = load(tiny.folder())
    assert where(findings, "stop_time_with_arrival_before_previous_departure_time") == [
        ("stop_times.txt", 14, "arrival_time")
    ]


def test_departure_before_arrival(tiny: TinyFeed) -> None:
    _with_stop_times(
        tiny, "T4,07:00:00,07:00:00,A1,1", "T4,07:05:00,07:04:00,E1,2", "T4,07:10:00,07:10:00,F1,3"
    )
    _, findings = load(tiny.folder())
    assert where(findings, "stop_time_with_departure_before_arrival_time") == [
        ("stop_times.txt", 14, "departure_time")
    ]


def test_untimed_middle_stop_is_fine_but_untimed_last_stop_is_not(tiny: TinyFeed) -> None:
    _with_stop_times(tiny, "T4,07:00:00,07:00:00,A1,1", "T4,,,E1,2", "T4,,,F1,3")
    _, findings = load(tiny.folder())
    assert where(findings, "missing_trip_edge") == [("stop_times.txt", 15, None)]


def test_one_time_of_the_pair_missing(tiny: TinyFeed) -> None:
    _with_stop_times(
        tiny, "T4,07:00:00,07:00:00,A1,1", "T4,07:05:00,,E1,2", "T4,07:10:00,07:10:00,F1,3"
    )
    _, findings = load(tiny.folder())
    assert where(findings, "stop_time_with_only_arrival_or_departure_time") == [
        ("stop_times.txt", 14, None)
    ]


def test_trip_with_one_stop_is_unusable(tiny: TinyFeed) -> None:
    _with_stop_times(tiny, "T4,07:00:00,07:00:00,A1,1")
    _, findings = load(tiny.folder())
    (n,) = notices(findings, "unusable_trip")
    assert (n.severity, n.file, n.line, n.value) == (Severity.WARNING, "trips.txt", 5, "T4")
