"""服务监管 (service supervision): what a day's stop events say about the service riders got.

Pure rules over dataframes (no database, HTTP or clock): the API, reports and tests share
one definition of each figure. Inputs are the day's stop events (the frame
`RealtimeHistory.stop_events` returns), the timetable's scheduled calls (built from
`ScheduleQueries.trip_times_on(day)` by `scheduled_calls`), the recorded predictions
(`RealtimeHistory.predictions`) and, when a passenger counter exists, section loads.

Definitions (docs/users.md §2.1 vocabulary, §2.4 metric defaults):

- **Schedule deviation** = actual − scheduled, seconds, at the stop *departure*
  (Swiftly), and at the trip's last stop its *arrival* (Swiftly's "include" mode for the
  last stop; `LastStop` gives the other two). A call without a scheduled time (a
  non-timepoint the feed left blank) is not measured.
- **On-time** (准点) if −60 s ≤ deviation ≤ +300 s (TransitClock's
  `defaultAllowableEarlyMinutes=1` / `defaultAllowableLateMinutes=5`): **early** (早点)
  when departing more than 60 s before the schedule, **late** (晚点) more than 300 s after.
  OTP shares are of the observed calls; **data completeness** = observed ÷ scheduled
  calls (scheduled by `as_of`, so a day in progress is not counted short), kept apart as
  Swiftly does.
- **越站 (passed)**: an event with `stopped` False — the bus went by a stop of its trip
  without stopping (every stop is a required stop here: the timetable has no
  request-only stops).
- **甩站 (missed)**: a scheduled call with no event at all, on a trip that has events
  both before and after it (the bus was run past it). Calls before a trip's first event
  or after its last are only unobserved (tracking began late, a 区间车 short turn, a
  trip still running), counted in data completeness, not here. A missed stop may also be
  a detection gap: it says "no record", not "proven skipped".
- **滞站 (overlong dwell)**: at a stop that is neither the first nor the last of the trip
  (terminal layovers are not dwells), departure − arrival exceeds the planned dwell
  (scheduled departure − scheduled arrival, usually 0) by more than 120 s (users.md
  gives no default; 120 s is ours, `DWELL_THRESHOLD_S`).
- **满载率 (load factor)** = onboard ÷ rated capacity on a section (between a call and the
  next), per trip its max-load section; over 100 % is 超载 (overloaded). Needs a
  passenger counter: without loads the report says "no passenger-counter data".
- **Prediction accuracy** (MBTA's rule, users.md §2.4 bands): a prediction's horizon is
  predicted − made (how far ahead the rider was told), bucketed 0–3, 3–6, 6–12, 12–30 min;
  error = predicted − actual arrival (users.md's sign: positive, the bus came earlier
  than said); *accurate* when the bus came at most 1 / 1.5 / 2.5 / 4 min earlier or
  1 / 2 / 3.5 / 6 min later than predicted. Reported per method: count, MAE, bias, the
  10th/50th/90th error percentiles and the accurate share.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import polars as pl

from busbrain.domain.network import TripTimes

EARLY_S = 60.0
"""Departing more than this many seconds before the schedule is early (TransitClock: 1 min)."""
LATE_S = 300.0
"""Departing more than this many seconds after the schedule is late (TransitClock: 5 min)."""
DWELL_THRESHOLD_S = 120.0
"""Dwell beyond the planned dwell by more than this (seconds) is 滞站."""
OVERLOAD = 1.0
"""A load factor (满载率) above this is 超载 (overloaded)."""
NO_COUNTER = "no passenger-counter data"
RECENT_MADE_S = 7200.0
"""A prediction is matched to an arrival at most this many seconds after it was made (so
a trip_id that runs every day is not matched to another day's run)."""

UTC_US = pl.Datetime("us", "UTC")

CALL_KEY_SCHEMA: dict[str, pl.DataType] = {
    "service_date": pl.Date(),
    "route_id": pl.String(),
    "direction_id": pl.Int64(),
    "trip_id": pl.String(),
    "stop_sequence": pl.Int64(),
    "stop_id": pl.String(),
}
"""The columns naming a call (the day's call of a trip at a stop), first in every frame
here; the store's stop events (`RealtimeHistory.stop_events`) begin with them too."""

CALL_SCHEMA: dict[str, pl.DataType] = {
    **CALL_KEY_SCHEMA,
    "scheduled_arrival_utc": UTC_US,
    "scheduled_departure_utc": UTC_US,
    "hour": pl.Int64(),
    "is_first": pl.Boolean(),
    "is_last": pl.Boolean(),
}
"""`scheduled_calls`' columns. `hour` is the GTFS hour of the scheduled departure (may be
24 or more after midnight), null for a call without a time."""

LOAD_SCHEMA: dict[str, pl.DataType] = {
    "trip_id": pl.String(),
    "stop_sequence": pl.Int64(),
    "onboard": pl.Int64(),
    "capacity": pl.Int64(),
}
"""The columns a passenger counter's section loads must have: people on board leaving the
call `stop_sequence` of `trip_id`, and the bus's rated capacity (额定载客量, people)."""


_ROW_KEY = (*CALL_KEY_SCHEMA, "vehicle_id")
"""The columns that open a row about one bus's call: the call and the vehicle."""
_TIMETABLE_LINE = (
    pl.coalesce("call_route_id", "route_id").alias("route_id"),
    pl.coalesce("call_dir", "direction_id").alias("direction_id"),
)
"""An event's line and direction as its scheduled call has them (the event's own when it
matched no call)."""


class LastStop(StrEnum):
    """How the trip's last stop counts (Swiftly's three options)."""

    INCLUDE = "include"
    """Measured at its arrival like any other call."""
    EARLY_IS_ON_TIME = "early_is_on_time"
    """Measured at its arrival, but arriving early counts on time."""
    EXCLUDE = "exclude"
    """Not measured."""


@dataclass(frozen=True, slots=True)
class OtpWindow:
    """The on-time window, seconds (configurable per agency; defaults TransitClock's)."""

    early_s: float = EARLY_S
    late_s: float = LATE_S
    last_stop: LastStop = LastStop.INCLUDE


class OtpBy(StrEnum):
    """What OTP is grouped by."""

    LINE = "line"
    STOP = "stop"
    HOUR = "hour"

    @property
    def key(self) -> str:
        return {"line": "route_id", "stop": "stop_id", "hour": "hour"}[self.value]


@dataclass(frozen=True, slots=True)
class HorizonBand:
    """A prediction horizon band [lo_s, hi_s) and MBTA's accurate window: the bus may come
    up to `early_s` seconds before or `late_s` seconds after the predicted time."""

    label: str
    lo_s: float
    hi_s: float
    early_s: float
    late_s: float


HORIZON_BANDS: tuple[HorizonBand, ...] = (
    HorizonBand("0-3", 0.0, 180.0, 60.0, 60.0),
    HorizonBand("3-6", 180.0, 360.0, 90.0, 120.0),
    HorizonBand("6-12", 360.0, 720.0, 150.0, 210.0),
    HorizonBand("12-30", 720.0, 1800.0, 240.0, 360.0),
)
"""MBTA's bands (bench/realtime.py scores the predictors with these too). The last band
includes its upper end (30 min)."""


def scheduled_calls(
    trips: Iterable[TripTimes], day: dt.date, day_start_unix: float
) -> pl.DataFrame:
    """Every scheduled call of service day `day` as rows (`CALL_SCHEMA`), times in UTC.

    `day_start_unix` is GTFS time 0 of the day (noon minus 12 h, local), unix seconds. A
    blank arrival takes the departure and the reverse; a call with neither has no times.
    """
    cols: dict[str, list[object]] = {name: [] for name in CALL_SCHEMA}
    for t in trips:
        n = len(t.stop_ids)
        seqs = t.stop_sequences or tuple(range(1, n + 1))
        for k in range(n):
            arr, dep = t.arrival_s[k], t.departure_s[k]
            arr = dep if arr is None else arr
            dep = arr if dep is None else dep
            cols["service_date"].append(day)
            cols["route_id"].append(t.route_id)
            cols["direction_id"].append(t.direction_id)
            cols["trip_id"].append(t.trip_id)
            cols["stop_sequence"].append(seqs[k])
            cols["stop_id"].append(t.stop_ids[k])
            cols["scheduled_arrival_utc"].append(None if arr is None else arr)
            cols["scheduled_departure_utc"].append(None if dep is None else dep)
            cols["hour"].append(None if dep is None else dep // 3600)
            cols["is_first"].append(k == 0)
            cols["is_last"].append(k == n - 1)
    offset_us = round(day_start_unix * 1_000_000)
    raw = {
        **CALL_SCHEMA,
        "scheduled_arrival_utc": pl.Int64(),
        "scheduled_departure_utc": pl.Int64(),
    }
    return pl.DataFrame(cols, schema=raw).with_columns(
        ((pl.col(c) * 1_000_000 + offset_us).cast(pl.Datetime("us")).dt.replace_time_zone("UTC"))
        for c in ("scheduled_arrival_utc", "scheduled_departure_utc")
    )


def _seconds(expr: pl.Expr) -> pl.Expr:
    """A duration as float seconds."""
    return expr.dt.total_microseconds().cast(pl.Float64) / 1_000_000


def adherence(
    events: pl.DataFrame, calls: pl.DataFrame, window: OtpWindow = OtpWindow()
) -> pl.DataFrame:
    """Each observed call's schedule deviation and status (early / on_time / late).

    Columns: service_date, route_id, direction_id, trip_id, stop_sequence, stop_id,
    vehicle_id, hour, is_last, scheduled_utc, actual_utc, deviation_s (float seconds,
    positive late), status. Only events of a scheduled call with a time count; a bus that
    passed without stopping is measured at the moment it passed.
    """
    joined = events.select(
        "service_date", "trip_id", "stop_sequence", "vehicle_id", "arrival_utc", "departure_utc"
    ).join(
        calls.filter(pl.col("scheduled_departure_utc").is_not_null()),
        on=["service_date", "trip_id", "stop_sequence"],
        how="inner",
    )
    if window.last_stop is LastStop.EXCLUDE:
        joined = joined.filter(~pl.col("is_last"))
    last = pl.col("is_last")
    out = joined.with_columns(
        pl.when(last)
        .then(pl.col("scheduled_arrival_utc"))
        .otherwise(pl.col("scheduled_departure_utc"))
        .alias("scheduled_utc"),
        pl.when(last)
        .then(pl.col("arrival_utc"))
        .otherwise(pl.col("departure_utc"))
        .alias("actual_utc"),
    ).with_columns(_seconds(pl.col("actual_utc") - pl.col("scheduled_utc")).alias("deviation_s"))
    early = pl.col("deviation_s") < -window.early_s
    if window.last_stop is LastStop.EARLY_IS_ON_TIME:
        early = early & ~last
    status = (
        pl.when(early)
        .then(pl.lit("early"))
        .when(pl.col("deviation_s") > window.late_s)
        .then(pl.lit("late"))
        .otherwise(pl.lit("on_time"))
    )
    return (
        out.with_columns(status.alias("status"))
        .select(
            *_ROW_KEY,
            "hour",
            "is_last",
            "scheduled_utc",
            "actual_utc",
            "deviation_s",
            "status",
        )
        .sort("service_date", "trip_id", "stop_sequence", "vehicle_id")
    )


def on_time_performance(
    events: pl.DataFrame,
    calls: pl.DataFrame,
    by: OtpBy | None = None,
    *,
    window: OtpWindow = OtpWindow(),
    as_of_utc: dt.datetime | None = None,
) -> pl.DataFrame:
    """OTP per line, stop or hour (`by`; None: the whole day, one row).

    Columns: the key (route_id, stop_id or hour; none for the whole day), scheduled (calls
    with a time, scheduled at or before `as_of_utc` when given), observed, early, on_time,
    late, early_share, on_time_share, late_share (of observed; null when nothing was),
    completeness (observed ÷ scheduled; null when nothing was scheduled), mean_deviation_s.
    Sorted by the key.
    """
    adh = adherence(events, calls, window)
    timed = calls.filter(pl.col("scheduled_departure_utc").is_not_null())
    if window.last_stop is LastStop.EXCLUDE:
        timed = timed.filter(~pl.col("is_last"))
    if as_of_utc is not None:
        due = (
            pl.when(pl.col("is_last"))
            .then("scheduled_arrival_utc")
            .otherwise("scheduled_departure_utc")
        )
        timed = timed.filter(due <= as_of_utc.astimezone(dt.UTC))
    keys = [] if by is None else [by.key]
    counts = [
        pl.len().alias("observed"),
        *((pl.col("status") == s).sum().alias(s) for s in ("early", "on_time", "late")),
        pl.col("deviation_s").mean().alias("mean_deviation_s"),
    ]
    if keys:
        observed = adh.group_by(keys).agg(counts)
        scheduled = timed.group_by(keys).agg(pl.len().alias("scheduled"))
        table = scheduled.join(observed, on=keys, how="full", coalesce=True)
    else:
        table = adh.select(counts).with_columns(pl.lit(timed.height).alias("scheduled"))
    table = table.with_columns(
        pl.col(c).fill_null(0).cast(pl.Int64)
        for c in ("scheduled", "observed", "early", "on_time", "late")
    )
    seen = pl.col("observed")
    shares = [
        pl.when(seen > 0).then(pl.col(s) / seen).otherwise(None).alias(f"{s}_share")
        for s in ("early", "on_time", "late")
    ]
    table = table.with_columns(
        *shares,
        pl.when(pl.col("scheduled") > 0)
        .then(seen / pl.col("scheduled"))
        .otherwise(None)
        .alias("completeness"),
    ).select(
        *keys,
        "scheduled",
        "observed",
        "early",
        "on_time",
        "late",
        "early_share",
        "on_time_share",
        "late_share",
        "completeness",
        "mean_deviation_s",
    )
    return table.sort(keys, nulls_last=True) if keys else table


SKIP_SCHEMA: dict[str, pl.DataType] = {
    **CALL_KEY_SCHEMA,
    "vehicle_id": pl.String(),
    "kind": pl.String(),
    "scheduled_utc": UTC_US,
    "at_utc": UTC_US,
}
"""`skipped_stops`' columns: `kind` "passed" (越站) or "missed" (甩站); `at_utc` the moment
a passing bus went by (null for a missed stop); `vehicle_id` for a missed stop the bus
seen next on the trip."""


def skipped_stops(events: pl.DataFrame, calls: pl.DataFrame) -> pl.DataFrame:
    """越站 (passed without stopping) and 甩站 (no event on a trip run past it): see the
    module's definitions. Rows in trip order (`SKIP_SCHEDULE`)."""
    on = ["service_date", "trip_id", "stop_sequence"]
    call_cols = calls.select(
        *on, "route_id", "direction_id", "stop_id", "scheduled_departure_utc"
    ).rename({"stop_id": "call_stop_id", "route_id": "call_route_id", "direction_id": "call_dir"})
    passed = (
        events.filter(~pl.col("stopped"))
        .join(call_cols, on=on, how="left")
        .with_columns(*_TIMETABLE_LINE)
        .select(
            *_ROW_KEY,
            pl.lit("passed").alias("kind"),
            pl.col("scheduled_departure_utc").alias("scheduled_utc"),
            pl.col("arrival_utc").alias("at_utc"),
        )
    )
    span = events.group_by("service_date", "trip_id").agg(
        pl.col("stop_sequence").min().alias("first_seen"),
        pl.col("stop_sequence").max().alias("last_seen"),
    )
    gaps = (
        calls.join(events.select(on).unique(), on=on, how="anti")
        .join(span, on=["service_date", "trip_id"], how="inner")
        .filter(
            (pl.col("stop_sequence") > pl.col("first_seen"))
            & (pl.col("stop_sequence") < pl.col("last_seen"))
        )
    )
    # The vehicle seen next on the trip after the missed call.
    seen_next = events.select(
        "service_date", "trip_id", pl.col("stop_sequence").alias("next_seq"), "vehicle_id"
    )
    missed = (
        gaps.join(seen_next, on=["service_date", "trip_id"], how="inner")
        .filter(pl.col("next_seq") > pl.col("stop_sequence"))
        .sort("next_seq", "vehicle_id")
        .group_by(on, maintain_order=True)
        .first()
        .select(
            *_ROW_KEY,
            pl.lit("missed").alias("kind"),
            pl.col("scheduled_departure_utc").alias("scheduled_utc"),
            pl.lit(None, UTC_US).alias("at_utc"),
        )
    )
    out = pl.concat([passed.cast(SKIP_SCHEMA), missed.cast(SKIP_SCHEMA)])  # type: ignore[arg-type]
    return out.sort("service_date", "trip_id", "stop_sequence", "vehicle_id")


def long_dwells(
    events: pl.DataFrame, calls: pl.DataFrame, threshold_s: float = DWELL_THRESHOLD_S
) -> pl.DataFrame:
    """滞站: stops where a bus dwelt more than `threshold_s` seconds beyond the planned
    dwell, away from the trip's first and last stop; longest excess first.

    Columns: service_date, route_id, direction_id, trip_id, stop_sequence, stop_id,
    vehicle_id, arrival_utc, departure_utc, dwell_s, planned_dwell_s, excess_s (seconds).
    An event whose trip is not in the timetable has planned dwell 0 and is kept.
    """
    on = ["service_date", "trip_id", "stop_sequence"]
    plan = calls.select(
        *on,
        pl.col("route_id").alias("call_route_id"),
        pl.col("direction_id").alias("call_dir"),
        "is_first",
        "is_last",
        _seconds(pl.col("scheduled_departure_utc") - pl.col("scheduled_arrival_utc"))
        .fill_null(0.0)
        .alias("planned_dwell_s"),
    )
    return (
        events.filter(pl.col("stopped"))
        .join(plan, on=on, how="left")
        .filter(~pl.col("is_first").fill_null(False) & ~pl.col("is_last").fill_null(False))
        .with_columns(
            _seconds(pl.col("departure_utc") - pl.col("arrival_utc")).alias("dwell_s"),
            pl.col("planned_dwell_s").fill_null(0.0),
        )
        .with_columns((pl.col("dwell_s") - pl.col("planned_dwell_s")).alias("excess_s"))
        .filter(pl.col("excess_s") > threshold_s)
        .with_columns(*_TIMETABLE_LINE)
        .select(
            *_ROW_KEY,
            "arrival_utc",
            "departure_utc",
            "dwell_s",
            "planned_dwell_s",
            "excess_s",
        )
        .sort(["excess_s", "trip_id", "stop_sequence"], descending=[True, False, False])
    )


@dataclass(frozen=True, slots=True)
class CrowdingReport:
    """满载率 of a day: per trip its max-load section, per line the peak and overloads.

    `available` False (with `note` NO_COUNTER and empty frames) when there were no loads.
    by_trip: route_id, direction_id, trip_id, stop_sequence and stop_id of the max-load
    section, onboard, capacity, load_factor, hour. by_line: route_id, trips,
    mean_max_load_factor, peak_load_factor, peak_hour, overloaded (trips whose max-load
    section is above `OVERLOAD`).
    """

    available: bool
    note: str | None = None
    by_trip: pl.DataFrame = field(default_factory=pl.DataFrame)
    by_line: pl.DataFrame = field(default_factory=pl.DataFrame)


def crowding(
    loads: pl.DataFrame | None, calls: pl.DataFrame, overload: float = OVERLOAD
) -> CrowdingReport:
    """满载率 from a passenger counter's section loads (`LOAD_SCHEMA`), or "no
    passenger-counter data" when `loads` is None. Sections with no capacity are left out.

    Raises ValueError naming the columns `loads` lacks.
    """
    if loads is None:
        return CrowdingReport(available=False, note=NO_COUNTER)
    missing = [c for c in LOAD_SCHEMA if c not in loads.columns]
    if missing:
        raise ValueError(f"section loads lack the columns: {', '.join(missing)}")
    sections = (
        loads.select(list(LOAD_SCHEMA))
        .cast(LOAD_SCHEMA)  # type: ignore[arg-type]
        .filter(pl.col("capacity") > 0)
        .with_columns((pl.col("onboard") / pl.col("capacity")).alias("load_factor"))
        .join(
            calls.select("trip_id", "stop_sequence", "route_id", "direction_id", "stop_id", "hour"),
            on=["trip_id", "stop_sequence"],
            how="left",
        )
    )
    by_trip = (
        sections.sort(["load_factor", "stop_sequence"], descending=[True, False])
        .group_by("trip_id", maintain_order=True)
        .first()
        .select(
            "route_id",
            "direction_id",
            "trip_id",
            "stop_sequence",
            "stop_id",
            "onboard",
            "capacity",
            "load_factor",
            "hour",
        )
        .sort("route_id", "trip_id", nulls_last=True)
    )
    by_line = (
        by_trip.sort("load_factor", descending=True)
        .group_by("route_id", maintain_order=True)
        .agg(
            pl.len().alias("trips"),
            pl.col("load_factor").mean().alias("mean_max_load_factor"),
            pl.col("load_factor").first().alias("peak_load_factor"),
            pl.col("hour").first().alias("peak_hour"),
            (pl.col("load_factor") > overload).sum().cast(pl.Int64).alias("overloaded"),
        )
        .sort("route_id", nulls_last=True)
    )
    return CrowdingReport(available=True, by_trip=by_trip, by_line=by_line)


def band_of(horizon_s: pl.Expr) -> pl.Expr:
    """The label of the horizon band `horizon_s` (seconds) falls in, null outside 0–30 min."""
    out: pl.Expr = pl.lit(None, pl.String())
    for i, b in reversed(list(enumerate(HORIZON_BANDS))):
        last = i == len(HORIZON_BANDS) - 1
        inside = (horizon_s >= b.lo_s) & ((horizon_s <= b.hi_s) if last else (horizon_s < b.hi_s))
        out = pl.when(inside).then(pl.lit(b.label)).otherwise(out)
    return out


def prediction_errors(predictions: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """Each prediction in a horizon band, matched to the arrival it predicted.

    `predictions` has vehicle_id, trip_id, stop_sequence, method, made_utc, predicted_utc
    (the reader's frame; route_id taken from it when there, else from the events). Matched
    on (trip_id, stop_sequence, vehicle_id) to an event arriving 0 to `RECENT_MADE_S`
    seconds after the prediction was made. Columns: method, route_id, trip_id,
    stop_sequence, stop_id, vehicle_id, made_utc, predicted_utc, actual_utc, horizon_s
    (predicted − made), error_s (predicted − actual), band, accurate (MBTA's window).
    """
    actual = events.select(
        "trip_id",
        "stop_sequence",
        "vehicle_id",
        "route_id",
        "stop_id",
        pl.col("arrival_utc").alias("actual_utc"),
    )
    preds = predictions.select(
        "trip_id", "stop_sequence", "vehicle_id", "method", "made_utc", "predicted_utc"
    )
    j = (
        preds.join(actual, on=["trip_id", "stop_sequence", "vehicle_id"], how="inner")
        .with_columns(
            _seconds(pl.col("predicted_utc") - pl.col("made_utc")).alias("horizon_s"),
            _seconds(pl.col("predicted_utc") - pl.col("actual_utc")).alias("error_s"),
            _seconds(pl.col("actual_utc") - pl.col("made_utc")).alias("_lead_s"),
        )
        .filter((pl.col("_lead_s") >= 0) & (pl.col("_lead_s") <= RECENT_MADE_S))
        .with_columns(band_of(pl.col("horizon_s")).alias("band"))
        .filter(pl.col("band").is_not_null())
    )
    accurate: pl.Expr = pl.lit(False)
    for b in HORIZON_BANDS:
        inside = (pl.col("error_s") >= -b.late_s) & (pl.col("error_s") <= b.early_s)
        accurate = pl.when(pl.col("band") == b.label).then(inside).otherwise(accurate)
    return j.with_columns(accurate.alias("accurate")).select(
        "method",
        "route_id",
        "trip_id",
        "stop_sequence",
        "stop_id",
        "vehicle_id",
        "made_utc",
        "predicted_utc",
        "actual_utc",
        "horizon_s",
        "error_s",
        "band",
        "accurate",
    )


def prediction_accuracy(predictions: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """Accuracy per method and horizon band (bands in order, methods by name).

    Columns: method, band, n, mae_s, bias_s (mean error, predicted − actual), p10_s,
    p50_s, p90_s (error percentiles), accurate (count), accurate_share.
    """
    return accuracy_of(prediction_errors(predictions, events))


def accuracy_of_counts(counts: pl.DataFrame) -> pl.DataFrame:
    """`prediction_accuracy`'s table from counted errors (method, band, error_s in whole
    seconds, n: as the store counts them, `RealtimeHistory.prediction_error_counts`):
    the same figures with errors to the second, percentiles the nearest rank."""
    windows = pl.DataFrame(
        {
            "band": [b.label for b in HORIZON_BANDS],
            "_order": list(range(len(HORIZON_BANDS))),
            "_early": [b.early_s for b in HORIZON_BANDS],
            "_late": [b.late_s for b in HORIZON_BANDS],
        }
    )
    c = (
        counts.group_by("method", "band", "error_s")
        .agg(pl.col("n").sum())
        .join(windows, on="band")
        .sort("method", "_order", "error_s")
    )
    e, n = pl.col("error_s").cast(pl.Float64), pl.col("n")
    within = (e >= -pl.col("_late")) & (e <= pl.col("_early"))
    c = c.with_columns(
        (n.cum_sum().over("method", "band") / n.sum().over("method", "band")).alias("_upto")
    )

    def rank(q: float) -> pl.Expr:
        return e.filter(pl.col("_upto") >= q - 1e-12).first()

    return (
        c.group_by("method", "band", "_order")
        .agg(
            n.sum().alias("n"),
            ((e.abs() * n).sum() / n.sum()).alias("mae_s"),
            ((e * n).sum() / n.sum()).alias("bias_s"),
            rank(0.1).alias("p10_s"),
            rank(0.5).alias("p50_s"),
            rank(0.9).alias("p90_s"),
            n.filter(within).sum().cast(pl.Int64).alias("accurate"),
        )
        .with_columns(
            pl.col("n").cast(pl.Int64),
            (pl.col("accurate") / pl.col("n")).alias("accurate_share"),
        )
        .sort("method", "_order")
        .drop("_order")
    )


def accuracy_of(errors: pl.DataFrame) -> pl.DataFrame:
    """`prediction_accuracy`'s table from scored predictions (method, band, error_s and
    accurate, as `prediction_errors` gives them)."""
    order = pl.DataFrame(
        {"band": [b.label for b in HORIZON_BANDS], "_order": list(range(len(HORIZON_BANDS)))}
    )
    e = pl.col("error_s")
    return (
        errors.group_by("method", "band")
        .agg(
            pl.len().alias("n"),
            e.abs().mean().alias("mae_s"),
            e.mean().alias("bias_s"),
            e.quantile(0.1, "linear").alias("p10_s"),
            e.quantile(0.5, "linear").alias("p50_s"),
            e.quantile(0.9, "linear").alias("p90_s"),
            pl.col("accurate").sum().cast(pl.Int64).alias("accurate"),
        )
        .with_columns((pl.col("accurate") / pl.col("n")).alias("accurate_share"))
        .join(order, on="band")
        .sort("method", "_order")
        .drop("_order")
    )
