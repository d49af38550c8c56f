"""A trip's start: buses leave the terminal as late as their predecessors did, and a bus
standing past the first stop before its trip's time waits for it."""

from __future__ import annotations

import dataclasses

import pytest

from busbrain.realtime.predict import SegmentPredictor
from busbrain.realtime.replay import replay
from busbrain.realtime.rtnet import RtNetwork
from busbrain.realtime.tracker import StopEvent, Track
from tests.realtime.handmade import Motion, sample
from tests.realtime.test_tracker import EAST, EVERY_STOP, LINE_D, START, two_way_line


def _line(trips: int) -> RtNetwork:
    """Trips D0, D1, ... of the east pattern, 20 minutes apart."""
    b = two_way_line()
    m = Motion(START, EVERY_STOP)
    for i in range(trips):
        b.trip(f"D{i}", "P0", [(a + 1200 * i, d + 1200 * i) for a, d in m.schedule(LINE_D)])
    return b.build()


def _waiting_at_start(rt: RtNetwork, trip: int, now: float) -> Track:
    return Track("bus", trip=trip, dist=0.0, dist_t=now - 30.0, next_k=0, last_t=now)


def test_a_bus_at_the_terminal_leaves_as_late_as_the_last_buses_did() -> None:
    rt = _line(4)
    p = SegmentPredictor(rt, ("kalman",))
    dep = [float(t.departure_s[0]) for t in rt.net.trips]
    first_stop_now = dep[3] - 120.0
    on_time = p.predict(_waiting_at_start(rt, 3, first_stop_now), first_stop_now)[0].times
    for i, late in ((0, 240.0), (1, 300.0), (2, 360.0)):  # three starts, each late
        p.observe(StopEvent(f"v{i}", i, 0, dep[i] + late - 60.0, dep[i] + late, True))
    assert p.start_late(int(rt.net.patterns[0].stops[0]), first_stop_now) == 300.0
    later = p.predict(_waiting_at_start(rt, 3, first_stop_now), first_stop_now)[0].times
    assert later - on_time == pytest.approx(300.0)  # every call 300 s later, the median
    # Starts older than two hours say nothing of how buses leave now.
    assert p.start_late(int(rt.net.patterns[0].stops[0]), dep[2] + 3 * 3600.0) == 0.0


def test_one_late_start_is_not_a_habit_and_early_starts_do_not_pull_forward() -> None:
    rt = _line(4)
    p = SegmentPredictor(rt, ("kalman",))
    dep = [float(t.departure_s[0]) for t in rt.net.trips]
    stop = int(rt.net.patterns[0].stops[0])
    p.observe(StopEvent("v0", 0, 0, dep[0], dep[0] + 600.0, True))
    assert p.start_late(stop, dep[0] + 700.0) == 0.0
    p.observe(StopEvent("v1", 1, 0, dep[1] - 200.0, dep[1] - 120.0, True))
    p.observe(StopEvent("v2", 2, 0, dep[2] - 200.0, dep[2] - 120.0, True))
    assert p.start_late(stop, dep[2]) == 0.0  # never predicted to leave before its time


def test_a_bus_standing_past_the_first_stop_before_its_time_waits_for_it() -> None:
    """Like WMATA's buses, which lay over beyond the first stop: the tracker has it past
    call 0, but it leaves on the timetable, not now."""
    stand_d = 120.0
    m = Motion(START, EVERY_STOP, start_d=stand_d)
    b = two_way_line()
    sched = m.schedule(LINE_D)
    sched[0] = (START - 12.0, START - 12.0)  # the time it would pass the first stop
    b.trip("D0", "P0", sched)
    rt = b.build()
    fixes = [
        dataclasses.replace(f, trip_id="D0")
        for f in sample("bus", EAST, m, START - 900.0, START + 20.0)
    ]
    made = [
        p
        for p in replay(rt, fixes, predictor=SegmentPredictor(rt, ("kalman",))).predictions
        if p.k0 == 1 and START - 400.0 <= p.made_at <= START - 200.0
    ]
    assert made, "no prediction while standing"
    truth = m.arrivals[0]  # at the halt 500 m along: call 1
    for p in made:
        assert abs(float(p.times[0]) - truth) < 30.0, (p.made_at, float(p.times[0]), truth)


def test_a_bus_moving_about_past_the_first_stop_before_its_time_waits_for_it() -> None:
    """Not standing, yet before its trip's time: a bus driving round the terminal loop
    to its stand (WMATA's buses came by the first stop up to 25 minutes early). It leaves
    on the timetable, not now: predicted from `now` it came 200–700 s early."""
    rt = _line(1)
    p = SegmentPredictor(rt, ("kalman",))
    trip = rt.net.trips[0]
    pattern = rt.net.patterns[trip.pattern]
    now = float(trip.departure_s[0]) - 900.0
    dist = float(pattern.stop_dist[1]) + 50.0  # just past call 1, moved a second ago
    moving = Track("bus", trip=0, dist=dist, dist_t=now - 1.0, next_k=2, last_t=now)
    times = p.predict(moving, now)[0].times
    on_time = float(rt.sched_at(0, dist))
    assert on_time - now == pytest.approx(900.0, abs=120.0)
    run = float(trip.arrival_s[2]) - on_time
    assert float(times[0]) == pytest.approx(on_time + run, abs=10.0)  # not now + run
    # Once its trip's time has come, a moving bus is predicted from where it is.
    later = now + 1000.0
    moving = dataclasses.replace(moving, dist_t=later - 1.0, last_t=later)
    assert float(p.predict(moving, later)[0].times[0]) == pytest.approx(later + run, abs=10.0)


def test_the_delay_baseline_does_not_carry_a_waiting_bus_earliness_forward() -> None:
    """OneBusAway's method: a bus waiting at its first stop before its time leaves on
    time (not now, as its 'earliness' would say); after its time it leaves now."""
    rt = _line(1)
    p = SegmentPredictor(rt, ("delay",))
    trip = rt.net.trips[0]
    dep0 = float(trip.departure_s[0])
    early = p.predict(_waiting_at_start(rt, 0, dep0 - 600.0), dep0 - 600.0)[0]
    assert early.times.tolist() == trip.arrival_s[1:].astype(float).tolist()
    late = p.predict(_waiting_at_start(rt, 0, dep0 + 90.0), dep0 + 90.0)[0]
    assert (late.times - trip.arrival_s[1:]).tolist() == [90.0] * len(late.times)
