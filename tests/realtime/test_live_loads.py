"""The passenger counter's riders per stop visit (what 满载率 is computed from): each door
opening is put on the stop visit of the bus's trip where the doors opened, boarding at
the terminal while laying over goes to the trip's first stop, and an opening between
stops goes nowhere (counted)."""

from __future__ import annotations

import zoneinfo

from busbrain.realtime.fixes import Fix
from busbrain.realtime.live import DEFAULT_CAPACITY, LiveProcessor, StopLoad
from busbrain.realtime.rtnet import RtNetwork
from tests.realtime.handmade import Motion, sample
from tests.realtime.test_tracker import EAST, EVERY_STOP, LINE_D, START, two_way_line

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
Count = tuple[float, float, int, int]
"""A door opening: (opened, closed) unix seconds, boarded, alighted."""


def _line() -> tuple[RtNetwork, Motion]:
    m = Motion(START, EVERY_STOP)
    b = two_way_line()
    b.trip("D0", "P0", m.schedule(LINE_D, late=30.0))
    return b.build(), m


def _run(p: LiveProcessor, fixes: list[Fix], counts: list[Count]) -> list[StopLoad]:
    """Fixes and counts in the order they reach the platform (a count when the doors
    close); the loads taken as a history buffer takes them, after each."""
    feed: list[tuple[float, int, Fix | Count]] = [(f.t, 1, f) for f in fixes]
    feed += [(c[1], 0, c) for c in counts]
    loads: list[StopLoad] = []
    for t, _, item in sorted(feed, key=lambda x: (x[0], x[1])):
        if isinstance(item, Fix):
            p.process(item, t)
        else:
            p.count("bus", item[2], item[3], item[1], opened=item[0])
        loads.extend(p.take_loads())
    return loads


def _latest(loads: list[StopLoad]) -> dict[int, StopLoad]:
    """stop_sequence -> its last load (a later one replaces an earlier one when stored)."""
    return {x.stop_sequence: x for x in loads}


def test_each_door_opening_goes_to_the_stop_where_the_doors_opened() -> None:
    rt, m = _line()
    p = LiveProcessor(lambda day: rt, TZ, capacity={"bus": 60})
    seq = rt.net.trips[rt.trip_index["D0"]].stop_sequences
    s1, s2, _s3, e = (
        (a, d) for a, d in zip(m.arrivals, m.departures, strict=True)
    )  # the halts at S1, S2, S3 and the terminus E
    counts = [
        (START - 300, START - 240, 10, 0),  # boarding at W while laying over
        (s1[0] + 1, s1[1] - 1, 5, 2),
        (s2[0] + 1, s2[0] + 8, 0, 3),
        (s2[0] + 10, s2[1] - 1, 1, 0),  # the doors open again at S2
        (e[0] + 1, e[0] + 6, 0, 11),  # everyone left gets off at E
    ]
    fixes = sample("bus", EAST, m, START - 60.0, m.arrivals[-1] + 30.0)
    got = _latest(_run(p, fixes, counts))
    assert sorted(got) == [seq[0], seq[1], seq[2], seq[4]]  # nobody at S3: no load there
    rows = {k: (x.boarded, x.alighted, x.onboard_after) for k, x in got.items()}
    assert rows == {
        seq[0]: (10, 0, 10),
        seq[1]: (5, 2, 13),
        seq[2]: (1, 3, 11),
        seq[4]: (0, 11, 0),
    }
    w = got[seq[0]]
    assert (w.trip_id, w.stop_id, w.capacity, w.service_date) == ("D0", "W", 60, p.day)
    assert p.openings_unmatched == 0


def test_an_opening_between_stops_is_counted_on_board_but_at_no_stop() -> None:
    rt, m = _line()
    p = LiveProcessor(lambda day: rt, TZ)
    seq = rt.net.trips[rt.trip_index["D0"]].stop_sequences
    s1, s2 = m.departures[0], m.arrivals[1]
    between = (s1 + s2) / 2  # doors opened at a red light between S1 and S2
    counts = [
        (START - 200, START - 150, 20, 0),
        (between - 3, between + 3, 0, 4),
        (m.arrivals[1] + 1, m.departures[1] - 1, 2, 1),
    ]
    fixes = sample("bus", EAST, m, START - 60.0, m.departures[2] + 30.0)
    got = _latest(_run(p, fixes, counts))
    assert p.openings_unmatched == 1
    assert got[seq[0]].onboard_after == 20 and seq[1] not in got
    assert (got[seq[2]].boarded, got[seq[2]].alighted, got[seq[2]].onboard_after) == (2, 1, 17)
    assert got[seq[2]].capacity == DEFAULT_CAPACITY


def test_a_count_that_reaches_the_platform_after_the_stop_event_still_finds_its_stop() -> None:
    rt, m = _line()
    p = LiveProcessor(lambda day: rt, TZ)
    seq = rt.net.trips[rt.trip_index["D0"]].stop_sequences
    fixes = sample("bus", EAST, m, START - 60.0, m.departures[1] + 60.0)
    loads = _run(p, fixes, [])
    assert loads == []
    p.count("bus", 7, 0, m.departures[0] - 1, opened=m.arrivals[0] + 1)  # S1's, late
    (late,) = p.take_loads()
    assert (late.stop_sequence, late.boarded, late.onboard_after) == (seq[1], 7, 7)
    assert p.take_loads() == []  # taken once
