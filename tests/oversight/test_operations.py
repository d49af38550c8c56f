"""运营监管's rules on a hand-made day with known truth (Tuesday 1 December 2026, Jinzhou).

Line R1 runs A1→B1→C1→D1 (0, 500, 1000, 1600 m along the pattern) and back D1→C1→A2
(0, 600, 1600 m): O0 08:00–08:10, I0 08:20–08:30, O1 08:40–08:50, I1 08:50–09:00. Line
R2's only trip T4 (08:00–08:10) is run by nobody. V1 works O0, I0, O1:

- O0 leaves A1 at 08:06 (6 min late: late) and reaches D1 at 08:15;
- I0 leaves D1 at 08:21 (1 min late: on time) after a 6-min layover (10 scheduled), and
  reaches A2 at 08:31;
- O1 leaves A1 (22 m from A2) at 08:55 (15 min late) after a 24-min layover, 14 min over
  the 10 scheduled: overlong; it reaches D1 at 09:04.

V2 is seen on I1 at C1 only (08:57): started, not departed from the terminal, not done.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import polars as pl
import pytest

from busbrain.domain.geo import haversine_m
from busbrain.domain.live import LiveSnapshot, VehicleLive
from busbrain.domain.network import Pattern, PatternStop, TripTimes
from busbrain.oversight.operations import DayPlan, Rules, operations_day, plan_day

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 12, 1)
POSITIONS = {
    "A1": (41.1201, 121.13),
    "A2": (41.1199, 121.13),
    "B1": (41.12, 121.136),
    "C1": (41.12, 121.142),
    "D1": (41.126, 121.142),
    "E1": (41.126, 121.13),
    "F1": (41.132, 121.13),
}
OUT = ("A1", "B1", "C1", "D1")
BACK = ("D1", "C1", "A2")
PATTERNS = [
    Pattern("P_OUT", "R1", 0, "SH1", None, tuple(map(PatternStop, OUT, (0, 500, 1000, 1600)))),
    Pattern("P_BACK", "R1", 1, "SH2", None, tuple(map(PatternStop, BACK, (0, 600, 1600)))),
    Pattern("P_R2", "R2", 0, "SH3", None, tuple(map(PatternStop, ("A1", "E1", "F1"), (0, 1, 2)))),
]


def _s(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 3600 + int(m) * 60


def _trip(
    trip_id: str, route: str, pattern: str, direction: int, stops: tuple[str, ...], times: list[str]
) -> TripTimes:
    secs = tuple(_s(x) for x in times)
    return TripTimes(trip_id, route, pattern, "B1", direction, stops, secs, secs)


TRIPS = [
    _trip("O0", "R1", "P_OUT", 0, OUT, ["08:00", "08:03", "08:06", "08:10"]),
    _trip("I0", "R1", "P_BACK", 1, BACK, ["08:20", "08:24", "08:30"]),
    _trip("O1", "R1", "P_OUT", 0, OUT, ["08:40", "08:43", "08:46", "08:50"]),
    _trip("I1", "R1", "P_BACK", 1, BACK, ["08:50", "08:54", "09:00"]),
    _trip("T4", "R2", "P_R2", 0, ("A1", "E1", "F1"), ["08:00", "08:05", "08:10"]),
]


def _at(hhmm: str, plus_s: int = 0) -> dt.datetime:
    h, m = hhmm.split(":")
    return dt.datetime(2026, 12, 1, int(h), int(m), tzinfo=TZ).astimezone(dt.UTC) + dt.timedelta(
        seconds=plus_s
    )


def _unix(hhmm: str) -> float:
    return _at(hhmm).timestamp()


# (vehicle, trip, route, direction, stop_sequence, stop, arrival, departure)
Visit = tuple[str, str, str, int, int, str, str, str]
V1_DAY: list[Visit] = [
    ("V1", "O0", "R1", 0, 1, "A1", "07:58", "08:06"),
    ("V1", "O0", "R1", 0, 2, "B1", "08:09", "08:09"),
    ("V1", "O0", "R1", 0, 3, "C1", "08:11", "08:12"),
    ("V1", "O0", "R1", 0, 4, "D1", "08:15", "08:15"),
    ("V1", "I0", "R1", 1, 1, "D1", "08:15", "08:21"),
    ("V1", "I0", "R1", 1, 2, "C1", "08:25", "08:25"),
    ("V1", "I0", "R1", 1, 3, "A2", "08:31", "08:31"),
    ("V1", "O1", "R1", 0, 1, "A1", "08:32", "08:55"),
    ("V1", "O1", "R1", 0, 2, "B1", "08:58", "08:58"),
    ("V1", "O1", "R1", 0, 3, "C1", "09:01", "09:01"),
    ("V1", "O1", "R1", 0, 4, "D1", "09:04", "09:04"),
    ("V2", "I1", "R1", 1, 2, "C1", "08:57", "08:57"),
]


def events(visits: list[Visit], day: dt.date = DAY) -> pl.DataFrame:
    """Stop events as RealtimeHistory.stop_events returns them."""
    utc = pl.Datetime("us", "UTC")
    return pl.DataFrame(
        {
            "service_date": [day] * len(visits),
            "route_id": [v[2] for v in visits],
            "direction_id": [v[3] for v in visits],
            "trip_id": [v[1] for v in visits],
            "stop_sequence": [v[4] for v in visits],
            "stop_id": [v[5] for v in visits],
            "vehicle_id": [v[0] for v in visits],
            "arrival_utc": [_at(v[6]) for v in visits],
            "departure_utc": [_at(v[7]) for v in visits],
            "recorded_utc": [_at(v[7]) for v in visits],
            "stopped": [True] * len(visits),
        },
        schema={
            "service_date": pl.Date(),
            "route_id": pl.String(),
            "direction_id": pl.Int64(),
            "trip_id": pl.String(),
            "stop_sequence": pl.Int64(),
            "stop_id": pl.String(),
            "vehicle_id": pl.String(),
            "arrival_utc": utc,
            "departure_utc": utc,
            "recorded_utc": utc,
            "stopped": pl.Boolean(),
        },
    )


@pytest.fixture
def plan() -> DayPlan:
    return plan_day(DAY, TRIPS, PATTERNS, TZ)


def test_the_plan_has_unix_times_and_pattern_distances(plan: DayPlan) -> None:
    o0 = plan.trips["O0"]
    assert o0.departure_unix == _unix("08:00") and o0.arrival_unix == _unix("08:10")
    assert o0.sequences == (1, 2, 3, 4) and o0.dist_m == (0, 500, 1000, 1600)


def test_the_waybill_lists_the_vehicles_trips_with_delays_mileage_and_layovers(
    plan: DayPlan,
) -> None:
    day = operations_day(events(V1_DAY), plan, now=_unix("09:10"), stop_positions=POSITIONS)
    v1 = day.waybill("V1")
    assert v1 is not None and v1.driver is None
    o0, i0, o1 = v1.trips
    assert [t.trip_id for t in v1.trips] == ["O0", "I0", "O1"]
    assert o0.actual_departure_unix == _unix("08:06") and o0.departure_delay_s == 360
    assert o0.departure_on_time is False and o0.arrival_delay_s == 300 and o0.completed
    assert o0.dead_m is None and o0.layover_s is None
    assert (i0.departure_delay_s, i0.departure_on_time) == (60, True)
    assert (i0.layover_s, i0.scheduled_layover_s, i0.layover_overlong) == (360, 600, False)
    assert i0.dead_m == 0.0  # arrived at D1, left from D1
    assert (o1.layover_s, o1.scheduled_layover_s, o1.layover_overlong) == (1440, 600, True)
    assert o1.dead_m == pytest.approx(haversine_m(*POSITIONS["A2"], *POSITIONS["A1"]))
    assert o1.dead_m == pytest.approx(22.2, abs=0.1)
    assert [t.revenue_m for t in v1.trips] == [1600, 1600, 1600]
    assert v1.revenue_m == 4800 and v1.trips_completed == 3
    (long_stay,) = day.overlong_layovers
    assert (long_stay.vehicle_id, long_stay.trip_id, long_stay.after_trip_id) == ("V1", "O1", "I0")
    assert long_stay.stop_id == "A1" and long_stay.excess_s == 840


def test_a_trip_seen_part_way_has_no_terminal_departure_and_counts_its_part(
    plan: DayPlan,
) -> None:
    day = operations_day(events(V1_DAY), plan, now=_unix("09:10"), stop_positions=POSITIONS)
    v2 = day.waybill("V2")
    assert v2 is not None
    (i1,) = v2.trips
    assert i1.actual_departure_unix is None and i1.departure_delay_s is None
    assert not i1.completed and i1.revenue_m == 0.0 and i1.stops_seen == 1


def test_line_figures_count_completion_punctuality_and_missing_trips(plan: DayPlan) -> None:
    day = operations_day(events(V1_DAY), plan, now=_unix("09:10"), stop_positions=POSITIONS)
    r1, r2 = day.lines
    assert (r1.route_id, r1.trips_planned, r1.departures_due, r1.trips_run) == ("R1", 4, 4, 4)
    # I1 was due at D1 at 09:00 and V2 has not got there: 3 of 4 done (正班率 75 %)
    assert (r1.finishes_due, r1.trips_completed, r1.completion_rate) == (4, 3, 0.75)
    # departures from the terminal: O0 +6 min late, I0 +1 min, O1 +15 min late
    assert (r1.departures_observed, r1.departures_on_time, r1.departures_late) == (3, 1, 2)
    assert r1.on_time_departure_rate == pytest.approx(1 / 3)
    assert (r1.trips_missing, r1.overlong_layovers, r1.revenue_m) == (0, 1, 4800)
    assert (r2.route_id, r2.trips_missing, r2.trips_run, r2.completion_rate) == ("R2", 1, 0, 0)
    assert r2.on_time_departure_rate is None
    (missing,) = day.missing
    assert (missing.trip_id, missing.route_id, missing.block_id) == ("T4", "R2", "B1")
    assert missing.overdue_s == 70 * 60
    assert (day.totals.trips_planned, day.totals.trips_missing, day.totals.finishes_due) == (
        5,
        1,
        5,
    )


def test_four_minutes_late_is_on_time_by_default_and_late_in_a_tighter_window(
    plan: DayPlan,
) -> None:
    visits: list[Visit] = [("V1", "O0", "R1", 0, 1, "A1", "07:59", "08:04")]
    default = operations_day(events(visits), plan, now=_unix("08:30"))
    assert default.lines[0].departures_on_time == 1  # −60 s … +300 s (users.md §2.4)
    strict = operations_day(
        events(visits), plan, now=_unix("08:30"), rules=Rules(on_time_late_s=180)
    )
    assert (strict.lines[0].departures_on_time, strict.lines[0].departures_late) == (0, 1)
    assert strict.waybill("V1").trips[0].departure_on_time is False  # type: ignore[union-attr]


def test_a_trip_is_missing_only_after_the_grace_and_not_when_a_live_bus_runs_it(
    plan: DayPlan,
) -> None:
    # the day's record began at 07:50 (another bus's stop), before O0 and T4 were due
    nothing = events([("V9", "X0", "R1", 0, 1, "A1", "07:50", "07:51")])
    assert operations_day(nothing, plan, now=_unix("08:04")).missing == ()
    late = operations_day(nothing, plan, now=_unix("08:06"))
    assert [m.trip_id for m in late.missing] == ["O0", "T4"]
    assert late.observed_from_unix == _unix("07:50")
    bus = VehicleLive("V5", _unix("08:06"), 41.126, 121.13, trip_id="T4", route_id="R2",
                      start_date="20261201")  # fmt: skip
    live = operations_day(
        nothing, plan, now=_unix("08:06"), live=LiveSnapshot(_unix("08:06"), (bus,))
    )
    assert [m.trip_id for m in live.missing] == ["O0"]
    assert live.lines[1].trips_run == 1


def test_trips_that_left_before_the_record_began_are_not_judged(plan: DayPlan) -> None:
    # a server started at 08:05: the buses that left at 08:00 were not watched
    started = events([("V1", "O1", "R1", 0, 1, "A1", "08:10", "08:10")])
    day = operations_day(started, plan, now=_unix("08:20"))
    assert day.observed_from_unix == _unix("08:10")
    assert "O0" not in [m.trip_id for m in day.missing]
    assert day.totals.trips_unobserved >= 2  # O0 and T4, neither run nor missing
    # nothing recorded at all: nothing is called missing
    blank = operations_day(events([]), plan, now=_unix("09:00"))
    assert blank.missing == () and blank.observed_from_unix is None
    assert blank.totals.trips_unobserved == blank.totals.trips_planned - sum(
        1 for t in plan.trips.values() if t.departure_unix >= _unix("09:00")
    )


def test_off_route_vehicles_are_listed_now(plan: DayPlan) -> None:
    lost = VehicleLive("V3", _unix("08:30"), 41.13, 121.15, label="辽G3", route_id="R2",
                       off_route=True)  # fmt: skip
    fine = VehicleLive("V4", _unix("08:30"), 41.12, 121.13, route_id="R1")
    day = operations_day(
        events([]), plan, now=_unix("08:30"), live=LiveSnapshot(_unix("08:30"), (fine, lost))
    )
    assert [(o.vehicle_id, o.route_id, o.label) for o in day.off_route] == [("V3", "R2", "辽G3")]
    assert [(ln.route_id, ln.off_route) for ln in day.lines] == [("R1", 0), ("R2", 1)]
    assert day.live and not operations_day(events([]), plan, now=_unix("08:30")).live


def test_an_extra_trip_gets_straight_line_mileage_and_no_punctuality(plan: DayPlan) -> None:
    visits: list[Visit] = [
        ("V9", "X1", "R1", 0, 1, "A1", "10:00", "10:01"),
        ("V9", "X1", "R1", 0, 2, "C1", "10:05", "10:05"),
    ]
    day = operations_day(events(visits), plan, now=_unix("10:10"), stop_positions=POSITIONS)
    (x1,) = day.waybill("V9").trips  # type: ignore[union-attr]
    assert not x1.in_timetable and x1.departure_delay_s is None
    assert x1.revenue_m == pytest.approx(haversine_m(*POSITIONS["A1"], *POSITIONS["C1"]))
    assert day.lines[0].extra_trips == 1 and day.lines[0].departures_observed == 0


def test_events_of_another_day_are_ignored(plan: DayPlan) -> None:
    day = operations_day(events(V1_DAY, DAY - dt.timedelta(days=1)), plan, now=_unix("09:10"))
    assert day.waybills == () and day.lines[0].trips_run == 0
