"""The real-time matcher on hand-made networks: each tricky case it must handle.

Buses move by a known kinematic profile (tests/realtime/handmade.py), so every arrival,
departure and crossing time is known; fixes every 10 s carry a little GPS noise and the
speed the terminal would report. Times are seconds after the service day's start.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace

import pytest

from busbrain.realtime.fixes import Fix
from busbrain.realtime.predict import SegmentPredictor
from busbrain.realtime.replay import replay
from busbrain.realtime.rtnet import RtNetwork
from busbrain.realtime.stopevents import ZONE_M
from busbrain.realtime.tracker import StopEvent
from tests.realtime.handmade import (
    LANE_M,
    Motion,
    NetBuilder,
    Path,
    calls,
    latlon,
    sample,
    stop_id,
    track,
    trip_of,
)

START = 7 * 3600.0
TOL_S = 5.0
"""How close (s) a detected arrival or departure must be to the truth."""


def close(got: float, want: float, tol: float = TOL_S) -> None:
    assert abs(got - want) <= tol, f"{got:.1f} vs truth {want:.1f}"


def check_times(e: StopEvent, m: Motion, d: float, *, arrival: bool = True) -> None:
    """`e` has the true departure at `d` along the bus's path, and arrival unless told
    not to check it."""
    arr, dep = m.truth(d)
    if arrival:
        close(e.arrival, arr)
    close(e.departure, dep)


# --- a straight two-way line: terminals W and E, stations S1-S3 with a pole each side --

L = 2000.0
EAST = Path([(0.0, 0.0), (L, 0.0)])
WEST = Path([(L, 0.0), (0.0, 0.0)])
LINE_D = [0.0, 500.0, 1000.0, 1500.0, L]


def two_way_line() -> NetBuilder:
    b = NetBuilder()
    b.pole("W", "W", (-10.0, 0.0))
    b.pole("E", "E", (L + 10.0, 0.0))
    b.pattern(
        "P0", "R1", 0, EAST, list(zip(["W", "S1/0", "S2/0", "S3/0", "E"], LINE_D, strict=True))
    )
    b.pattern(
        "P1", "R1", 1, WEST, list(zip(["E", "S3/1", "S2/1", "S1/1", "W"], LINE_D, strict=True))
    )
    return b


def eastbound(halts: list[tuple[float, float]]) -> tuple[RtNetwork, Motion]:
    """The line with one direction-0 trip that the movement runs 30 s late."""
    m = Motion(START, halts)
    b = two_way_line()
    b.trip("D0", "P0", m.schedule(LINE_D, late=30.0))
    return b.build(), m


EVERY_STOP = [(500.0, 20.0), (1000.0, 20.0), (1500.0, 20.0), (L, 0.0)]


def assert_every_stop(rt: RtNetwork, m: Motion, events: list[StopEvent]) -> None:
    """The D0 run of EVERY_STOP: one event per call, in order, at the true times."""
    assert calls(rt, events) == [("D0", k) for k in range(5)]
    assert all(e.stopped for e in events[:4])  # (the terminal: see the rolling-in test)
    close(events[0].departure, START)
    for e, d in zip(events[1:4], LINE_D[1:4], strict=True):
        check_times(e, m, d)
    close(events[4].arrival, m.arrivals[-1])


def test_direction_1_bus_is_matched_to_direction_1_trip_and_poles() -> None:
    # stands at E, stops at S3 and S1, runs through S2 at cruising speed
    m = Motion(START, [(500.0, 20.0), (1500.0, 20.0), (L, 0.0)])
    b = two_way_line()
    b.trip("D0", "P0", m.schedule(LINE_D))  # the other direction, exactly in time
    b.trip("D1-prev", "P1", m.schedule(LINE_D, late=600.0))
    b.trip("D1", "P1", m.schedule(LINE_D, late=60.0))
    rt = b.build()
    run = track(rt, sample("bus", WEST, m, START - 93.0, m.arrivals[-1] + 60.0))

    d1 = trip_of(rt, "D1")
    assert run.assigned == [d1]
    assert set(run.trip_after) <= {-1, d1}
    assert calls(rt, run.events) == [("D1", k) for k in range(5)]
    assert [stop_id(rt, e) for e in run.events] == ["E", "S3/1", "S2/1", "S1/1", "W"]
    e = run.events
    assert [x.stopped for x in e[1:4]] == [True, False, True]
    close(e[0].departure, START)
    check_times(e[1], m, 500.0)
    assert e[2].arrival == e[2].departure
    close(e[2].arrival, m.crossing(1000.0))
    check_times(e[3], m, 1500.0)
    close(e[4].arrival, m.arrivals[-1])


# --- a loop and a lollipop ------------------------------------------------------------

SQUARE = [(0.0, 0.0), (400.0, 0.0), (400.0, 400.0), (0.0, 400.0), (0.0, 0.0)]
LOOP_CALLS = [("A", 0.0), ("B", 200.0), ("C", 600.0), ("D", 1000.0), ("E", 1400.0), ("A", 1600.0)]


def test_loop_two_laps_of_a_block_give_each_stop_once_in_order() -> None:
    ds = [d for _, d in LOOP_CALLS]
    lap = [(d, 20.0) for d in ds[1:-1]]
    halts = [*lap, (1600.0, 60.0), *[(d + 1600.0, w) for d, w in lap], (3200.0, 0.0)]
    m = Motion(START, halts)
    b = NetBuilder()
    b.pattern("LP", "R9", 0, Path(SQUARE), LOOP_CALLS)
    b.trip("lap1", "LP", m.schedule(ds), block_id="K")
    b.trip("lap2", "LP", m.schedule([d + 1600.0 for d in ds]), block_id="K")
    rt = b.build()
    bus = Path(SQUARE + SQUARE[1:])
    run = track(rt, sample("bus", bus, m, START - 93.0, m.arrivals[-1] + 60.0))

    assert calls(rt, run.events) == [("lap1", k) for k in range(6)] + [
        ("lap2", k) for k in range(6)
    ]
    assert [stop_id(rt, e) for e in run.events] == [s for s, _ in LOOP_CALLS] * 2
    assert all(e.stopped for e in run.events[:5] + run.events[6:11])  # (A: see rolling-in)
    arrivals = [e.arrival for e in run.events]
    assert arrivals == sorted(arrivals)
    for laps_events, off in ((run.events[:6], 0.0), (run.events[6:], 1600.0)):
        for k, e in enumerate(laps_events):
            d = ds[k] + off
            if k < 5:
                check_times(e, m, d, arrival=k > 0)
            else:
                close(e.arrival, m.truth(d)[0])


LOLLIPOP = Path(
    [(0.0, 0.0), (600.0, 0.0), (1000.0, 0.0), (1000.0, 400.0), (600.0, 400.0), (600.0, 0.0),
     (0.0, 0.0)]
)  # fmt: skip
"""Out east along the stem (y = 0) to (600, 0), anticlockwise round a square, back west."""
LOLLIPOP_CALLS = [
    ("T", 0.0),
    ("S1/0", 300.0),
    ("L1", 800.0),
    ("L2", 1200.0),
    ("L3", 1600.0),
    ("L4", 2000.0),
    ("S1/1", 2500.0),  # the other side of the stem, 15 m from S1/0
    ("T", 2800.0),
]
LOLLIPOP_D = [d for _, d in LOLLIPOP_CALLS]


def lollipop() -> tuple[RtNetwork, Motion]:
    # stops everywhere but L2, which it runs through
    m = Motion(START, [(d, 20.0) for d in LOLLIPOP_D[1:-1] if d != 1200.0] + [(2800.0, 0.0)])
    b = NetBuilder()
    b.pattern("LL", "R8", 0, LOLLIPOP, LOLLIPOP_CALLS)
    b.trip("LL1", "LL", m.schedule(LOLLIPOP_D, late=45.0))
    return b.build(), m


def check_lollipop(rt: RtNetwork, m: Motion, events: list[StopEvent], first: int) -> None:
    assert calls(rt, events) == [("LL1", k) for k in range(first, 8)]
    assert [stop_id(rt, e) for e in events] == [s for s, _ in LOLLIPOP_CALLS[first:]]
    for e in events:
        d = LOLLIPOP_D[e.k]
        if e.k == 0:
            close(e.departure, START)
        elif e.k == 7:
            close(e.arrival, m.arrivals[-1])
        else:
            assert e.stopped is (d != 1200.0)
            check_times(e, m, d)


def test_lollipop_stops_in_order_on_the_right_pass_of_the_stem() -> None:
    rt, m = lollipop()
    run = track(rt, sample("bus", LOLLIPOP, m, START - 93.0, m.arrivals[-1] + 60.0))
    check_lollipop(rt, m, run.events, first=0)


def test_lollipop_bus_first_seen_on_the_way_back_is_matched_to_the_return_pass() -> None:
    # the terminal comes on when the bus is on the stem heading home, 240 m before S1/1
    rt, m = lollipop()
    t0 = m.crossing(2260.0)
    run = track(rt, sample("bus", LOLLIPOP, m, t0, m.arrivals[-1] + 60.0))
    check_lollipop(rt, m, run.events, first=6)


# --- a shared corridor ----------------------------------------------------------------

A_PATH = Path([(-700.0, 0.0), (0.0, 0.0), (1000.0, 0.0), (1000.0, 700.0)])
B_PATH = Path([(0.0, -700.0), (0.0, 0.0), (1000.0, 0.0), (1000.0, -700.0)])
"""Route A comes from the west and turns north, route B comes from the south and turns
south; both run the same 1 km east along y = 0 (stations C1 and C2)."""
CORRIDOR_D = [0.0, 400.0, 1000.0, 1400.0, 2100.0, 2400.0]


@pytest.mark.parametrize(
    ("late_a", "late_b"), [(0.0, 180.0), (180.0, 0.0)], ids=["A-fits", "B-fits"]
)
def test_shared_corridor_bus_ends_up_on_its_own_route(late_a: float, late_b: float) -> None:
    m = Motion(START, [(d, 20.0) for d in CORRIDOR_D[1:-1]] + [(2400.0, 0.0)])
    b = NetBuilder()
    b.pattern(
        "PA",
        "A",
        0,
        A_PATH,
        list(zip(["A0", "A1", "C1", "C2", "A2", "A3"], CORRIDOR_D, strict=True)),
    )
    b.pattern(
        "PB",
        "B",
        0,
        B_PATH,
        list(zip(["B0", "B1", "C1", "C2", "B2", "B3"], CORRIDOR_D, strict=True)),
    )
    b.trip("TA", "PA", m.schedule(CORRIDOR_D, late=late_a))
    b.trip("TB", "PB", m.schedule(CORRIDOR_D, late=late_b))
    rt = b.build()
    # first seen in the corridor, 100 m into it
    run = track(rt, sample("bus", B_PATH, m, m.crossing(800.0), m.arrivals[-1] + 60.0))

    assert run.assigned[-1] == trip_of(rt, "TB")
    assert [stop_id(rt, e) for e in run.events] == ["C1", "C2", "B2", "B3"]
    diverged = m.crossing(1700.0)
    after = [e for e in run.events if e.arrival > diverged]
    assert calls(rt, after) == [("TB", 4), ("TB", 5)]
    # (taken over at B2 after a release, the bus may have stood a fix there already)
    check_times(after[0], m, 2100.0, arrival=late_b == 0.0)
    close(after[1].arrival, m.arrivals[-1])


# --- a layover between two trips of a block -------------------------------------------


def test_layover_next_trip_from_block_departs_when_the_bus_pulls_away() -> None:
    there_and_back = Path([(0.0, 0.0), (L, 0.0), (0.0, 0.0)])
    out = [(d, 20.0) for d in LINE_D[1:-1]]
    halts = [*out, (L, 300.0), *[(L + d, w) for d, w in out], (2 * L, 0.0)]
    m = Motion(START, halts)
    back_d = [L + d for d in LINE_D]
    b = two_way_line()
    b.trip("out", "P0", m.schedule(LINE_D, late=20.0), block_id="K1")
    b.trip("back", "P1", m.schedule(back_d, late=60.0), block_id="K1")
    b.trip("other", "P1", m.schedule(back_d))  # another bus's trip, fits the movement exactly
    rt = b.build()
    fixes = sample("bus", there_and_back, m, START - 93.0, m.arrivals[-1] + 60.0)
    run = track(rt, fixes)

    assert calls(rt, run.events) == [("out", k) for k in range(5)] + [("back", k) for k in range(5)]
    end_of_out = [f.t for f in fixes].index(run.emitted_at[4])
    assert run.trip_after[end_of_out] == trip_of(rt, "back")  # straight from the block
    assert trip_of(rt, "other") not in run.trip_after
    pulled_away = m.departures[3]
    close(run.events[5].departure, pulled_away, tol=10.0)
    for e, d in zip(run.events[6:9], back_d[1:4], strict=True):
        check_times(e, m, d)


# --- a detour -------------------------------------------------------------------------


def test_detour_releases_the_bus_and_resumes_without_inventing_skipped_stops() -> None:
    line = Path([(0.0, 0.0), (3500.0, 0.0)])
    ds = [500.0 * i for i in range(8)]
    # leaves the street at x = 900, 200 m south for 1200 m, back on it at x = 2100:
    # stops at 1000, 1500 and 2000 are skipped
    bus = Path(
        [(0.0, 0.0), (900.0, 0.0), (900.0, -200.0), (2100.0, -200.0), (2100.0, 0.0),
         (3500.0, 0.0)]
    )  # fmt: skip

    def on_bus(d: float) -> float:  # a distance along the street, along the bus's path
        return d + (200.0 if d > 900.0 else 0.0) + (200.0 if d >= 2100.0 else 0.0)

    m = Motion(START, [(on_bus(d), 20.0) for d in (500.0, 2500.0, 3000.0)] + [(3900.0, 0.0)])
    b = NetBuilder()
    b.pattern("DP", "R5", 0, line, [(f"D{i}", d) for i, d in enumerate(ds)])
    b.trip("DT", "DP", m.schedule([on_bus(d) for d in ds], late=30.0))
    rt = b.build()
    run = track(rt, sample("bus", bus, m, START - 93.0, m.arrivals[-1] + 60.0))

    left, rejoined = m.crossing(960.0), m.crossing(on_bus(2100.0))
    assert len(run.released_at) == 1
    assert left < run.released_at[0] < rejoined
    assert calls(rt, run.events) == [("DT", k) for k in (0, 1, 5, 6, 7)]
    close(run.events[0].departure, START)
    check_times(run.events[1], m, 500.0)
    assert all(t > rejoined for t in run.emitted_at[2:])
    check_times(run.events[2], m, on_bus(2500.0))
    check_times(run.events[3], m, on_bus(3000.0))
    close(run.events[4].arrival, m.arrivals[-1])


# --- a GPS jump -----------------------------------------------------------------------


def moved_ahead(fixes: list[Fix], m: Motion, t: float, ahead_m: float) -> list[Fix]:
    """The eastbound fixes with the one at time t put `ahead_m` further along the road."""
    i = min(range(len(fixes)), key=lambda j: abs(fixes[j].t - t))
    lat, lon = latlon(*EAST.at(m.at(fixes[i].t)[0] + ahead_m, LANE_M))
    return [*fixes[:i], replace(fixes[i], lat=lat, lon=lon), *fixes[i + 1 :]]


@pytest.mark.parametrize("before_m", [250.0, 150.0, 100.0, 70.0, 50.0, 30.0])
def test_gps_jump_ahead_does_not_pass_stops_not_reached(before_m: float) -> None:
    """One fix 300 m ahead of the bus while it is `before_m` short of S2 (at 1000 m),
    with the speed it really has."""
    rt, m = eastbound(EVERY_STOP)
    t_jump = m.crossing(1000.0 - before_m)
    t0 = t_jump - 10.0 * math.ceil((t_jump - START + 90.0) / 10.0)
    fixes = moved_ahead(sample("bus", EAST, m, t0, m.arrivals[-1] + 60.0), m, t_jump, 300.0)
    run = track(rt, fixes)

    for e, t in zip(run.events, run.emitted_at, strict=True):
        reached = m.crossing(LINE_D[e.k] - ZONE_M)
        assert t >= reached, f"call {e.k} done at {t:.1f}, the bus got there at {reached:.1f}"
    assert_every_stop(rt, m, run.events)


def _frozen_then_standing() -> tuple[RtNetwork, Motion, list[Fix], float, int]:
    """The receiver repeats one place (speed 0) from 600 m while the bus drives on to
    S2 (1000 m) and stands there 2 minutes; it recovers 40 s into the stand: the
    network, the movement, the fixes, when the GPS froze and the index of the first
    fix after it recovered."""
    rt, m = eastbound([(500.0, 20.0), (1000.0, 120.0), (1500.0, 20.0), (L, 0.0)])
    fixes = sample("bus", EAST, m, START - 93.0, m.arrivals[-1] + 60.0)
    t_frozen, t_back = m.crossing(600.0), m.arrivals[1] + 40.0
    frozen = min(fixes, key=lambda f: abs(f.t - t_frozen))
    fixes = [
        replace(f, lat=frozen.lat, lon=frozen.lon, speed_kmh=0.0) if frozen.t <= f.t < t_back else f
        for f in fixes
    ]
    return rt, m, fixes, frozen.t, next(i for i, f in enumerate(fixes) if f.t >= t_back)


def test_gps_frozen_behind_a_bus_that_then_stands_catches_up_in_two_fixes() -> None:
    """When the GPS recovers the bus reports 0 km/h at S2. One such fix could be a GPS
    outlier; the next that agrees puts the bus at S2 (the speed rule alone kept it
    400 m behind for as long as it stood)."""
    rt, m, fixes, frozen_t, back = _frozen_then_standing()

    assert track(rt, fixes[: back + 1]).track.dist < 1000.0 - ZONE_M  # one fix: not yet
    assert track(rt, fixes[: back + 2]).track.dist >= 1000.0 - ZONE_M
    run = track(rt, fixes)
    assert calls(rt, run.events) == [("D0", k) for k in range(5)]
    s2 = run.events[2]
    assert s2.stopped
    close(s2.departure, m.departures[1])
    assert frozen_t <= s2.arrival <= fixes[back + 1].t  # all the fixes can tell


def test_no_prediction_while_a_far_jump_waits_for_its_confirmation() -> None:
    """The recovered fix could be an outlier or the truth: predicting from 600 m would
    announce S2 ahead for a bus standing there for a minute already; the fix after it
    predicts from S2."""
    rt, _, fixes, _, back = _frozen_then_standing()
    made = replay(rt, fixes, predictor=SegmentPredictor(rt, ("kalman",))).predictions
    u = rt.day_start_unix
    at = {round(p.made_at + u, 3): p for p in made}
    before, after = at[round(fixes[back - 1].t, 3)], at[round(fixes[back + 1].t, 3)]
    assert before.k0 == 2 and before.times[0] - before.made_at > 20.0  # S2 ahead, from 600 m
    assert round(fixes[back].t, 3) not in at
    assert after.k0 == 2 and after.times[0] - after.made_at < 1.0  # at S2 now


def test_bus_rolling_onto_the_terminal_stand_is_recorded_as_standing_there() -> None:
    """A fix 1.5 s before the bus stands at its last stop (5.4 km/h, 1.1 m short) whose
    GPS error puts it 2 m ahead must not end the trip as run through without stopping."""
    rt, m = eastbound(EVERY_STOP)
    t_roll = m.arrivals[-1] - 1.5
    fixes = sample("bus", EAST, m, t_roll - 400.0, m.arrivals[-1] + 60.0)
    run = track(rt, moved_ahead(fixes, m, t_roll, 2.0))
    assert_every_stop(rt, m, run.events)
    assert run.events[-1].stopped


# --- fixes through replay: duplicates, reordering, a skewed clock -----------------------


def received(fixes: list[Fix], skew: float = 0.0, seed: int = 3) -> list[Fix]:
    """The fixes with terminal clock `skew` s off (t moved by it) and received 0.5-2 s
    after they were taken (on the platform's clock)."""
    rng = random.Random(seed)
    return [replace(f, t=f.t + skew, received=f.t + rng.uniform(0.5, 2.0)) for f in fixes]


def line_fixes() -> tuple[RtNetwork, Motion, list[Fix]]:
    rt, m = eastbound([(500.0, 20.0), (1000.0, 40.0), (1500.0, 20.0), (L, 0.0)])
    fixes = sample("bus", EAST, m, START - 93.0, m.arrivals[-1] + 60.0)
    return rt, m, received(fixes)


def test_replay_drops_duplicated_fixes_without_changing_results() -> None:
    rt, _, fixes = line_fixes()
    clean = replay(rt, fixes)
    again = [replace(f, received=(f.received or f.t) + 4.0) for f in fixes[::3]]
    messy = replay(rt, [*again, *fixes])
    assert len(clean.events) == 5
    assert messy.events == clean.events
    assert messy.quality.by_code["duplicate_fix"] == len(again)
    assert messy.matched == clean.matched


def test_replay_results_do_not_change_when_fixes_arrive_out_of_order() -> None:
    rt, _, fixes = line_fixes()
    clean = replay(rt, fixes)
    # every third fix is held up 12 s, so the next one (10 s later) arrives first
    late = [replace(f, received=f.t + 12.0) if i % 3 == 0 else f for i, f in enumerate(fixes)]
    again = [replace(f, received=(f.received or f.t) + 30.0) for f in fixes[::5]]
    messy = replay(rt, [*again, *late])
    assert messy.quality.by_code["out_of_order"] > 0
    assert calls(rt, messy.events) == calls(rt, clean.events)
    assert [e.stopped for e in messy.events] == [e.stopped for e in clean.events]
    # (not the arrival at the first stop, where the bus stood before it was matched, nor
    # the departure from the last, which is only when the trip was closed)
    for a, b in zip(messy.events, clean.events, strict=True):
        if a.k > 0:
            close(a.arrival, b.arrival, tol=1.0)
        if a.k < 4:
            close(a.departure, b.departure, tol=1.0)


def test_replay_puts_a_slow_terminal_clock_on_the_platform_clock() -> None:
    rt, m = eastbound(EVERY_STOP)
    truth_fixes = sample("bus", EAST, m, START - 93.0, m.arrivals[-1] + 60.0)
    fixes = received(truth_fixes, skew=-90.0)  # the terminal's clock runs 90 s behind
    res = replay(rt, fixes)
    assert_every_stop(rt, m, res.events)


# --- standing at a stop with GPS noise -------------------------------------------------


@pytest.mark.parametrize("reports_speed", [True, False], ids=["speed", "no-speed"])
def test_bus_standing_five_minutes_in_gps_noise_does_not_depart_early(
    reports_speed: bool,
) -> None:
    rt, m = eastbound([(500.0, 20.0), (1000.0, 300.0), (1500.0, 20.0), (L, 0.0)])
    rng = random.Random(5)

    def speed(kmh: float) -> float | None:  # standing receivers say 0-2 km/h
        if not reports_speed:
            return None
        return kmh if kmh > 0.0 else round(rng.uniform(0.0, 2.0), 1)

    fixes = sample("bus", EAST, m, START - 93.0, m.arrivals[-1] + 60.0, noise_m=5.0, speed=speed)
    run = track(rt, fixes)

    assert calls(rt, run.events) == [("D0", k) for k in range(5)]
    s2 = run.events[2]
    assert s2.stopped
    assert run.emitted_at[2] > m.departures[1]
    close(s2.departure, m.departures[1])
    if reports_speed:
        close(s2.arrival, m.arrivals[1])
