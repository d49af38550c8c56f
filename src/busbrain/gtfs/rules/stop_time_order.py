"""Stop time order: times along a trip never go back, and every trip has a start and end time.

Notices:
- stop_time_with_only_arrival_or_departure_time (ERROR): one of the pair is missing.
- stop_time_with_departure_before_arrival_time (ERROR): departs before it arrives.
- stop_time_with_arrival_before_previous_departure_time (ERROR): time goes back along the trip.
- missing_trip_edge (ERROR): the first or last stop of a trip has no times.
- unusable_trip (WARNING): a trip with fewer than two stop times; it is not imported.
"""

from __future__ import annotations

import polars as pl

from busbrain.domain.notices import Severity
from busbrain.gtfs.feed import GtfsFeed
from busbrain.gtfs.findings import Findings

FILE = "stop_times.txt"


def check(feed: GtfsFeed, findings: Findings) -> None:
    st = feed.get(FILE)
    if st is None or not {"arrival_time", "departure_time"} <= set(st.columns):
        return
    arr, dep = pl.col("arrival_time"), pl.col("departure_time")
    findings.report_rows(
        code="stop_time_with_only_arrival_or_departure_time",
        severity=Severity.ERROR,
        message="arrival_time and departure_time must both be given or both be empty",
        file=FILE,
        rows=st.filter(arr.is_null() != dep.is_null()),
    )
    findings.report_rows(
        code="stop_time_with_departure_before_arrival_time",
        severity=Severity.ERROR,
        message="departure_time is before arrival_time",
        file=FILE,
        rows=st.filter(dep < arr),
        field="departure_time",
    )
    ordered = st.select("__row", "trip_id", "stop_sequence", "arrival_time", "departure_time").sort(
        "trip_id", "stop_sequence"
    )
    prev_dep = dep.forward_fill().shift(1).over("trip_id")
    findings.report_rows(
        code="stop_time_with_arrival_before_previous_departure_time",
        severity=Severity.ERROR,
        message="arrival_time is before the previous stop's departure_time",
        file=FILE,
        rows=ordered.filter(arr < prev_dep),
        field="arrival_time",
    )
    edges = ordered.with_columns(
        first=pl.col("stop_sequence") == pl.col("stop_sequence").min().over("trip_id"),
        last=pl.col("stop_sequence") == pl.col("stop_sequence").max().over("trip_id"),
    )
    findings.report_rows(
        code="missing_trip_edge",
        severity=Severity.ERROR,
        message="the first and last stop of a trip must have times",
        file=FILE,
        rows=edges.filter((pl.col("first") | pl.col("last")) & arr.is_null()),
    )
    _unusable(feed, st, findings)


def _unusable(feed: GtfsFeed, st: pl.DataFrame, findings: Findings) -> None:
    trips = feed.get("trips.txt")
    if trips is None:
        return
    counts = st.group_by("trip_id").len()
    few = trips.join(counts, on="trip_id", how="left").filter(pl.col("len").fill_null(0) < 2)
    findings.report_rows(
        code="unusable_trip",
        severity=Severity.WARNING,
        message="trip has fewer than two stop times and is not imported",
        file="trips.txt",
        rows=few,
        field="trip_id",
    )
