from __future__ import annotations

from tests.gtfs.helpers import load, notices, where
from tests.tinyfeed import TinyFeed


def test_repeated_stop_id_is_reported_on_the_later_row(tiny: TinyFeed) -> None:
    tiny.append("stops.txt", "B1,,另一个,41.1,121.1,0,")
    _, findings = load(tiny.folder())
    assert where(findings, "duplicate_key") == [("stops.txt", 10, "key")]


def test_composite_key_of_stop_times(tiny: TinyFeed) -> None:
    tiny.append("stop_times.txt", "T1,06:11:00,06:11:00,A1,4")
    _, findings = load(tiny.folder())
    (n,) = notices(findings, "duplicate_key")
    assert (n.file, n.line, n.value) == ("stop_times.txt", 16, "T1,4")


def test_same_sequence_in_different_trips_is_fine(tiny: TinyFeed) -> None:
    _, findings = load(tiny.folder())
    assert notices(findings, "duplicate_key") == []
