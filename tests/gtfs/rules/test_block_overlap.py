from __future__ import annotations

from tests.gtfs.helpers import load, where
from tests.tinyfeed import TinyFeed


def test_overlapping_trips_of_a_block(tiny: TinyFeed) -> None:
    tiny.set("trips.txt", tiny.files["trips.txt"].replace("北普陀山,0,B2", "北普陀山,0,B1"))
    tiny.set(
        "stop_times.txt",
        tiny.files["stop_times.txt"].replace("T4,07:00:00,07:00:00", "T4,06:05:00,06:05:00"),
    )
    _, findings = load(tiny.folder())
    # T4 (06:05-07:10) starts inside T1 and swallows T2 (06:20-06:30).
    assert sorted(where(findings, "block_trips_with_overlapping_stop_times")) == [
        ("trips.txt", 3, "block_id"),
        ("trips.txt", 5, "block_id"),
    ]


def test_trips_one_after_another_do_not_overlap(tiny: TinyFeed) -> None:
    _, findings = load(tiny.folder())
    assert where(findings, "block_trips_with_overlapping_stop_times") == []
