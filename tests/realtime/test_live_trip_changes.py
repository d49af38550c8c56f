"""调度指挥's trip changes in the live processor: no bus is matched to a cancelled trip
(and a bus on it is let go), a revoked cancel lets it be matched again, a swap moves
the block (路牌) in the plan from one bus to the other, and an extra trip (加班车) joins
the day's network, so the bus running it is matched to it (and let go when revoked); a
short-turned trip (区间车) is run and predicted over its range only, and a held bus (滞站)
is predicted to leave the hold stop no earlier than the hold's end."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from busbrain.domain.events import StopVisited
from busbrain.domain.tripchanges import ChangeKind, TripChange, extra_trip_id
from busbrain.realtime.fixes import Fix
from busbrain.realtime.live import LiveProcessor, service_date_of
from busbrain.realtime.predict import LAYOVER_MIN_S
from tests.realtime.handmade import Motion, Path, sample
from tests.realtime.test_tracker import EAST, EVERY_STOP, LINE_D, START, two_way_line

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
AT = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def _processor() -> tuple[LiveProcessor, Motion]:
    m = Motion(START, EVERY_STOP)
    b = two_way_line()
    b.trip("D0", "P0", m.schedule(LINE_D, late=30.0))
    rt = b.build()
    return LiveProcessor(lambda day: rt, TZ), m


def _cancel(trip_id: str) -> TripChange:
    return TripChange(ChangeKind.CANCEL, service_date_of(START, TZ), "diaodu", AT, trip_id=trip_id)


def _trip(p: LiveProcessor, now: float) -> str | None:
    v = p.snapshot(now).vehicle("bus")
    assert v is not None
    return v.trip_id


def test_no_bus_is_matched_to_a_cancelled_trip_until_the_cancel_is_revoked() -> None:
    p, m = _processor()
    p.apply_changes(service_date_of(START, TZ), [_cancel("D0")])  # before the day starts
    fixes = sample("bus", EAST, m, START - 60.0, START + 100.0)
    for f in fixes:
        p.process(f, f.t)
    assert _trip(p, fixes[-1].t) is None
    p.apply_changes(service_date_of(START, TZ), [])  # revoked
    more = sample("bus", EAST, m, START + 100.0, START + 200.0)
    for f in more:
        p.process(f, f.t)
    assert _trip(p, more[-1].t) == "D0"


def test_a_bus_on_a_trip_cancelled_meanwhile_is_let_go() -> None:
    p, m = _processor()
    fixes = sample("bus", EAST, m, START - 60.0, START + 100.0)
    for f in fixes:
        p.process(f, f.t)
    assert _trip(p, fixes[-1].t) == "D0"
    p.apply_changes(service_date_of(START, TZ), [_cancel("D0")])
    assert _trip(p, fixes[-1].t) is None
    v = p.snapshot(fixes[-1].t).vehicle("bus")
    assert v is not None and v.predictions == ()


def test_a_swap_moves_the_block_in_the_plan_and_revoking_moves_it_back() -> None:
    p, _ = _processor()
    p.plan({"V1": "B7", "V2": "B8"})
    day = service_date_of(START, TZ)
    swap = TripChange(
        ChangeKind.SWAP, day, "diaodu", AT, vehicle_id="V1", to_vehicle_id="V9", block_id="B7"
    )
    p.apply_changes(day, [swap])
    p.process(sample("V2", EAST, Motion(START, EVERY_STOP), START - 60, START - 50)[0], START)
    assert p.planned_block == {"V9": "B7", "V2": "B8"}
    assert p.ctx is not None and p.ctx.planned_block == {"V9": "B7", "V2": "B8"}
    p.apply_changes(day, [])
    assert p.planned_block == {"V1": "B7", "V2": "B8"}


# --- extra trips (加班车): a copy of D0 thirty minutes later ---------------------------

LATER_S = 1800.0
"""How much later than D0 the extra trip's bus drives the same movement."""
EXTRA_START = round(START - 30.0 + LATER_S)
"""The copy's start: D0 leaves W 30 s before its bus moves (seconds after the day's start)."""
EXTRA_ID = extra_trip_id("D0", EXTRA_START)
DAY = service_date_of(START, TZ)


