"""数据分析 (analysis): ridership, running times, mileage and boardings / load profiles,
from the fare taps and the AVL stop events of a span of service days.

Pure: frames in, frames out; no store, no clock. Times are UTC instants (polars
Datetime µs, UTC); durations seconds; distances metres; money fen (分, 1/100 yuan).
The definitions:

- **Boarding call of a tap** (`board_taps`): a Chinese bus records boardings only, one tap
  per ride, with the bus (vehicle) but neither the line nor the stop. The tap is put on
  the stop call (AVL stop event) of its bus on its service day whose window — from
  `before_s` (10 s) before the bus's arrival to `after_s` (20 s) after its departure —
  holds the tap time; else on the nearest call of that bus within `max_gap_s` (180 s)
  of its window (a rider tapping as the bus pulls away, or while it waits at the
  terminus before its first call). The call gives the tap its line (route_id), direction,
  trip and boarding stop. A tap near no call stays **unmatched**: it still counts by hour
  and by payment channel, and is reported as unmatched by line and by stop (never
  guessed). The windows are the OD inference's (busbrain.planning.od, docs/od.md §2);
  unlike it, no reader clock correction is made, so a reader more than ~20 s off puts
  some taps on the next or previous stop (the line, from the bus's trip, is still right).
- **Ridership (客流, boardings)**: taps counted, each tap one boarding (a companion's
  tap counts once more; cash is recorded as a tap). By line, by boarding stop, by hour,
  by payment channel, by line × hour. **Hour** is the hour of the service day (GTFS
  convention: hours since noon − 12 h local time, so 00:30 after midnight on the service
  day is hour 24). **Fare revenue** is the sum of the taps' `fare_fen`.
- **Running time (运行时间) of a segment**: on one trip, the arrival at stop k+1 less the
  departure from stop k, seconds, where k and k+1 are consecutive calls of the trip's
  pattern (a pair of calls with a stop unseen between them is no segment). Grouped by
  the hour (of the service day) of the departure from stop k: number of runs, median and
  85th percentile (linear interpolation; the p85 is what a schedule planner covers).
- **Revenue mileage (营运里程)** of a trip a vehicle ran: the distance along the trip's
  pattern (GTFS shape distance, `PatternStop.dist_m`) from the first to the last stop it
  was seen at — the 运营监管 definition. The pattern is the one of the trip's line and
  direction that holds most of the stops seen; a trip whose stops match no pattern has
  no mileage and is counted as `unmeasured`.
- **Boardings profile**: boardings per stop along a line's direction, in the pattern's
  stop order, and per trip run (boardings ÷ trips of that direction seen that day). It is
  not a load: riders who got off are unknown from taps.
- **Load profile (断面客流)**: riders on board between consecutive stops, which needs
  the alightings too: counted by the buses' passenger counters where they exist
  (`counted_load_profile`, from the loads the live side stores per stop visit), else
  from the OD inference (trip chaining, expanded to every boarding;
  `busbrain.planning.od.infer_od`'s `segment_loads`, `load_profile`) — the mean and the
  highest load per segment over the trips run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import polars as pl

from busbrain.domain.gtfstime import service_day_start
from busbrain.domain.network import Pattern
from busbrain.oversight.service import CALL_KEY_SCHEMA, UTC_US


@dataclass(frozen=True, slots=True)
class BoardingRules:
    """How a tap is put on a stop call, seconds (the OD inference's windows)."""

    before_s: float = 10.0
    """A tap this long before the bus's arrival at a stop counts as boarding there."""
    after_s: float = 20.0
    """... and this long after its departure (readers are slow, people tap late)."""
    max_gap_s: float = 180.0
    """A tap farther than this from every call window of its bus is unmatched."""


class Grouping(StrEnum):
    """What ridership is counted by."""

    LINE = "line"
    STOP = "stop"
    HOUR = "hour"
    CHANNEL = "channel"
    LINE_HOUR = "line_hour"


BOARDED_COLUMNS = (
    "service_date",
    "tap_utc",
    "vehicle_id",
    "channel",
    "fare_fen",
    "hour",
    "route_id",
    "direction_id",
    "trip_id",
    "stop_id",
    "stop_sequence",
)


def _day_starts(days: Iterable[dt.date], tz: dt.tzinfo) -> pl.DataFrame:
    """Each service day's GTFS time 0 as a UTC instant."""
    unique = sorted(set(days))
    return pl.DataFrame(
        {
            "service_date": unique,
            "_day_start": [
                dt.datetime.fromtimestamp(service_day_start(d, tz), dt.UTC) for d in unique
            ],
        },
        schema={"service_date": pl.Date(), "_day_start": pl.Datetime("us", "UTC")},
    )


def _with_hour(frame: pl.DataFrame, stamp: str, tz: dt.tzinfo, name: str = "hour") -> pl.DataFrame:
    """`frame` with `name`: the hour of the service day (0, 1, … 24, 25 past midnight) of
    the instant in column `stamp`."""
    if not frame.height:
        return frame.with_columns(pl.lit(None, pl.Int64()).alias(name))
    starts = _day_starts(frame.get_column("service_date").to_list(), tz)
    return (
        frame.join(starts, on="service_date", how="left")
        .with_columns(
            ((pl.col(stamp) - pl.col("_day_start")).dt.total_seconds() // 3600)
            .cast(pl.Int64)
            .alias(name)
        )
        .drop("_day_start")
    )


BOARDING_EVENT_SCHEMA: dict[str, pl.DataType] = {
    **CALL_KEY_SCHEMA,
    "vehicle_id": pl.String(),
    "arrival_utc": UTC_US,
    "departure_utc": UTC_US,
}
"""The stop-event columns `board_taps` reads (the store's stop events have these and more):
`pl.DataFrame(schema=BOARDING_EVENT_SCHEMA)` is no events."""


def board_taps(
    taps: pl.DataFrame,
    events: pl.DataFrame,
    tz: dt.tzinfo,
    rules: BoardingRules | None = None,
) -> pl.DataFrame:
    """Each tap with its hour of the service day and its boarding call (see the module's
    definition): BOARDED_COLUMNS, the call's columns null for an unmatched tap.

    taps: the store's fare taps (service_date, tap_utc, vehicle_id, channel, fare_fen).
    events: the AVL stop events (service_date, route_id, direction_id, trip_id,
    stop_sequence, stop_id, vehicle_id, arrival_utc, departure_utc); events without a
    route (a trip the network no longer has) are not used."""
    r = rules or BoardingRules()
    base = _with_hour(
        taps.select("service_date", "tap_utc", "vehicle_id", "channel", "fare_fen").with_row_index(
            "_tap"
        ),
        "tap_utc",
        tz,
    )
    call_cols = ["route_id", "direction_id", "trip_id", "stop_id", "stop_sequence"]
    calls = (
        events.filter(pl.col("route_id").is_not_null())
        .select(
            "service_date",
            "vehicle_id",
            *call_cols,
            (pl.col("arrival_utc") - pl.duration(microseconds=int(r.before_s * 1e6))).alias("_lo"),
            (pl.col("departure_utc") + pl.duration(microseconds=int(r.after_s * 1e6))).alias("_hi"),
        )
        .with_columns(pl.col("direction_id").cast(pl.Int64), pl.col("stop_sequence").cast(pl.Int64))
        .sort("_lo")
    )
    left = base.select("_tap", "service_date", "vehicle_id", "tap_utc").sort("tap_utc")
    by = ["service_date", "vehicle_id"]
    # The latest call starting at or before the tap (which holds it when the tap is
    # before the call's end), and the first call starting after it.
    back = left.join_asof(
        calls, left_on="tap_utc", right_on="_lo", by=by, strategy="backward", check_sortedness=False
    ).with_columns(
        pl.max_horizontal(
            pl.lit(0.0), (pl.col("tap_utc") - pl.col("_hi")).dt.total_microseconds() / 1e6
        ).alias("_gap")
    )
    ahead = left.join_asof(
        calls, left_on="tap_utc", right_on="_lo", by=by, strategy="forward", check_sortedness=False
    ).with_columns(
        ((pl.col("_lo") - pl.col("tap_utc")).dt.total_microseconds() / 1e6).alias("_gap")
    )
    both = (
        pl.concat(
            [
                back.with_columns(pl.lit(0).alias("_side")),
                ahead.with_columns(pl.lit(1).alias("_side")),
            ]
        )
        .filter(pl.col("_lo").is_not_null() & (pl.col("_gap") <= r.max_gap_s))
        .sort("_tap", "_gap", "_side")
        .unique("_tap", keep="first", maintain_order=True)
        .select("_tap", *call_cols)
    )
    return base.join(both, on="_tap", how="left").sort("_tap").select(*BOARDED_COLUMNS)


def ridership(boarded: pl.DataFrame, by: Grouping) -> pl.DataFrame:
    """Boardings and fare revenue (fen) of `boarded` (board_taps' output) grouped `by`,
    with each group's share of all boardings:

    - line: route_id (null: unmatched taps), boardings, fare_fen, share;
    - stop: route_id, stop_id (null: unmatched), boardings, fare_fen, share — a stop
      served by two lines gives a row per line;
    - hour: hour, boardings, fare_fen, share;
    - channel: channel, boardings, fare_fen, share;
    - line_hour: route_id, hour, boardings, fare_fen, share.

    Sorted by the keys (lines and stops by boardings, most first)."""
    keys = {
        Grouping.LINE: ["route_id"],
        Grouping.STOP: ["route_id", "stop_id"],
        Grouping.HOUR: ["hour"],
        Grouping.CHANNEL: ["channel"],
        Grouping.LINE_HOUR: ["route_id", "hour"],
    }[by]
    total = boarded.height
    out = (
        boarded.group_by(keys)
        .agg(pl.len().cast(pl.Int64).alias("boardings"), pl.col("fare_fen").sum().alias("fare_fen"))
        .with_columns((pl.col("boardings") / total if total else pl.lit(0.0)).alias("share"))
    )
    if by in (Grouping.LINE, Grouping.STOP, Grouping.CHANNEL):
        return out.sort(
            ["boardings", *keys], descending=[True] + [False] * len(keys), nulls_last=True
        )
    return out.sort(keys, nulls_last=True)


def pattern_stops(patterns: Iterable[Pattern]) -> pl.DataFrame:
    """Every stop of every pattern: pattern_id, route_id, direction_id, idx (0-based
    position), stop_id, occurrence (1 for a stop's first visit in the pattern, 2 for a
    loop's second), dist_m (metres along the shape)."""
    rows = []
    for p in patterns:
        seen: dict[str, int] = {}
        for idx, s in enumerate(p.stops):
            seen[s.stop_id] = seen.get(s.stop_id, 0) + 1
            rows.append(
                (
                    p.pattern_id,
                    p.route_id,
                    p.direction_id,
                    idx,
                    s.stop_id,
                    seen[s.stop_id],
                    s.dist_m,
                )
            )
    return pl.DataFrame(
        rows,
        schema={
            "pattern_id": pl.String(),
            "route_id": pl.String(),
            "direction_id": pl.Int64(),
            "idx": pl.Int64(),
            "stop_id": pl.String(),
            "occurrence": pl.Int64(),
            "dist_m": pl.Float64(),
        },
        orient="row",
    )


def _matched_calls(events: pl.DataFrame, stops: pl.DataFrame) -> pl.DataFrame:
    """Each stop event of a trip with the position (idx, dist_m) of its stop in the
    trip's pattern: the pattern of its line and direction holding most of its stops
    (ties: the first pattern_id). Events of a trip matching no pattern are left out."""
    run = ["service_date", "trip_id", "vehicle_id"]
    ev = (
        events.filter(pl.col("route_id").is_not_null())
        .with_columns(pl.col("direction_id").cast(pl.Int64), pl.col("stop_sequence").cast(pl.Int64))
        .sort(*run, "stop_sequence")
        .with_columns(pl.col("stop_sequence").cum_count().over(*run, "stop_id").alias("occurrence"))
    )
    cand = ev.join(stops, on=["route_id", "direction_id", "stop_id", "occurrence"], how="inner")
    best = (
        cand.group_by(*run, "pattern_id")
        .agg(pl.len().alias("_n"))
        .sort(*run, "_n", "pattern_id", descending=[False] * len(run) + [True, False])
        .unique(run, keep="first", maintain_order=True)
        .select(*run, "pattern_id")
    )
    return cand.join(best, on=[*run, "pattern_id"], how="inner").sort(*run, "stop_sequence")


def pattern_segments(stops: pl.DataFrame) -> pl.DataFrame:
    """The consecutive stop pairs of every pattern: route_id, direction_id, from_stop_id,
    to_stop_id, the pair's first position in a pattern (`idx`), and its length (m)."""
    return (
        stops.sort("pattern_id", "idx")
        .with_columns(
            pl.col("stop_id").shift(-1).over("pattern_id").alias("to_stop_id"),
            (pl.col("dist_m").shift(-1).over("pattern_id") - pl.col("dist_m")).alias("length_m"),
        )
        .filter(pl.col("to_stop_id").is_not_null())
        .group_by("route_id", "direction_id", pl.col("stop_id").alias("from_stop_id"), "to_stop_id")
        .agg(pl.col("idx").min(), pl.col("length_m").median())
        .sort("route_id", "direction_id", "idx")
    )


RUN_KEYS = ("route_id", "direction_id", "from_stop_id", "to_stop_id")


def segment_runs(events: pl.DataFrame, stops: pl.DataFrame, tz: dt.tzinfo) -> pl.DataFrame:
    """Every run of a segment: service_date, trip_id, vehicle_id, route_id, direction_id,
    from_stop_id, to_stop_id, idx (the from stop's position in the pattern), hour (of
    the departure from the from stop, service-day hours), running_s (arrival at the to
    stop − departure from the from stop, s). Only consecutive calls of the pattern."""
    calls = _matched_calls(events, stops)
    run = ["service_date", "trip_id", "vehicle_id"]
    pairs = calls.with_columns(
        pl.col("idx").shift(-1).over(run).alias("_next_idx"),
        pl.col("stop_id").shift(-1).over(run).alias("to_stop_id"),
        pl.col("arrival_utc").shift(-1).over(run).alias("_next_arr"),
    ).filter(pl.col("_next_idx") == pl.col("idx") + 1)
    pairs = pairs.select(
        *run,
        "route_id",
        "direction_id",
        pl.col("stop_id").alias("from_stop_id"),
        "to_stop_id",
        "idx",
        "departure_utc",
        ((pl.col("_next_arr") - pl.col("departure_utc")).dt.total_microseconds() / 1e6).alias(
            "running_s"
        ),
    ).filter(pl.col("running_s") >= 0)
    return _with_hour(pairs, "departure_utc", tz).drop("departure_utc")


def _stats(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    return (
        frame.group_by(keys)
        .agg(
            pl.col("idx").min(),
            pl.len().cast(pl.Int64).alias("runs"),
            pl.col("running_s").median().alias("median_s"),
            pl.col("running_s").quantile(0.85, interpolation="linear").alias("p85_s"),
        )
        .sort(["route_id", "direction_id", "idx", *[k for k in keys if k == "hour"]])
    )


def running_times(runs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Running time per segment (`segment_runs`' output) over all the runs, and per
    segment and hour: route_id, direction_id, from_stop_id, to_stop_id, idx, [hour,]
    runs, median_s, p85_s — in the line's stop order."""
    keys = list(RUN_KEYS)
    return _stats(runs, keys), _stats(runs, [*keys, "hour"])


def trip_mileage(events: pl.DataFrame, stops: pl.DataFrame) -> pl.DataFrame:
    """Each trip a vehicle ran: service_date, trip_id, vehicle_id, route_id, direction_id,
    revenue_m (pattern distance from the first to the last stop seen; null when the trip
    matches no pattern)."""
    run = ["service_date", "trip_id", "vehicle_id"]
    trips = (
        events.filter(pl.col("route_id").is_not_null())
        .group_by(run)
        .agg(pl.col("route_id").first(), pl.col("direction_id").first().cast(pl.Int64))
    )
    measured = (
        _matched_calls(events, stops)
        .group_by(run)
        .agg(
            (pl.col("dist_m").sort_by("stop_sequence").last()
             - pl.col("dist_m").sort_by("stop_sequence").first()).clip(0.0).alias("revenue_m")
        )
    )  # fmt: skip
    return trips.join(measured, on=run, how="left").sort(run)


def mileage(trips: pl.DataFrame, by: str) -> pl.DataFrame:
    """Revenue mileage of `trips` (trip_mileage's output) per `by` ("route_id" or
    "vehicle_id"): trips, revenue_m (sum of the measured trips), unmeasured (trips without
    a pattern match, not in revenue_m). Most mileage first."""
    return (
        trips.group_by(by)
        .agg(
            pl.len().cast(pl.Int64).alias("trips"),
            pl.col("revenue_m").sum().alias("revenue_m"),
            pl.col("revenue_m").is_null().sum().cast(pl.Int64).alias("unmeasured"),
        )
        .sort(["revenue_m", by], descending=[True, False])
    )


def boardings_profile(
    boarded: pl.DataFrame,
    events: pl.DataFrame,
    stops: pl.DataFrame,
    route_id: str,
    direction_id: int,
) -> pl.DataFrame:
    """Boardings per stop along a line's direction, in the stop order of its longest
    pattern: idx, stop_id, dist_m, boardings (taps matched to a call of the line and
    direction at that stop), per_trip (boardings ÷ trips of the line and direction with
    stop events). Stops of other patterns of the direction come after, in first-seen
    order. Boardings, not loads: see the module's docstring."""
    mine = stops.filter((pl.col("route_id") == route_id) & (pl.col("direction_id") == direction_id))
    if mine.height:
        longest = (
            mine.group_by("pattern_id")
            .agg(pl.len().alias("_n"))
            .sort(["_n", "pattern_id"], descending=[True, False])
            .get_column("pattern_id")[0]
        )
        order = (
            mine.with_columns((pl.col("pattern_id") != longest).cast(pl.Int64).alias("_other"))
            .sort("_other", "pattern_id", "idx")
            .unique("stop_id", keep="first", maintain_order=True)
            .with_row_index("_pos")
            .select(pl.col("_pos").cast(pl.Int64).alias("idx"), "stop_id", "dist_m")
        )
    else:
        order = pl.DataFrame(
            schema={"idx": pl.Int64(), "stop_id": pl.String(), "dist_m": pl.Float64()}
        )
    trips = (
        events.filter(
            (pl.col("route_id") == route_id)
            & (pl.col("direction_id").cast(pl.Int64) == direction_id)
        )
        .select("service_date", "trip_id", "vehicle_id")
        .unique()
        .height
    )
    counts = (
        boarded.filter((pl.col("route_id") == route_id) & (pl.col("direction_id") == direction_id))
        .group_by("stop_id")
        .agg(pl.len().cast(pl.Int64).alias("boardings"))
    )
    return (
        order.join(counts, on="stop_id", how="left")
        .with_columns(pl.col("boardings").fill_null(0))
        .with_columns(
            (pl.col("boardings") / trips if trips else pl.lit(None, pl.Float64())).alias("per_trip")
        )
        .sort("idx")
    )


def load_profile(segment_loads: pl.DataFrame, route_id: str, direction_id: int) -> pl.DataFrame:
    """The riders on board per segment of a line's direction, from the OD inference's
    `segment_loads` (service_date, trip_id, route_id, direction_id, from_seq,
    from_stop_id, to_stop_id, boardings, alightings, load): from_stop_id, to_stop_id,
    from_seq (its first position), mean_load (sum of the loads ÷ trips of the direction:
    a trip that skipped the segment counts 0), max_load, boardings and alightings (mean
    per trip, expanded). Riders, not taps: the inference expands chained rides to every
    boarding."""
    mine = segment_loads.filter(
        (pl.col("route_id") == route_id) & (pl.col("direction_id").cast(pl.Int64) == direction_id)
    )
    trips = mine.select("service_date", "trip_id").unique().height
    if not trips:
        return pl.DataFrame(
            schema={
                "from_stop_id": pl.String(),
                "to_stop_id": pl.String(),
                "from_seq": pl.Int64(),
                "mean_load": pl.Float64(),
                "max_load": pl.Float64(),
                "boardings": pl.Float64(),
                "alightings": pl.Float64(),
            }
        )
    return (
        mine.group_by("from_stop_id", "to_stop_id")
        .agg(
            pl.col("from_seq").min().cast(pl.Int64),
            (pl.col("load").sum() / trips).alias("mean_load"),
            pl.col("load").max().cast(pl.Float64).alias("max_load"),
            (pl.col("boardings").sum() / trips).alias("boardings"),
            (pl.col("alightings").sum() / trips).alias("alightings"),
        )
        .sort("from_seq", "from_stop_id")
    )


def counted_load_profile(
    loads: pl.DataFrame, stops: pl.DataFrame, route_id: str, direction_id: int
) -> pl.DataFrame:
    """The riders on board per segment of a line's direction, counted: from the passenger
    counters' loads per stop visit (`RealtimeHistory.passenger_loads`: service_date,
    trip_id, vehicle_id, route_id, direction_id, stop_sequence, stop_id, boarded,
    alighted, onboard_after) and `pattern_stops`. Columns as `load_profile`'s, plus
    `trips` (runs with a count on the segment).

    A stop where the doors did not open has no load row: the bus leaves it with the load
    it came with, so each run's load is carried forward along its pattern (the one of the
    line and direction holding most of its counted stops) from its first counted stop.
    Means are over the runs counted on the segment (a run the counter joined halfway does
    not count as empty before); boardings and alightings are means per such run."""
    schema: dict[str, pl.DataType] = {
        "from_stop_id": pl.String(),
        "to_stop_id": pl.String(),
        "from_seq": pl.Int64(),
        "mean_load": pl.Float64(),
        "max_load": pl.Float64(),
        "boardings": pl.Float64(),
        "alightings": pl.Float64(),
        "trips": pl.Int64(),
    }
    mine = loads.filter(
        (pl.col("route_id") == route_id) & (pl.col("direction_id").cast(pl.Int64) == direction_id)
    )
    if mine.is_empty():
        return pl.DataFrame(schema=schema)
    run = ["service_date", "trip_id", "vehicle_id"]
    calls = _matched_calls(mine, stops)
    first = calls.group_by(*run, "pattern_id").agg(pl.col("idx").min().alias("_first"))
    along = (
        first.join(stops.select("pattern_id", "idx", "stop_id"), on="pattern_id")
        .filter(pl.col("idx") >= pl.col("_first"))
        .join(
            calls.select(*run, "idx", "boarded", "alighted", "onboard_after"),
            on=[*run, "idx"],
            how="left",
        )
        .sort(*run, "idx")
        .with_columns(
            pl.col("onboard_after").forward_fill().over(run).alias("load"),
            pl.col("boarded").fill_null(0),
            pl.col("alighted").fill_null(0),
            pl.col("stop_id").shift(-1).over(run).alias("to_stop_id"),
        )
        .filter(pl.col("to_stop_id").is_not_null())
    )
    if along.is_empty():
        return pl.DataFrame(schema=schema)
    return (
        along.group_by(pl.col("stop_id").alias("from_stop_id"), "to_stop_id")
        .agg(
            pl.col("idx").min().cast(pl.Int64).alias("from_seq"),
            pl.col("load").mean().cast(pl.Float64).alias("mean_load"),
            pl.col("load").max().cast(pl.Float64).alias("max_load"),
            pl.col("boarded").mean().cast(pl.Float64).alias("boardings"),
            pl.col("alighted").mean().cast(pl.Float64).alias("alightings"),
            pl.len().cast(pl.Int64).alias("trips"),
        )
        .sort("from_seq", "from_stop_id")
        .select(list(schema))
    )
