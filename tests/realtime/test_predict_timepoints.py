"""Early buses wait at timepoints: where the feed marks them, predictions say so."""

from __future__ import annotations

import pytest

from busbrain.realtime.predict import SegmentPredictor
from busbrain.realtime.replay import replay
from busbrain.realtime.rtnet import RtNetwork
from busbrain.realtime.tracker import StopEvent
from tests.realtime.handmade import Motion, sample
from tests.realtime.test_tracker import EAST, LINE_D, START, two_way_line

# Free running: 500 m in ~50 s, 20 s at each stop; the timetable gives S2/0 a departure
# far later than that (a timepoint where early buses wait).
HALTS = [(500.0, 20.0), (1000.0, 20.0), (1500.0, 20.0), (2000.0, 0.0)]
S2_DEPARTS = START + 600.0


def _network(timepoints: tuple[int | None, ...]) -> tuple[RtNetwork, Motion]:
    m = Motion(START, HALTS)
    sched = m.schedule(LINE_D)
    sched[2] = (sched[2][0], S2_DEPARTS)  # S2/0: leave at S2_DEPARTS
    later = S2_DEPARTS - sched[2][0]
    sched[3:] = [(a + later, d + later) for a, d in sched[3:]]
    b = two_way_line()
    b.trip("D0", "P0", sched, timepoints=timepoints)
    return b.build(), m


def _kalman_at_start(timepoints: tuple[int | None, ...]) -> list[float]:
    """The kalman prediction made as the bus heads for S1/0 (times of calls 1..4)."""
    rt, m = _network(timepoints)
    fixes = sample("bus", EAST, m, START - 30.0, START + 40.0)
    result = replay(rt, fixes, predictor=SegmentPredictor(rt, ("kalman",)))
    made = [p for p in result.predictions if p.k0 == 1 and p.made_at > START + 10.0]
    assert made
    return [float(t) for t in made[-1].times]


def test_an_early_bus_is_predicted_to_wait_at_a_marked_timepoint() -> None:
    free = _kalman_at_start((1, 0, 0, 0, 1))  # only the terminals are timepoints
    held = _kalman_at_start((1, 0, 1, 0, 1))  # S2/0 too
    # S1/0 and S2/0 (calls 1, 2): reached as fast as ever; after S2/0 the bus waits.
    assert held[:2] == free[:2]
    assert free[2] < S2_DEPARTS - 300.0
    assert held[2] >= S2_DEPARTS and held[3] >= S2_DEPARTS
    assert held[3] - held[2] == free[3] - free[2]  # then it runs as before


def test_blank_or_uniform_timepoints_say_nothing_of_holding() -> None:
    free = _kalman_at_start((1, 0, 0, 0, 1))
    assert _kalman_at_start(()) == free
    assert _kalman_at_start((None,) * 5) == free
    assert _kalman_at_start((1,) * 5) == free  # every call exact: no sign of holding


def test_a_line_whose_early_buses_do_not_hold_is_predicted_to_hold_less() -> None:
    """Early buses that leave the timepoint at once teach the pattern's held share down,
    and the predicted wait shrinks with it; buses that hold keep it at 1."""
    rt, m = _network((1, 0, 1, 0, 1))
    trip = rt.net.trips[0]
    stop2 = 2  # S2/0, the timepoint

    def after(early_s: float, dwell_s: float, buses: int = 6) -> SegmentPredictor:
        p = SegmentPredictor(rt, ("kalman",))
        arrival = float(trip.departure_s[stop2]) - early_s
        for i in range(buses):
            p.observe(StopEvent(f"v{i}", 0, stop2, arrival, arrival + dwell_s, True))
        return p

    assert after(400.0, 400.0).held_share(trip.pattern) == pytest.approx(1.0, abs=0.05)
    leavers = after(400.0, 8.0)  # 400 s early, left after an ordinary dwell
    assert leavers.held_share(trip.pattern) < 0.3
    late = after(-10.0, 8.0)  # the same dwells, but late: nothing learnt of holding
    assert late.held_share(trip.pattern) == 1.0
    fixes = sample("bus", EAST, m, START - 30.0, START + 40.0)
    waits = {}
    for name, p in (("hold", late), ("leave", leavers)):
        made = [x for x in replay(rt, fixes, predictor=p).predictions if x.k0 == 1]
        waits[name] = float(made[-1].times[2] - made[-1].times[1])  # S2/0 to S3/0
    assert waits["leave"] < waits["hold"] - 200.0
