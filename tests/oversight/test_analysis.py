"""数据分析's computations on hand-made taps and stop events of known truth.

Line R1 outbound A→B→C→D (pattern P1: 0, 500, 1200, 2000 m), Tuesday 1 December 2026,
Beijing time:

- bus V1 runs trip O1: A 08:00–08:01, B 08:04 (passed), C 08:07–08:08, D 08:12;
- bus V2 runs trip O2: A 08:30–08:31, B 08:33–08:34, (C unseen), D 08:40;
- bus V2 runs trip O3 just after midnight: A 00:20–00:21 (service hour 24), B 00:24.

Taps (T = tap): V1 at 08:00:30 (A, wechat 200 fen), 08:01:15 (A, 15 s after leaving:
inside the 20-s slack, ic_card 100), 08:07:30 (C, ic_card 100), 08:20 (no call within 3
min: unmatched, cash 200); V2 at 08:28:00 (2 min before arriving at A: nearest call,
alipay 200), 08:33:30 (B, ic_card 100), 00:20:30 (A, hour 24, ic_card 100).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from busbrain.domain.network import Pattern, PatternStop
from busbrain.oversight.analysis import (
    Grouping,
    board_taps,
    boardings_profile,
    load_profile,
    mileage,
    pattern_segments,
    pattern_stops,
    ridership,
    running_times,
    segment_runs,
    trip_mileage,
)

TZ = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 12, 1)
UTC = pl.Datetime("us", "UTC")


def _at(hhmm: str, *, next_day: bool = False) -> dt.datetime:
    parts = [int(x) for x in hhmm.split(":")]
    local = dt.datetime(2026, 12, 2 if next_day else 1, parts[0], parts[1],
                        parts[2] if len(parts) > 2 else 0, tzinfo=TZ)  # fmt: skip
    return local.astimezone(dt.UTC)


PATTERN = Pattern(
    "P1", "R1", 0, "SH1", "D",
    tuple(PatternStop(s, d) for s, d in zip("ABCD", (0.0, 500.0, 1200.0, 2000.0), strict=True)),
)  # fmt: skip
STOPS = pattern_stops([PATTERN])

# vehicle, trip, [(stop, seq, arrival, departure, next_day)]
RUNS = [
    ("V1", "O1", [("A", 1, "08:00", "08:01"), ("B", 2, "08:04", "08:04"),
                  ("C", 3, "08:07", "08:08"), ("D", 4, "08:12", "08:12")]),
    ("V2", "O2", [("A", 1, "08:30", "08:31"), ("B", 2, "08:33", "08:34"),
                  ("D", 4, "08:40", "08:40")]),
    ("V2", "O3", [("A", 1, "00:20", "00:21"), ("B", 2, "00:24", "00:24")]),
]  # fmt: skip


def _events() -> pl.DataFrame:
    rows = []
    for vehicle, trip, calls in RUNS:
        late = trip == "O3"
        for stop, seq, arr, dep in calls:
            rows.append((DAY, "R1", 0, trip, seq, stop, vehicle,
                         _at(arr, next_day=late), _at(dep, next_day=late), arr != dep))  # fmt: skip
    return pl.DataFrame(
        rows,
        schema={
            "service_date": pl.Date(), "route_id": pl.String(), "direction_id": pl.Int64(),
            "trip_id": pl.String(), "stop_sequence": pl.Int64(), "stop_id": pl.String(),
            "vehicle_id": pl.String(), "arrival_utc": UTC, "departure_utc": UTC,
            "stopped": pl.Boolean(),
        },
        orient="row",
    )  # fmt: skip


TAPS = [  # vehicle, time, channel, fare, next_day
    ("V1", "08:00:30", "wechat", 200, False),
    ("V1", "08:01:15", "ic_card", 100, False),
    ("V1", "08:07:30", "ic_card", 100, False),
    ("V1", "08:20:00", "cash", 200, False),
    ("V2", "08:28:00", "alipay", 200, False),
    ("V2", "08:33:30", "ic_card", 100, False),
    ("V2", "00:20:30", "ic_card", 100, True),
]


def _taps() -> pl.DataFrame:
    return pl.DataFrame(
        [(f"r{i}", f"t{i}", DAY, _at(t, next_day=nd), v, ch, None, fen, "b1")
         for i, (v, t, ch, fen, nd) in enumerate(TAPS)],
        schema={
            "reader_id": pl.String(), "txn_id": pl.String(), "service_date": pl.Date(),
            "tap_utc": UTC, "vehicle_id": pl.String(), "channel": pl.String(),
            "card_hash": pl.String(), "fare_fen": pl.Int64(), "batch_id": pl.String(),
        },
        orient="row",
    )  # fmt: skip


@pytest.fixture(scope="module")
def boarded() -> pl.DataFrame:
    return board_taps(_taps(), _events(), TZ)


def test_each_tap_gets_the_call_of_its_bus_that_holds_it_or_is_nearest(
    boarded: pl.DataFrame,
) -> None:
    got = boarded.select("vehicle_id", "trip_id", "stop_id", "hour").rows()
    assert got == [
        ("V1", "O1", "A", 8),
        ("V1", "O1", "A", 8),  # 15 s after leaving A
        ("V1", "O1", "C", 8),
        ("V1", None, None, 8),  # 8 min after its last call: unmatched
        ("V2", "O2", "A", 8),  # 2 min before the bus reached A
        ("V2", "O2", "B", 8),
        ("V2", "O3", "A", 24),  # after midnight: hour 24 of the service day
    ]


def test_ridership_by_line_hour_channel_and_stop(boarded: pl.DataFrame) -> None:
    by_line = ridership(boarded, Grouping.LINE)
    assert by_line.select("route_id", "boardings", "fare_fen").rows() == [
        ("R1", 6, 800),
        (None, 1, 200),
    ]
    assert by_line.get_column("share").to_list() == pytest.approx([6 / 7, 1 / 7])
    by_hour = ridership(boarded, Grouping.HOUR)
    assert by_hour.select("hour", "boardings").rows() == [(8, 6), (24, 1)]
    by_channel = ridership(boarded, Grouping.CHANNEL)
    assert by_channel.select("channel", "boardings", "fare_fen").rows() == [
        ("ic_card", 4, 400),
        ("alipay", 1, 200),
        ("cash", 1, 200),
        ("wechat", 1, 200),
    ]
    by_stop = ridership(boarded, Grouping.STOP)
    assert by_stop.select("route_id", "stop_id", "boardings").rows() == [
        ("R1", "A", 4),
        ("R1", "B", 1),
        ("R1", "C", 1),
        (None, None, 1),
    ]
    line_hour = ridership(boarded, Grouping.LINE_HOUR)
    assert line_hour.select("route_id", "hour", "boardings").rows() == [
        ("R1", 8, 5),
        ("R1", 24, 1),
        (None, 8, 1),
    ]


def test_running_times_only_between_consecutive_stops_of_the_pattern() -> None:
    runs = segment_runs(_events(), STOPS, TZ)
    # O2 has no C: its B→D is no segment.
    assert sorted(runs.select("trip_id", "from_stop_id", "to_stop_id", "running_s").rows()) == [
        ("O1", "A", "B", 180.0),
        ("O1", "B", "C", 180.0),
        ("O1", "C", "D", 240.0),
        ("O2", "A", "B", 120.0),
        ("O3", "A", "B", 180.0),
    ]
    overall, by_hour = running_times(runs)
    ab = overall.row(0, named=True)
    assert (ab["from_stop_id"], ab["to_stop_id"], ab["runs"]) == ("A", "B", 3)
    assert ab["median_s"] == 180.0
    assert ab["p85_s"] == pytest.approx(180.0)  # 120, 180, 180
    assert overall.get_column("from_stop_id").to_list() == ["A", "B", "C"]
    assert by_hour.filter(pl.col("from_stop_id") == "A").select(
        "hour", "runs", "median_s", "p85_s"
    ).rows() == [(8, 2, 150.0, pytest.approx(171.0)), (24, 1, 180.0, 180.0)]


def test_mileage_follows_the_pattern_from_first_to_last_stop_seen() -> None:
    trips = trip_mileage(_events(), STOPS)
    assert trips.select("trip_id", "revenue_m").rows() == [
        ("O1", 2000.0),
        ("O2", 2000.0),  # C unseen: still A to D along the pattern
        ("O3", 500.0),
    ]
    assert mileage(trips, "route_id").rows() == [("R1", 3, 4500.0, 0)]
    assert mileage(trips, "vehicle_id").select("vehicle_id", "trips", "revenue_m").rows() == [
        ("V2", 2, 2500.0),
        ("V1", 1, 2000.0),
    ]


def test_a_trip_off_every_pattern_is_unmeasured() -> None:
    odd = _events().with_columns(pl.lit("X").alias("stop_id"))
    trips = trip_mileage(odd, STOPS)
    assert trips.get_column("revenue_m").null_count() == 3
    assert mileage(trips, "route_id").select("trips", "unmeasured").rows() == [(3, 3)]


def test_the_boardings_profile_runs_along_the_pattern(boarded: pl.DataFrame) -> None:
    prof = boardings_profile(boarded, _events(), STOPS, "R1", 0)
    assert prof.select("stop_id", "boardings").rows() == [("A", 4), ("B", 1), ("C", 1), ("D", 0)]
    assert prof.get_column("per_trip").to_list() == pytest.approx([4 / 3, 1 / 3, 1 / 3, 0.0])
    assert pattern_segments(STOPS).select("from_stop_id", "to_stop_id", "length_m").rows() == [
        ("A", "B", 500.0),
        ("B", "C", 700.0),
        ("C", "D", 800.0),
    ]


def test_the_load_profile_averages_over_the_trips_of_the_direction() -> None:
    seg = pl.DataFrame(
        {
            "service_date": [DAY] * 3,
            "trip_id": ["O1", "O1", "O2"],
            "route_id": ["R1"] * 3,
            "direction_id": [0, 0, 0],
            "from_seq": [1, 2, 1],
            "from_stop_id": ["A", "B", "A"],
            "to_stop_id": ["B", "C", "B"],
            "boardings": [3.0, 1.0, 2.0],
            "alightings": [0.0, 2.0, 0.0],
            "load": [3.0, 2.0, 2.0],
        }
    )
    prof = load_profile(seg, "R1", 0)
    assert prof.select("from_stop_id", "mean_load", "max_load").rows() == [
        ("A", 2.5, 3.0),
        ("B", 1.0, 2.0),  # O2 did not run B→C: counts 0
    ]
    assert load_profile(seg, "R1", 1).height == 0