def _extra(vehicle_id: str | None) -> TripChange:
    return TripChange(
        ChangeKind.EXTRA,
        DAY,
        "diaodu",
        AT,
        trip_id="D0",
        start_time_s=EXTRA_START,
        new_trip_id=EXTRA_ID,
        vehicle_id=vehicle_id,
    )


def _late(t0: float, t1: float, later: float = LATER_S) -> tuple[Motion, list[Fix]]:
    """Bus "late" driving D0's movement `later` seconds later, its fixes from START + t0
    to START + t1 after its own start."""
    m = Motion(START + later, EVERY_STOP)
    return m, sample("late", EAST, m, START + later + t0, START + later + t1)


def _run(p: LiveProcessor, fixes: list[Fix]) -> None:
    for f in fixes:
        p.process(f, f.t)


def test_the_bus_named_on_an_extra_trip_is_matched_to_it_with_predictions() -> None:
    p, _ = _processor()
    p.apply_changes(DAY, [_extra("late")])  # before the day starts: joins with the day
    m, fixes = _late(-60.0, 100.0)
    _run(p, fixes)
    now = fixes[-1].t
    v = p.snapshot(now).vehicle("late")
    assert v is not None
    assert (v.trip_id, v.start_time, v.route_id) == (EXTRA_ID, "07:29:30", "R1")
    assert p.planned_block["late"] == f"extra:{EXTRA_ID}"
    assert v.delay_s is not None and abs(v.delay_s - 30.0) <= 10.0
    assert [s.stop_id for s in v.predictions] == ["S2/0", "S3/0", "E"]
    for s, truth in zip(v.predictions, m.arrivals[1:], strict=True):
        assert abs(s.arrival_unix - truth) <= 60.0  # the extra's times, not D0's
    assert "D0" not in {x.trip_id for x in p.snapshot(now).vehicles}


def test_an_extra_trip_nobody_is_named_on_is_matched_by_movement() -> None:
    p, _ = _processor()
    p.apply_changes(DAY, [_extra(None)])
    _, fixes = _late(-60.0, 100.0)
    _run(p, fixes)
    assert _trip_of(p, "late", fixes[-1].t) == EXTRA_ID  # not D0 thirty minutes late


def test_without_the_change_the_bus_is_taken_for_d0_running_late_or_for_nothing() -> None:
    """What the extra trip's change mends: thirty minutes is within what the tracker
    allows a bus to run late (tracker.LATE_S, 40 minutes), so the bus passes for D0
    half an hour late; fifty minutes is not, so it is on no trip at all."""
    p, _ = _processor()
    _, fixes = _late(-60.0, 100.0)
    _run(p, fixes)
    v = p.snapshot(fixes[-1].t).vehicle("late")
    assert v is not None and v.trip_id == "D0"
    assert v.delay_s is not None and v.delay_s > LATER_S
    p, _ = _processor()
    _, fixes = _late(-60.0, 200.0, later=3000.0)
    _run(p, fixes)
    assert _trip_of(p, "late", fixes[-1].t) is None


