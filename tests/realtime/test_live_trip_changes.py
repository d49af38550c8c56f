"""调度指挥's trip changes in the live processor: no bus is matched to a cancelled trip
(and a bus on it is let go), a revoked cancel lets it be matched again, a swap moves
the block (路牌) in the plan from one bus to the other, and an extra trip (加班车) joins
the day's network, so the bus running it is matched to it (and let go when revoked)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from busbrain.domain.events import StopVisited
from busbrain.domain.tripchanges import ChangeKind, TripChange, extra_trip_id
from busbrain.realtime.fixes import Fix
from busbrain.realtime.live import LiveProcessor, service_date_of
from tests.realtime.handmade import Motion, sample
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
    learnt = (predictor.ratio.tolist(), predictor.dwell.tolist())
    p.apply_changes(DAY, [_extra("late")])  # the network is rebuilt under the bus on D0
    assert _state(p, "bus") == before
    assert p.predictor is predictor and p.predictor.rt is p.rt
    assert (predictor.ratio.tolist(), predictor.dwell.tolist()) == learnt
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
