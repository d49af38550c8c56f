"""Stop clustering: poles per side of the road, stations grouping same-name poles."""

from __future__ import annotations

import math

from busbrain.cnlines.clustering import Sighting, layout_stops

NORTH, SOUTH = 0.0, math.pi
DEG_PER_M = 1 / 111_195.0


def at(name: str, east_m: float, north_m: float, heading: float | None) -> Sighting:
    """A sighting `east_m`, `north_m` metres from (114.05, 22.55)."""
    lon = 114.05 + east_m * DEG_PER_M / math.cos(math.radians(22.55))
    return Sighting(name, lon, 22.55 + north_m * DEG_PER_M, heading)


def test_same_side_sightings_within_50_m_merge() -> None:
    layout = layout_stops([at("甲", 0, 0, NORTH), at("甲", 3, 10, NORTH), at("甲", -4, 30, NORTH)])
    assert len(layout.poles) == 1
    assert layout.pole_of == [0, 0, 0]
    assert layout.stations == []


def test_opposite_sides_stay_apart_but_share_a_station() -> None:
    layout = layout_stops([at("甲", 0, 0, NORTH), at("甲", 25, 5, SOUTH), at("甲", 2, 2, NORTH)])
    assert len(layout.poles) == 2
    assert layout.pole_of[0] == layout.pole_of[2] != layout.pole_of[1]
    assert len(layout.stations) == 1
    assert layout.station_of == [0, 0]


def test_a_terminus_merges_whatever_the_heading() -> None:
    layout = layout_stops([at("总站", 0, 0, NORTH), at("总站", 5, 5, SOUTH)])
    assert len(layout.poles) == 1


def test_far_apart_same_names_are_different_stations() -> None:
    layout = layout_stops(
        [at("火车站", 0, 0, NORTH), at("火车站", 0, 200, NORTH), at("火车站", 0, 5_000, NORTH)]
    )
    assert len(layout.poles) == 3
    assert len(layout.stations) == 1
    assert sorted(s is None for s in layout.station_of) == [False, False, True]


def test_different_names_never_merge() -> None:
    layout = layout_stops([at("甲", 0, 0, NORTH), at("乙", 0, 0, NORTH)])
    assert sorted(p.name for p in layout.poles) == ["乙", "甲"]
    assert layout.stations == []


def test_bracket_width_does_not_split_a_name() -> None:
    layout = layout_stops(
        [
            at("浙大(玉古路)", 0, 0, NORTH),
            at("浙大（玉古路）", 1, 1, NORTH),
            at("浙大（玉古路）", 2, 2, NORTH),
        ]
    )
    assert [p.name for p in layout.poles] == ["浙大（玉古路）"]


def test_layout_is_deterministic_under_input_order() -> None:
    sightings = [at("甲", i * 7.0, (i % 3) * 9.0, NORTH if i % 2 else SOUTH) for i in range(12)]
    first = layout_stops(sightings)
    again = layout_stops(list(reversed(sightings)))
    assert first.poles == again.poles
    assert first.stations == again.stations
