from __future__ import annotations

from tests.gtfs.helpers import load, where
from tests.tinyfeed import TinyFeed


def test_route_without_any_name(tiny: TinyFeed) -> None:
    tiny.append("routes.txt", "R3,JZ,,,3,")
    _, findings = load(tiny.folder())
    assert where(findings, "route_both_short_and_long_name_missing") == [
        ("routes.txt", 4, "route_id")
    ]
