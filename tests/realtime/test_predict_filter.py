"""The per-segment running-time filter: slow and fast buses teach it alike."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from busbrain.realtime.predict import SegmentPredictor
from busbrain.realtime.rtnet import RtNetwork
from busbrain.realtime.tracker import StopEvent, Track
from tests.realtime.handmade import Motion
from tests.realtime.test_tracker import EVERY_STOP, LINE_D, START, two_way_line


def _line() -> RtNetwork:
    b = two_way_line()
    b.trip("D0", "P0", Motion(START, EVERY_STOP).schedule(LINE_D))
    b.trip("D1", "P0", Motion(START + 3600.0, EVERY_STOP).schedule(LINE_D))
    return b.build()


def _taught(rt: RtNetwork, factor: float) -> SegmentPredictor:
    """A predictor that saw one bus of trip D0 run segment 0 -> 1 `factor` times its
    timetabled time, arriving at call 1 on time (the filter's state drifts with time:
    the same arrival time keeps the runs' weights equal)."""
    p = SegmentPredictor(rt, ("kalman",))
    trip = rt.net.trips[0]
    arr1 = float(trip.arrival_s[1])
    planned = arr1 - float(trip.departure_s[0])
    dep0 = arr1 - factor * planned
    p.observe(StopEvent("v", 0, 0, dep0 - 10.0, dep0, True))
    p.observe(StopEvent("v", 0, 1, arr1, arr1 + 20.0, True))
    return p


def _run_ahead(rt: RtNetwork, p: SegmentPredictor) -> float:
    """Trip D1's predicted running time over segment 0 -> 1 from its first stop (s)."""
    trip = rt.net.trips[1]
    now = float(trip.departure_s[0])
    bus = Track("w", trip=1, dist=0.0, dist_t=now, next_k=0, last_t=now)
    return float(p.predict(bus, now)[0].times[0]) - now


@given(st.floats(min_value=1.1, max_value=3.0))
def test_a_slow_run_moves_the_estimate_as_far_as_an_as_fast_run(factor: float) -> None:
    """The filter works on the ratio's logarithm: a bus taking twice the timetable's time
    and one taking half move it equally far, up and down. Filtering the ratio itself with
    noise proportional to the run trusted fast runs more than slow ones, and on WMATA's
    day predicted buses 96 s early on average at 12–30 minutes ahead."""
    rt = _line()
    trip = rt.net.trips[1]
    planned = float(trip.arrival_s[1]) - float(trip.departure_s[0])
    slow = _run_ahead(rt, _taught(rt, factor)) / planned
    fast = _run_ahead(rt, _taught(rt, 1.0 / factor)) / planned
    assert slow > 1.0 > fast
    assert math.log(slow) == pytest.approx(-math.log(fast), rel=1e-6)


def test_one_run_moves_most_of_the_way_and_stays_between() -> None:
    rt = _line()
    trip = rt.net.trips[1]
    planned = float(trip.arrival_s[1]) - float(trip.departure_s[0])
    ratio = _run_ahead(rt, _taught(rt, 2.0)) / planned
    assert 1.6 < ratio < 2.0  # the prior (σ 0.3) against one run (σ 0.1)
