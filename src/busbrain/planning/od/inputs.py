"""The inference's inputs from the stored records: stop events as `visits`, taps as the
inference reads them, and each service day's start. One place for the column mapping, so
`busbrain plan od` and the console's 数据分析 feed `infer_od` alike."""

from __future__ import annotations

import datetime as dt

import polars as pl

from busbrain.domain.gtfstime import service_day_start


def visits_of(events: pl.DataFrame) -> pl.DataFrame:
    """Stop events (the columns of `RealtimeHistory.stop_events`) as the planners'
    `visits` (unix seconds, seq); events of trips no longer in the network are left out."""
    return events.select(
        "service_date",
        "vehicle_id",
        "trip_id",
        "route_id",
        "direction_id",
        pl.col("stop_sequence").alias("seq"),
        "stop_id",
        (pl.col("arrival_utc").dt.epoch("us") / 1e6).alias("arr"),
        (pl.col("departure_utc").dt.epoch("us") / 1e6).alias("dep"),
        "stopped",
    ).filter(pl.col("route_id").is_not_null())


def tap_inputs(taps: pl.DataFrame) -> pl.DataFrame:
    """Stored taps (with a `tap_id`) as the inference reads them (unix seconds `t`)."""
    return taps.select(
        pl.col("tap_id").cast(pl.Int64),
        "service_date",
        (pl.col("tap_utc").dt.epoch("us") / 1e6).alias("t"),
        "vehicle_id",
        "card_hash",
        "channel",
    )


def day_starts(days: list[dt.date], tz: dt.tzinfo) -> pl.DataFrame:
    """Each service day's start (unix seconds) in the network's zone `tz`."""
    return pl.DataFrame(
        {"service_date": days, "day_start": [service_day_start(d, tz) for d in days]},
        schema={"service_date": pl.Date(), "day_start": pl.Float64()},
    )
