"""Block overlap: one vehicle cannot run two trips at once.

Notices:
- block_trips_with_overlapping_stop_times (WARNING): two trips of the same block and
  service overlap in time (checked within one service_id; trips of different services
  may share a block id on different days).
"""

from __future__ import annotations

import polars as pl

from busbrain.domain.notices import Severity
from busbrain.gtfs.feed import GtfsFeed
from busbrain.gtfs.findings import Findings


def check(feed: GtfsFeed, findings: Findings) -> None:
    trips, st = feed.get("trips.txt"), feed.get("stop_times.txt")
    if trips is None or st is None or "block_id" not in trips.columns:
        return
    if "departure_time" not in st.columns:
        return
    spans = st.group_by("trip_id").agg(
        start=pl.col("departure_time").min(), end=pl.col("arrival_time").max()
    )
    blocks = (
        trips.filter(pl.col("block_id").is_not_null())
        .select("__row", "trip_id", "block_id", "service_id")
        .join(spans, on="trip_id")
        .sort("block_id", "service_id", "start")
        .with_columns(prev_end=pl.col("end").shift(1).over("block_id", "service_id"))
    )
    findings.report_rows(
        code="block_trips_with_overlapping_stop_times",
        severity=Severity.WARNING,
        message="trip starts before the previous trip of its block ends",
        file="trips.txt",
        rows=blocks.filter(pl.col("start") < pl.col("prev_end")),
        field="block_id",
    )