def test_revoking_the_extra_trip_releases_its_bus_and_leaves_the_others_alone() -> None:
    p, m = _processor()
    early = sample("bus", EAST, m, START - 60.0, START + 100.0)
    _run(p, early)
    assert p.vehicles["bus"].track.trip == 0 and _trip(p, early[-1].t) == "D0"
    before = _state(p, "bus")
    predictor = p.predictor
    assert predictor is not None
    learnt = (predictor.ratio.tolist(), predictor.dwell_off.tolist())
    p.apply_changes(DAY, [_extra("late")])  # the network is rebuilt under the bus on D0
    assert _state(p, "bus") == before
    assert p.predictor is predictor and p.predictor.rt is p.rt
    assert (predictor.ratio.tolist(), predictor.dwell_off.tolist()) == learnt
    assert p.rt is not None and p.rt.trip_index == {"D0": 0, EXTRA_ID: 1}
    rest = sample("bus", EAST, m, START + 110.0, START + 400.0)
    visited = [e for f in rest for e in p.process(f, f.t) if isinstance(e, StopVisited)]
    assert [(e.trip_id, e.stop_id) for e in visited] == [
        ("D0", "S2/0"),
        ("D0", "S3/0"),
        ("D0", "E"),
    ]  # D0 driven to its end across the rebuild
    _, fixes = _late(-60.0, 100.0)
    _run(p, fixes)
    assert _trip_of(p, "late", fixes[-1].t) == EXTRA_ID
    p.apply_changes(DAY, [])  # revoked
    assert p.rt is not None and EXTRA_ID not in p.rt.trip_index
    v = p.snapshot(fixes[-1].t).vehicle("late")
    assert v is not None and v.trip_id is None and v.predictions == ()
    assert p.ctx is not None and p.ctx.taken.get(1) is None
    assert "late" not in p.planned_block
    _, more = _late(110.0, 200.0)
    _run(p, more)
    assert _trip_of(p, "late", more[-1].t) != EXTRA_ID


def _trip_of(p: LiveProcessor, vehicle_id: str, now: float) -> str | None:
    v = p.snapshot(now).vehicle(vehicle_id)
    assert v is not None
    return v.trip_id


def _state(p: LiveProcessor, vehicle_id: str) -> tuple[object, ...]:
    """What a rebuild of the network must not change about a bus on a scheduled trip."""
    v = p.vehicles[vehicle_id]
    t = v.track
    assert p.rt is not None
    return (
        t.trip,
        p.rt.net.trips[t.trip].trip_id,
        t.dist,
        t.next_k,
        t.delay,
        len(t.samples),
        [(x.trip, x.k) for x in v.visits],
        [(pr.trip, pr.k0) for pr in v.predictions],
    )


# --- short-turns (区间车) and holds (滞站) ----------------------------------------------
# The hand-made line's calls have stop_sequence 1..5: W, S1, S2, S3, E (and back).


def _short(trip_id: str, a: int, b: int) -> TripChange:
    return TripChange(
        ChangeKind.SHORT_TURN,
        DAY,
        "diaodu",
        AT,
        trip_id=trip_id,
        from_stop_sequence=a,
        to_stop_sequence=b,
    )


def _visits(p: LiveProcessor, fixes: list[Fix]) -> list[tuple[str, str]]:
    """(trip id, stop id) of the stop visits the fixes cause, in order."""
    return [
        (e.trip_id, e.stop_id)
        for f in fixes
        for e in p.process(f, f.t)
        if isinstance(e, StopVisited)
    ]


def _predicted(p: LiveProcessor, vehicle_id: str, now: float) -> dict[str, float]:
    v = p.snapshot(now).vehicle(vehicle_id)
    assert v is not None
    return {s.stop_id: s.arrival_unix for s in v.predictions}


TURN_S = 300.0
"""The short-turned bus's stand at S2 before it drives back west."""


