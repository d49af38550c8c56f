"""调度指挥's trip changes in the live processor: no bus is matched to a cancelled trip
(and a bus on it is let go), a revoked cancel lets it be matched again, and a swap
moves the block (路牌) in the plan from one bus to the other."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from busbrain.domain.tripchanges import ChangeKind, TripChange
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
