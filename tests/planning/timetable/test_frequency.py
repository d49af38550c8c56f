"""Ceder's four frequency methods on a worked example (a 10 km line, three periods),
each figure worked out by hand in the comments."""

from __future__ import annotations

import numpy as np
import pytest

from busbrain.planning.timetable.frequency import Method, frequencies, trips_needed

LENGTHS = [2000.0, 4000.0, 3000.0, 1000.0]  # L = 10 km
LOADS = [
    [300.0, 420.0, 240.0, 60.0],  # period 1
    [60.0, 60.0, 420.0, 60.0],  # period 2: the crowd is on segment 3 only
    [30.0, 60.0, 45.0, 15.0],  # period 3
]
D_O = [60.0, 60.0, 45.0]
F_MIN = [2.0, 2.0, 1.0]
CAPACITY = 90.0


def run(method: Method) -> list[float]:
    return list(frequencies(LOADS, LENGTHS, D_O, F_MIN, CAPACITY, method))


def test_method_1_uses_the_days_max_load_point() -> None:
    # daily totals per segment: 390, 540, 705, 135 -> segment 3
    # 240/60 = 4, 420/60 = 7, 45/45 = 1
    assert run(Method.MAX_LOAD_DAILY) == pytest.approx([4.0, 7.0, 1.0])


def test_method_2_uses_each_periods_max_load_point() -> None:
    # 420/60 = 7, 420/60 = 7, 60/45 = 1.33
    assert run(Method.MAX_LOAD_PERIOD) == pytest.approx([7.0, 7.0, 60 / 45])


def test_method_3_uses_the_average_load_along_the_line() -> None:
    # A1 = 300*2 + 420*4 + 240*3 + 60*1 = 3060 pass-km -> 3060 / (60 * 10) = 5.1
    # A2 = 60*2 + 60*4 + 420*3 + 60*1 = 1680 -> 2.8;  A3 = 450 -> 450 / (45 * 10) = 1.0
    assert run(Method.LOAD_PROFILE) == pytest.approx([5.1, 2.8, 1.0])


def test_method_4_adds_the_crowding_limit() -> None:
    # period 2: the profile asks 2.8 trips, but 420 riders on segment 3 need 420/90 = 4.67
    assert run(Method.LOAD_PROFILE_CROWDING) == pytest.approx([5.1, 420 / 90, 1.0])


def test_the_minimum_frequency_holds_when_demand_is_low() -> None:
    quiet = frequencies([[1.0, 1.0, 1.0, 1.0]], LENGTHS, [60.0], [3.0], CAPACITY, Method(2))
    assert list(quiet) == [3.0]


def test_trips_are_rounded_up() -> None:
    assert list(trips_needed(np.array([4.0, 4.0000000001, 4.2, 0.0]))) == [4, 4, 5, 0]
    assert list(trips_needed(frequencies(LOADS, LENGTHS, D_O, F_MIN, CAPACITY, Method(4)))) == [
        6,
        5,
        1,
    ]


def test_bad_shapes_and_values_are_refused() -> None:
    with pytest.raises(ValueError, match="do not match"):
        frequencies(LOADS, LENGTHS[:3], D_O, F_MIN, CAPACITY, Method(1))
    with pytest.raises(ValueError, match="one value per period"):
        frequencies(LOADS, LENGTHS, D_O[:2], F_MIN, CAPACITY, Method(1))
    with pytest.raises(ValueError, match="must be positive"):
        frequencies(LOADS, LENGTHS, [0.0, 1.0, 1.0], F_MIN, CAPACITY, Method(1))