def test_a_short_turned_bus_ends_its_trip_at_the_last_stop_served_and_runs_the_next() -> None:
    """D0 runs W..S2 only, and its block's next trip "back" runs S2..W only: the bus
    turns at S2, is predicted at W..S2 only while eastbound, and its visits go from
    D0's S2 straight to back's S2 (no S3, no E)."""
    m = Motion(START, [(500.0, 20.0), (1000.0, TURN_S), (1500.0, 20.0), (2000.0, 0.0)])
    turn_at, turn_dep = m.arrivals[1], m.departures[1]
    b = two_way_line()
    out = m.schedule(LINE_D[:3], late=30.0)
    out[2] = (turn_at - 30.0, turn_at - 10.0)
    b.trip("D0", "P0", [*out, (turn_at + 30.0,) * 2, (turn_at + 60.0,) * 2], block_id="K")
    back = [(turn_at + 120.0,) * 2, (turn_at + 180.0,) * 2, (turn_at + 240.0, turn_dep)]
    b.trip("back", "P1", [*back, *m.schedule([1500.0, 2000.0])], block_id="K")
    rt = b.build()
    p = LiveProcessor(lambda day: rt, TZ, planned_block={"bus": "K"})
    p.apply_changes(DAY, [_short("D0", 1, 3), _short("back", 3, 5)])
    there_and_back = Path([(0.0, 0.0), (1000.0, 0.0), (0.0, 0.0)])
    fixes = sample("bus", there_and_back, m, START - 60.0, m.arrivals[-1] + 60.0)
    early = [f for f in fixes if f.t <= START + 30.0]
    assert _visits(p, early) == [("D0", "W")]
    assert list(_predicted(p, "bus", early[-1].t)) == ["S1/0", "S2/0"]  # not S3/0, E
    rest = [f for f in fixes if f.t > START + 30.0]
    assert _visits(p, rest) == [
        ("D0", "S1/0"),
        ("D0", "S2/0"),
        ("back", "S2/1"),
        ("back", "S1/1"),
        ("back", "W"),
    ]


def test_a_short_turn_from_a_later_stop_starts_the_bus_there() -> None:
    p, m = _processor()
    p.apply_changes(DAY, [_short("D0", 3, 5)])  # S2..E
    fixes = sample("bus", EAST, m, START - 60.0, m.arrivals[-1] + 60.0)
    assert _visits(p, fixes) == [("D0", "S2/0"), ("D0", "S3/0"), ("D0", "E")]


def test_a_short_turned_bus_stops_at_its_last_stop_and_revoking_restores_the_trip() -> None:
    p, m = _processor()
    p.apply_changes(DAY, [_short("D0", 1, 3)])
    fixes = sample("bus", EAST, m, START - 60.0, m.arrivals[-1] + 60.0)
    first = [f for f in fixes if f.t <= START + 100.0]
    assert _visits(p, first) == [("D0", "W"), ("D0", "S1/0")]
    now = first[-1].t
    assert list(_predicted(p, "bus", now)) == ["S2/0"]
    p.apply_changes(DAY, [])  # revoked: predicted to E again at once
    assert list(_predicted(p, "bus", now)) == ["S2/0", "S3/0", "E"]
    rest = [f for f in fixes if f.t > START + 100.0]
    assert _visits(p, rest) == [("D0", "S2/0"), ("D0", "S3/0"), ("D0", "E")]
    p, m = _processor()  # and kept: the trip ends at S2, the bus is on no trip after
    p.apply_changes(DAY, [_short("D0", 1, 3)])
    assert _visits(p, fixes) == [("D0", "W"), ("D0", "S1/0"), ("D0", "S2/0")]
    assert _trip(p, fixes[-1].t) is None


HOLD_END = START + 600.0
"""The hold at S3 ends here: long after the bus would leave S3 unheld (~250 s in)."""


def _hold(stop_id: str, until: float) -> TripChange:
    return TripChange(
        ChangeKind.HOLD,
        DAY,
        "diaodu",
        AT,
        vehicle_id="bus",
        stop_id=stop_id,
        until_utc=dt.datetime.fromtimestamp(until, dt.UTC),
    )


