"""Riders on board (满载率) in the live picture: the passenger counter's totals summed per
bus, floored at zero, emptied at the terminus, hidden when the counter has gone quiet."""

from __future__ import annotations

import dataclasses
import zoneinfo

from busbrain.realtime.live import COUNT_STALE_S, DEFAULT_CAPACITY, STALE_S, LiveProcessor
from tests.realtime.handmade import Motion, sample
from tests.realtime.test_tracker import EAST, EVERY_STOP, LINE_D, START, two_way_line

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def _processor(capacity: dict[str, int] | None = None) -> tuple[LiveProcessor, Motion]:
    m = Motion(START, EVERY_STOP)
    b = two_way_line()
    b.trip("D0", "P0", m.schedule(LINE_D, late=30.0))
    rt = b.build()
    return LiveProcessor(lambda day: rt, TZ, capacity=capacity), m


def _occupancy(p: LiveProcessor, now: float, vehicle: str = "bus") -> int | None:
    v = p.snapshot(now).vehicle(vehicle)
    assert v is not None
    return v.occupancy_percent


def test_counts_add_up_and_share_is_of_the_vehicles_capacity() -> None:
    p, m = _processor({"bus": 50})
    fixes = sample("bus", EAST, m, START - 60.0, START + 100.0)
    for f in fixes:
        p.process(f, f.t)
    now = fixes[-1].t
    assert _occupancy(p, now) is None  # no counter report yet: unknown, not empty
    p.count("bus", 30, 0, now - 5)
    p.count("bus", 8, 3, now - 1)
    assert _occupancy(p, now) == round(100 * 35 / 50)


def test_more_alighting_than_counted_on_board_floors_at_zero() -> None:
    p, m = _processor()
    for f in sample("bus", EAST, m, START - 60.0, START + 30.0):
        p.process(f, f.t)
    p.count("bus", 2, 0, START + 20)
    p.count("bus", 0, 5, START + 25)
    assert _occupancy(p, START + 30) == 0
    p.count("bus", 4, 0, START + 28)
    assert _occupancy(p, START + 30) == round(100 * 4 / DEFAULT_CAPACITY)


def test_the_terminus_empties_the_bus_and_a_silent_counter_hides_the_figure() -> None:
    p, m = _processor()
    fixes = sample("bus", EAST, m, START - 60.0, m.arrivals[-1] + 60.0)
    counted = False
    for f in fixes:
        if not counted and f.t > START + 20:
            p.count("bus", 40, 0, f.t)  # 40 board at W; the counter misses the alighting
            counted = True
            assert _occupancy(p, f.t) == round(100 * 40 / DEFAULT_CAPACITY)
        p.process(f, f.t)
    end = fixes[-1].t
    assert _occupancy(p, end) == 0  # arrived at E: everyone got off
    p.count("bus", 12, 0, end)
    assert _occupancy(p, end + 10) == round(100 * 12 / DEFAULT_CAPACITY)
    # the bus stands at E, still reporting, while the counter says nothing more
    t = end
    while t < end + COUNT_STALE_S + 120:
        t += 60.0
        p.process(dataclasses.replace(fixes[-1], t=t), t)
        if t <= end + COUNT_STALE_S:
            assert _occupancy(p, t) == round(100 * 12 / DEFAULT_CAPACITY)
    assert _occupancy(p, t) is None


def test_snapshot_reuses_an_unchanged_bus_and_rebuilds_a_changed_one() -> None:
    p, m = _processor()
    fixes = sample("bus", EAST, m, START - 60.0, START + 100.0)
    for f in fixes[:-1]:
        p.process(f, f.t)
    t = fixes[-2].t
    first = p.snapshot(t).vehicle("bus")
    assert first is not None and p.snapshot(t + 1).vehicle("bus") is first  # nothing new
    p.count("bus", 10, 0, t + 1)
    counted = p.snapshot(t + 2).vehicle("bus")
    assert counted is not first and counted is not None and counted.occupancy_percent
    p.process(fixes[-1], fixes[-1].t)
    moved = p.snapshot(fixes[-1].t).vehicle("bus")
    assert moved is not None and moved.fix_unix == fixes[-1].t > first.fix_unix
    assert moved.predictions  # on its trip, predicting the stops ahead
    assert first.fix_unix == fixes[-2].t  # what an older snapshot holds did not change
    # silent: it turns stale (predictions withdrawn) without a new fix
    later = p.snapshot(fixes[-1].t + STALE_S + 1).vehicle("bus")
    assert later is not None and later.predictions == () and later.predicted_at is None
