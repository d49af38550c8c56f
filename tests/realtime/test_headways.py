"""Adherence, headways and bunching on hand-made buses (busbrain.realtime.headways)."""

from __future__ import annotations

import pytest

from busbrain.realtime.headways import (
    Adherence,
    Spacing,
    StripBus,
    adherence,
    headways,
    scheduled_headway,
    spacing,
)

T0 = 1_800_000_000.0
MIN = 60.0


@pytest.mark.parametrize(
    ("delay_s", "expected"),
    [
        (None, Adherence.UNKNOWN),
        (-61, Adherence.EARLY),
        (-60, Adherence.ON_TIME),
        (0, Adherence.ON_TIME),
        (300, Adherence.ON_TIME),
        (301, Adherence.LATE),
    ],
)
def test_adherence_uses_one_minute_early_and_five_minutes_late(
    delay_s: float | None, expected: Adherence
) -> None:
    assert adherence(delay_s) is expected


def _two_buses_apart(minutes: float) -> list[StripBus]:
    """Two buses heading for stop S4; the follower is predicted `minutes` after the leader."""
    return [
        StripBus("LEAD", 3.5, {"S4": T0 + 2 * MIN, "S5": T0 + 5 * MIN}),
        StripBus("FOLLOW", 2.2, {"S3": T0 + 1 * MIN, "S4": T0 + (2 + minutes) * MIN}),
    ]


def test_two_buses_three_minutes_apart_on_a_ten_minute_headway_are_bunched() -> None:
    got = headways(_two_buses_apart(3))
    assert got["LEAD"].headway_s is None and got["LEAD"].ahead is None
    follow = got["FOLLOW"]
    assert follow.ahead == "LEAD" and follow.source == "predictions"
    assert follow.headway_s == pytest.approx(3 * MIN)
    assert spacing(follow.headway_s, 10 * MIN) is Spacing.BUNCHED


def test_two_buses_fourteen_minutes_apart_on_a_ten_minute_headway_are_gapped() -> None:
    follow = headways(_two_buses_apart(14))["FOLLOW"]
    assert follow.headway_s == pytest.approx(14 * MIN)
    assert spacing(follow.headway_s, 10 * MIN) is Spacing.GAPPED


def test_the_limits_are_75_and_125_percent_inclusive() -> None:
    assert spacing(7.5 * MIN, 10 * MIN) is Spacing.BUNCHED
    assert spacing(7.6 * MIN, 10 * MIN) is Spacing.NORMAL
    assert spacing(12.4 * MIN, 10 * MIN) is Spacing.NORMAL
    assert spacing(12.5 * MIN, 10 * MIN) is Spacing.GAPPED
    assert spacing(None, 10 * MIN) is Spacing.UNKNOWN
    assert spacing(5 * MIN, None) is Spacing.UNKNOWN


def test_one_bus_alone_has_no_headway() -> None:
    got = headways([StripBus("ALONE", 2.0, {"S3": T0})])
    assert got["ALONE"].headway_s is None and got["ALONE"].source is None
    assert spacing(got["ALONE"].headway_s, 10 * MIN) is Spacing.UNKNOWN


def test_without_a_common_stop_the_followers_scheduled_running_time_is_used() -> None:
    # stops 1..4 scheduled 0, 4, 8, 12 minutes into the follower's trip
    schedule = [T0, T0 + 4 * MIN, T0 + 8 * MIN, T0 + 12 * MIN]
    buses = [
        StripBus("LEAD", 3.5, {}),  # halfway from stop 3 to stop 4: 10 min into the trip
        StripBus("FOLLOW", 1.5, {}, schedule),  # halfway from stop 1 to stop 2: 2 min in
    ]
    follow = headways(buses)["FOLLOW"]
    assert follow.source == "schedule" and follow.ahead == "LEAD"
    assert follow.headway_s == pytest.approx(8 * MIN)


def test_buses_are_ordered_by_position_and_a_bus_off_the_strip_is_left_out() -> None:
    buses = [
        StripBus("MIDDLE", 2.0, {"S4": T0 + 6 * MIN}),
        StripBus("OFF", None, {"S4": T0}),
        StripBus("FRONT", 3.9, {"S4": T0 + 1 * MIN}),
        StripBus("BACK", 1.0, {"S4": T0 + 16 * MIN}),
    ]
    got = headways(buses)
    assert got["FRONT"].ahead is None
    assert (got["MIDDLE"].ahead, got["MIDDLE"].headway_s) == ("FRONT", 5 * MIN)
    assert (got["BACK"].ahead, got["BACK"].headway_s) == ("MIDDLE", 10 * MIN)
    assert got["OFF"].headway_s is None and got["OFF"].ahead is None


def test_scheduled_headway_is_the_gap_between_departures_around_now() -> None:
    deps = [T0, T0 + 10 * MIN, T0 + 20 * MIN, T0 + 35 * MIN]
    assert scheduled_headway(deps, T0 + 5 * MIN) == 10 * MIN
    assert scheduled_headway(deps, T0 + 25 * MIN) == 15 * MIN
    assert scheduled_headway(deps, T0 - 60 * MIN) == 10 * MIN  # before the first: first gap
    assert scheduled_headway(deps, T0 + 90 * MIN) == 15 * MIN  # after the last: last gap
    assert scheduled_headway([T0], T0) is None
