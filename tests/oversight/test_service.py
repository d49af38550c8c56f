"""服务监管's rules on hand-made stop events with known truth: a late bus is late by the
right minutes, an early one early, a passed stop is 越站, a stop with no event on a run
trip is 甩站, a 4-minute dwell is 滞站, and predictions land in the right horizon band
with MBTA's asymmetric accurate window."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from busbrain.domain.gtfstime import service_day_start
from busbrain.domain.network import TripTimes
from busbrain.oversight.service import (
    NO_COUNTER,
    LastStop,
    OtpBy,
    OtpWindow,
    adherence,
    crowding,
    long_dwells,
    on_time_performance,
    prediction_accuracy,
    prediction_errors,
    scheduled_calls,
    skipped_stops,
)

DAY = dt.date(2026, 12, 1)
BEIJING = dt.timezone(dt.timedelta(hours=8))
START_UNIX = service_day_start(DAY, BEIJING)  # GTFS time 0: midnight in Beijing
STOPS = ("A", "B", "C", "D", "E")


def at(gtfs_s: float) -> dt.datetime:
    """The UTC moment of GTFS time `gtfs_s` on DAY."""
    return dt.datetime.fromtimestamp(START_UNIX + gtfs_s, dt.UTC)


def trip(trip_id: str, first_s: int, route: str = "R1") -> TripTimes:
    """Five stops 3 min apart, no planned dwell."""
    times = tuple(first_s + 180 * k for k in range(5))
    return TripTimes(trip_id, route, "P1", None, 0, STOPS, times, times, (1, 2, 3, 4, 5))


TRIPS = [trip("T1", 8 * 3600), trip("T2", 8 * 3600 + 1800), trip("T3", 9 * 3600, route="R2")]
CALLS = scheduled_calls(TRIPS, DAY, START_UNIX)


def events(rows: list[tuple[str, int, str, float, float, bool]]) -> pl.DataFrame:
    """(trip, stop_sequence, vehicle, arrival GTFS s, departure GTFS s, stopped) rows."""
    route = {"T1": "R1", "T2": "R1", "T3": "R2"}
    return pl.DataFrame(
        {
            "service_date": [DAY] * len(rows),
            "route_id": [route[r[0]] for r in rows],
            "direction_id": [0] * len(rows),
            "trip_id": [r[0] for r in rows],
            "stop_sequence": [r[1] for r in rows],
            "stop_id": [STOPS[r[1] - 1] for r in rows],
            "vehicle_id": [r[2] for r in rows],
            "arrival_utc": [at(r[3]) for r in rows],
            "departure_utc": [at(r[4]) for r in rows],
            "recorded_utc": [at(r[4] + 30) for r in rows],
            "stopped": [r[5] for r in rows],
        },
        schema_overrides={"stop_sequence": pl.Int64, "direction_id": pl.Int64},
    ).with_columns(
        pl.col(c).dt.cast_time_unit("us") for c in ("arrival_utc", "departure_utc", "recorded_utc")
    )


def on_time_trip(
    trip_id: str, first_s: int, vehicle: str
) -> list[tuple[str, int, str, float, float, bool]]:
    return [
        (trip_id, k + 1, vehicle, first_s + 180 * k - 20, first_s + 180 * k + 10, True)
        for k in range(5)
    ]


T1 = 8 * 3600
T2 = T1 + 1800
T3 = 9 * 3600

# T1: on time but 6 min late leaving C (seq 3); T2: 90 s early leaving B, passes D without
# stopping, no event at all at C (missed), dwells 4 min at B; T3 (R2) on time, its last
# stop not yet reached.
DAY_EVENTS = events(
    [
        ("T1", 1, "V1", T1 - 60, T1, True),
        ("T1", 2, "V1", T1 + 170, T1 + 190, True),
        ("T1", 3, "V1", T1 + 360 + 340, T1 + 360 + 360, True),  # 6 min late
        ("T1", 4, "V1", T1 + 540 + 300, T1 + 540 + 310, True),  # 5 min 10 s late
        ("T1", 5, "V1", T1 + 720 + 200, T1 + 720 + 230, True),  # arrives 200 s late
        ("T2", 1, "V2", T2 - 300, T2, True),
        ("T2", 2, "V2", T2 + 180 - 330, T2 + 180 - 90, True),  # dwells 240 s, leaves 90 s early
        ("T2", 4, "V2", T2 + 540, T2 + 540, False),  # passed D
        ("T2", 5, "V2", T2 + 700, T2 + 760, True),
        ("T3", 1, "V3", T3 - 30, T3, True),
        ("T3", 2, "V3", T3 + 170, T3 + 185, True),
    ]
)


def test_scheduled_calls_put_gtfs_times_in_utc() -> None:
    row = CALLS.filter((pl.col("trip_id") == "T1") & (pl.col("stop_sequence") == 3)).row(
        0, named=True
    )
    assert row["scheduled_departure_utc"] == dt.datetime(
        2026, 12, 1, 0, 6, tzinfo=dt.UTC
    )  # 08:06 Beijing
    assert row["hour"] == 8 and not row["is_first"] and not row["is_last"]
    assert CALLS.height == 15


def test_a_bus_six_minutes_late_counts_late_by_six_minutes_and_one_90_s_early_counts_early() -> (
    None
):
    adh = adherence(DAY_EVENTS, CALLS)
    by_call = {(r["trip_id"], r["stop_sequence"]): r for r in adh.iter_rows(named=True)}
    late = by_call[("T1", 3)]
    assert late["status"] == "late" and late["deviation_s"] == 360.0
    assert by_call[("T1", 4)]["status"] == "late"  # 310 s > 300 s
    early = by_call[("T2", 2)]
    assert early["status"] == "early" and early["deviation_s"] == -90.0
    assert by_call[("T1", 2)]["status"] == "on_time" and by_call[("T1", 2)]["deviation_s"] == 10.0
    # the last stop is measured at its arrival: 200 s late is on time
    assert by_call[("T1", 5)]["deviation_s"] == 200.0 and by_call[("T1", 5)]["status"] == "on_time"


def test_the_window_edges_and_the_last_stop_modes() -> None:
    edge = events(
        [
            ("T1", 2, "V1", T1 + 180 - 60, T1 + 180 - 60, True),
            ("T1", 3, "V1", T1 + 660, T1 + 660, True),
        ]
    )
    assert adherence(edge, CALLS)["status"].to_list() == ["on_time", "on_time"]  # −60 s, +300 s
    early_end = events([("T1", 5, "V1", T1 + 720 - 120, T1 + 720, True)])
    assert adherence(early_end, CALLS)["status"].to_list() == ["early"]
    lenient = OtpWindow(last_stop=LastStop.EARLY_IS_ON_TIME)
    assert adherence(early_end, CALLS, lenient)["status"].to_list() == ["on_time"]
    assert adherence(early_end, CALLS, OtpWindow(last_stop=LastStop.EXCLUDE)).height == 0
    strict = OtpWindow(early_s=0, late_s=180)
    assert adherence(edge, CALLS, strict)["status"].to_list() == ["early", "late"]


def test_otp_by_line_stop_and_hour_with_completeness() -> None:
    whole = on_time_performance(DAY_EVENTS, CALLS).row(0, named=True)
    assert (whole["scheduled"], whole["observed"]) == (15, 11)
    assert (whole["early"], whole["late"], whole["on_time"]) == (1, 2, 8)
    assert whole["late_share"] == pytest.approx(2 / 11)

    lines = {
        r["route_id"]: r
        for r in on_time_performance(DAY_EVENTS, CALLS, OtpBy.LINE).iter_rows(named=True)
    }
    assert (lines["R1"]["scheduled"], lines["R1"]["observed"], lines["R1"]["late"]) == (10, 9, 2)
    assert lines["R2"]["completeness"] == pytest.approx(2 / 5)

    stops = {
        r["stop_id"]: r
        for r in on_time_performance(DAY_EVENTS, CALLS, OtpBy.STOP).iter_rows(named=True)
    }
    assert stops["C"]["observed"] == 1 and stops["C"]["late"] == 1 and stops["C"]["scheduled"] == 3

    hours = on_time_performance(DAY_EVENTS, CALLS, OtpBy.HOUR)
    assert hours["hour"].to_list() == [8, 9]
    assert hours.filter(pl.col("hour") == 9)["scheduled"].item() == 5

    # at 09:04 the rest of T3 is not due yet: R2 is complete so far
    as_of = at(T3 + 240)
    r2 = on_time_performance(DAY_EVENTS, CALLS, OtpBy.LINE, as_of_utc=as_of).filter(
        pl.col("route_id") == "R2"
    )
    assert r2["scheduled"].item() == 2 and r2["completeness"].item() == 1.0


def test_a_passed_stop_is_yuezhan_and_a_missing_event_on_a_run_trip_is_shuaizhan() -> None:
    skips = skipped_stops(DAY_EVENTS, CALLS)
    assert skips.select("trip_id", "stop_sequence", "stop_id", "kind", "vehicle_id").rows() == [
        ("T2", 3, "C", "missed", "V2"),
        ("T2", 4, "D", "passed", "V2"),
    ]
    passed = skips.row(1, named=True)
    assert passed["at_utc"] == at(T2 + 540) and passed["scheduled_utc"] == at(T2 + 540)
    assert skips.row(0, named=True)["at_utc"] is None
    # T3 stopped being seen after stop 2: the rest is unobserved, not missed
    assert skips.filter(pl.col("trip_id") == "T3").height == 0


def test_a_four_minute_dwell_is_zhizhan_but_terminal_layovers_are_not() -> None:
    dwells = long_dwells(DAY_EVENTS, CALLS)
    assert dwells.select("trip_id", "stop_id", "dwell_s", "excess_s").rows() == [
        ("T2", "B", 240.0, 240.0)
    ]
    assert long_dwells(DAY_EVENTS, CALLS, threshold_s=300).height == 0
    # T2's 5-minute wait at its first stop is a layover, not a dwell (not flagged above)


def test_a_planned_dwell_is_not_overlong() -> None:
    times = (0, 300, 600)
    planned = TripTimes("P", "R1", "P1", None, 0, ("A", "B", "C"), (0, 180, 600), times, (1, 2, 3))
    calls = scheduled_calls([planned], DAY, START_UNIX)
    ev = events([("T1", 1, "V1", 0, 0, True)]).with_columns(pl.lit("P").alias("trip_id"))
    b = events([("T1", 2, "V1", 180, 420, True)]).with_columns(pl.lit("P").alias("trip_id"))
    got = long_dwells(pl.concat([ev, b]), calls)
    assert got.height == 0  # 240 s dwell where 120 s is planned: 120 s extra, not more


def test_crowding_without_a_counter_says_so_and_with_loads_finds_the_max_section() -> None:
    none = crowding(None, CALLS)
    assert not none.available and none.note == NO_COUNTER == "no passenger-counter data"
    loads = pl.DataFrame(
        {
            "trip_id": ["T1", "T1", "T1", "T2", "T3"],
            "stop_sequence": [1, 2, 3, 2, 1],
            "onboard": [40, 95, 70, 50, 20],
            "capacity": [90, 90, 90, 90, 0],
        }
    )
    got = crowding(loads, CALLS)
    assert got.available
    t1 = got.by_trip.filter(pl.col("trip_id") == "T1").row(0, named=True)
    assert t1["stop_id"] == "B" and t1["load_factor"] == pytest.approx(95 / 90)
    r1 = got.by_line.row(0, named=True)
    assert (r1["route_id"], r1["trips"], r1["overloaded"], r1["peak_hour"]) == ("R1", 2, 1, 8)
    with pytest.raises(ValueError, match="capacity"):
        crowding(loads.drop("capacity"), CALLS)


def _prediction(
    made_s: float, predicted_s: float, method: str = "kalman", seq: int = 3
) -> dict[str, object]:
    return {
        "vehicle_id": "V1",
        "trip_id": "T1",
        "stop_id": STOPS[seq - 1],
        "stop_sequence": seq,
        "method": method,
        "made_utc": at(made_s),
        "predicted_utc": at(predicted_s),
    }


def test_predictions_five_minutes_ahead_are_in_the_3_6_band_with_mbtas_window() -> None:
    arrival = T1 + 360 + 340  # T1's actual arrival at C
    preds = pl.DataFrame(
        [
            _prediction(arrival - 420, arrival - 120),  # said 5 min, bus came 2 min later: accurate
            _prediction(arrival - 180, arrival + 120),  # said 5 min, bus came 2 min earlier: not
            _prediction(arrival - 100, arrival - 40),  # said 1 min, 40 s late: accurate, 0-3
            _prediction(arrival - 1000, arrival - 400, "schedule"),  # said 10 min, 6.7 min late
            _prediction(arrival - 4000, arrival - 1000, "schedule"),  # 50 min ahead: no band
            _prediction(arrival + 10, arrival + 70),  # made after the arrival: not scored
        ]
    ).with_columns(pl.col("made_utc", "predicted_utc").dt.cast_time_unit("us"))
    errors = prediction_errors(preds, DAY_EVENTS)
    assert errors.select("method", "band", "error_s", "accurate").rows() == [
        ("kalman", "3-6", -120.0, True),
        ("kalman", "3-6", 120.0, False),
        ("kalman", "0-3", -40.0, True),
        ("schedule", "6-12", -400.0, False),
    ]
    acc = prediction_accuracy(preds, DAY_EVENTS)
    assert acc.select("method", "band", "n", "mae_s", "accurate_share").rows() == [
        ("kalman", "0-3", 1, 40.0, 1.0),
        ("kalman", "3-6", 2, 120.0, 0.5),
        ("schedule", "6-12", 1, 400.0, 0.0),
    ]


def test_empty_inputs_give_empty_answers() -> None:
    empty = DAY_EVENTS.clear()
    assert on_time_performance(empty, CALLS).row(0, named=True)["observed"] == 0
    assert on_time_performance(empty, CALLS, OtpBy.LINE)["observed"].to_list() == [0, 0]
    assert skipped_stops(empty, CALLS).height == 0
    assert long_dwells(empty, CALLS).height == 0
