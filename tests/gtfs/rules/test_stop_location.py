from __future__ import annotations

from tests.gtfs.helpers import load, where
from tests.tinyfeed import TinyFeed


def test_stop_without_position(tiny: TinyFeed) -> None:
    tiny.append("stops.txt", "X1,,无坐标,,,0,")
    _, findings = load(tiny.folder())
    assert sorted(where(findings, "missing_required_field")) == [
        ("stops.txt", 10, "stop_lat"),
        ("stops.txt", 10, "stop_lon"),
    ]


def test_parent_must_be_a_station(tiny: TinyFeed) -> None:
    tiny.append("stops.txt", "X1,,坏父站,41.1,121.1,0,B1")
    _, findings = load(tiny.folder())
    assert where(findings, "wrong_parent_location_type") == [("stops.txt", 10, "parent_station")]


def test_point_at_origin_is_a_warning(tiny: TinyFeed) -> None:
    tiny.append("stops.txt", "X1,,零点,0,0,0,")
    _, findings = load(tiny.folder())
    assert where(findings, "point_near_origin") == [("stops.txt", 10, "stop_id")]
    assert not findings.notices.has_errors