def test_a_held_bus_is_predicted_to_leave_the_hold_stop_no_earlier_than_the_hold() -> None:
    p, m = _processor()
    fixes = sample("bus", EAST, m, START - 60.0, m.arrivals[-1] + 60.0)
    first = [f for f in fixes if f.t <= START + 100.0]
    _visits(p, first)
    now = first[-1].t
    free = _predicted(p, "bus", now)
    assert free["E"] < HOLD_END
    p.apply_changes(DAY, [_hold("S3/0", HOLD_END)])
    v = p.snapshot(now).vehicle("bus")
    assert v is not None
    at = {s.stop_id: s for s in v.predictions}
    assert at["S2/0"].arrival_unix == free["S2/0"]  # before the hold stop: unchanged
    assert at["S3/0"].arrival_unix == free["S3/0"]  # it gets there, then waits
    assert at["S3/0"].departure_unix is not None and at["S3/0"].departure_unix >= HOLD_END
    assert at["E"].arrival_unix >= HOLD_END
    assert at["E"].arrival_unix - HOLD_END <= free["E"] - free["S3/0"]
    more = [f for f in fixes if START + 100.0 < f.t <= START + 150.0]
    _visits(p, more)  # the next fixes keep the hold
    assert _predicted(p, "bus", more[-1].t)["E"] >= HOLD_END
    p.apply_changes(DAY, [])  # revoked: the bus is predicted as before at once
    assert _predicted(p, "bus", more[-1].t)["E"] < HOLD_END


def test_a_hold_ends_once_the_bus_has_left_the_hold_stop() -> None:
    p, m = _processor()
    p.apply_changes(DAY, [_hold("S1/0", HOLD_END)])
    fixes = sample("bus", EAST, m, START - 60.0, START + 30.0)
    _visits(p, fixes)
    assert _predicted(p, "bus", fixes[-1].t)["E"] >= HOLD_END
    more = sample("bus", EAST, m, START + 40.0, START + 120.0)  # it leaves S1 anyway
    assert ("D0", "S1/0") in _visits(p, more)
    assert _predicted(p, "bus", more[-1].t)["E"] < HOLD_END


def test_a_hold_delays_the_blocks_next_trip_by_what_the_layover_cannot_absorb() -> None:
    """D0 then "back" on block K, back due to leave E 60 s after D0's planned arrival:
    the hold at S3 makes D0 end later, and back's predictions move as much later as the
    predictor's layover rule says (at least LAYOVER_MIN_S after arriving, never early)."""
    m = Motion(START, EVERY_STOP)
    b = two_way_line()
    d0 = m.schedule(LINE_D, late=30.0)
    b.trip("D0", "P0", d0, block_id="K")
    leave = d0[-1][0] + 60.0
    b.trip("back", "P1", [(leave + 300.0 * i, leave + 300.0 * i) for i in range(5)], block_id="K")
    rt = b.build()
    p = LiveProcessor(lambda day: rt, TZ, planned_block={"bus": "K"})
    fixes = sample("bus", EAST, m, START - 60.0, m.arrivals[-1] + 60.0)
    first = [f for f in fixes if f.t <= START + 100.0]
    _visits(p, first)
    back = rt.trip_index["back"]

    def ahead() -> tuple[float, list[float]]:
        preds = p.vehicles["bus"].predictions
        end = next(float(x.times[-1]) for x in preds if x.trip == rt.trip_index["D0"])
        return end, [float(t) for x in preds if x.trip == back for t in x.times]

    end0, back0 = ahead()
    assert back0  # the block's next trip is predicted
    p.apply_changes(DAY, [_hold("S3/0", HOLD_END)])
    _visits(p, [f for f in fixes if START + 100.0 < f.t <= START + 110.0])
    end1, back1 = ahead()
    assert end1 > end0 + 200.0  # the held trip ends later
    want = max(end1 + LAYOVER_MIN_S, leave) - max(end0 + LAYOVER_MIN_S, leave)
    assert [b1 - b0 for b0, b1 in zip(back0, back1, strict=True)] == pytest.approx(
        [want] * len(back0), abs=15.0
    )
