"""What the live side learns from the store's history when a service day begins: the
medians of realtime.learnt (running times per segment and half hour, dwells per stop,
whole-day and per half hour)
from the stop events of past days of the same kind."""

from __future__ import annotations

import datetime as dt
import logging
import time

import polars as pl

from busbrain.realtime.learnt import BAND_S, BANDS, Learnt, same_kind
from busbrain.store.ports import RealtimeHistory

log = logging.getLogger(__name__)
MIN_RUNS = 3
"""A segment's band needs this many runs to be believed (else: its other bands, or the
timetable)."""
EVENT_COLUMNS = (
    "day", "trip_id", "vehicle_id", "stop_sequence", "stop_id", "arrival", "departure"
)  # fmt: skip
"""What `learn` reads: one row per stop event; `day` tells runs of different days apart
(any value), `arrival`/`departure` are unix seconds."""

SHRINK_RUNS = 10
"""A band's own median counts as much as the shaped whole-day median once it rests on
this many runs (a half-hour median of 10 runs has about a third of one run's noise)."""
LOOK_BACK_DAYS = 14
"""Days of history looked at (the weekdays of two weeks, or two Saturdays or Sundays):
recent enough to follow roadworks and seasons, enough runs per half hour."""


def learnt_for(history: RealtimeHistory, day: dt.date, tz: dt.tzinfo) -> Learnt | None:
    """Running times and dwells learnt from the stop events of the last
    `LOOK_BACK_DAYS` days of `day`'s kind; None when there are none (a new system)."""
    t0 = time.perf_counter()
    frames = [
        history.stop_events(d, d)
        for k in range(1, LOOK_BACK_DAYS + 1)
        if same_kind(d := day - dt.timedelta(days=k), day)
    ]
    events = pl.concat([from_store_frame(f) for f in frames])
    if events.is_empty():
        return None
    got = learn(events, tz)
    log.info(
        "learnt %d segments from %d runs of %d past days in %.1f s",
        len(got.runs), got.run_count, got.days, time.perf_counter() - t0,
    )  # fmt: skip
    return got


def learn(events: pl.DataFrame, tz: dt.tzinfo) -> Learnt:
    """Medians of the runs between consecutive stops of each trip run (same day, trip
    and bus; a stop missing in between breaks the run) by the band of leaving, and of
    the dwells at stops (a bus that passed without stopping has none to count)."""
    if events.is_empty():
        return Learnt({}, {}, 0, 0)
    offset = _utc_offset_s(tz, events["arrival"].median())
    e = events.select(*EVENT_COLUMNS).sort("day", "trip_id", "vehicle_id", "stop_sequence")
    run = e.with_columns(
        pl.col("stop_id").shift().over("day", "trip_id", "vehicle_id").alias("from_stop"),
        pl.col("departure").shift().over("day", "trip_id", "vehicle_id").alias("left"),
        pl.col("stop_sequence").shift().over("day", "trip_id", "vehicle_id").alias("prev_seq"),
    ).filter(
        pl.col("from_stop").is_not_null()
        & (pl.col("arrival") > pl.col("left"))
        & (pl.col("stop_sequence") - pl.col("prev_seq") == 1)
    )
    run = run.with_columns(
        _band(pl.col("left"), offset),
        (pl.col("arrival") - pl.col("left")).alias("run_s"),
    )
    runs = {(a, b): v for (a, b), v in _shrunk(run, ["from_stop", "stop_id"], "run_s").items()}
    stood = e.with_columns(
        (pl.col("departure") - pl.col("arrival")).alias("dwell_s"),
        _band(pl.col("arrival"), offset),
    ).filter(pl.col("dwell_s") > 0)
    dwells = {
        stop: float(m)
        for stop, m, n in stood.group_by("stop_id")
        .agg(pl.col("dwell_s").median(), pl.len())
        .iter_rows()
        if n >= MIN_RUNS
    }
    bands = {stop: v for (stop,), v in _shrunk(stood, ["stop_id"], "dwell_s").items()}
    return Learnt(runs, dwells, int(e["day"].n_unique()), run.height, bands)


def _band(unix_s: pl.Expr, utc_offset_s: float) -> pl.Expr:
    """The half-hour band of local time of day of a unix-seconds column."""
    return (((unix_s + utc_offset_s) % 86400) // BAND_S).cast(pl.Int64).alias("band")


def _shrunk(
    frame: pl.DataFrame, keys: list[str], value: str
) -> dict[tuple[str, ...], list[float | None]]:
    """Per key (a segment's two stops, or a stop) and band, the median of `value`
    shrunk towards the key's whole-day median times the network's factor for the band
    (how much longer than its day every key's value runs then), by how many rows the
    band's own median rests on: a few runs in a half hour are mostly that day's noise,
    while the time-of-day shape is shared by all and is known from thousands of rows."""
    day = (
        frame.group_by(keys)
        .agg(pl.col(value).median().alias("day_median"), pl.len().alias("day_n"))
        .filter(pl.col("day_n") >= MIN_RUNS)
    )
    frame = frame.join(day, on=keys)
    factor = (
        frame.group_by("band")
        .agg((pl.col(value) / pl.col("day_median")).median().alias("factor"), pl.len())
        .filter(pl.col("len") >= MIN_RUNS)
    )
    by_band = (
        frame.group_by(*keys, "band")
        .agg(
            pl.col(value).median().alias("median"),
            pl.len().alias("n"),
            pl.col("day_median").first(),
        )
        .join(factor.select("band", "factor"), on="band", how="left")
        .with_columns(
            (pl.col("day_median") * pl.col("factor").fill_null(1.0)).alias("shaped"),
            (pl.col("n") / (pl.col("n") + SHRINK_RUNS)).alias("w"),
        )
        .with_columns(
            (pl.col("w") * pl.col("median") + (1 - pl.col("w")) * pl.col("shaped")).alias("est")
        )
    )
    factors: list[float | None] = [None] * BANDS
    for band, f in factor.select("band", "factor").iter_rows():
        factors[int(band)] = float(f)
    out: dict[tuple[str, ...], list[float | None]] = {}
    for *key, day_median in day.select(*keys, "day_median").iter_rows():
        out[tuple(key)] = [None if f is None else float(day_median) * f for f in factors]
    for *key, band, est in by_band.select(*keys, "band", "est").iter_rows():
        out[tuple(key)][int(band)] = float(est)
    return out


def from_store_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """`RealtimeHistory.stop_events`' frame as `learn` reads it."""
    return frame.select(
        pl.col("service_date").alias("day"),
        "trip_id",
        "vehicle_id",
        "stop_sequence",
        "stop_id",
        (pl.col("arrival_utc").dt.epoch("us") / 1e6).alias("arrival"),
        (pl.col("departure_utc").dt.epoch("us") / 1e6).alias("departure"),
    )


def _utc_offset_s(tz: dt.tzinfo, unix: object) -> float:
    t = float(unix) if isinstance(unix, int | float) else 0.0
    off = dt.datetime.fromtimestamp(t, tz).utcoffset()
    return 0.0 if off is None else off.total_seconds()
