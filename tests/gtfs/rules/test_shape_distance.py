from __future__ import annotations

from tests.gtfs.helpers import load, where
from tests.tinyfeed import TinyFeed


def test_decreasing_shape_distance(tiny: TinyFeed) -> None:
    tiny.set(
        "shapes.txt",
        "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence,shape_dist_traveled\n"
        "SH1,41.12,121.13,1,0\nSH1,41.12,121.142,2,1000\nSH1,41.126,121.142,3,900\n",
    )
    _, findings = load(tiny.folder())
    assert where(findings, "decreasing_shape_distance") == [
        ("shapes.txt", 4, "shape_dist_traveled")
    ]


def test_equal_stop_time_distance(tiny: TinyFeed) -> None:
    tiny.set(
        "stop_times.txt",
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence,shape_dist_traveled\n"
        "T4,07:00:00,07:00:00,A1,1,0\nT4,07:05:00,07:05:00,E1,2,500\nT4,07:10:00,07:10:00,F1,3,500\n",
    )
    _, findings = load(tiny.folder())
    assert where(findings, "decreasing_or_equal_stop_time_distance") == [
        ("stop_times.txt", 4, "shape_dist_traveled")
    ]
