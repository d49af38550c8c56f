"""Stop location: stops and stations need a name and a position; parents must be stations.

Notices:
- missing_required_field (ERROR): a stop or station (location_type 0 or 1) without
  stop_name, stop_lat or stop_lon.
- wrong_parent_location_type (ERROR): a stop's parent_station is not a station
  (location_type 1), or a station has a parent.
- point_near_origin (WARNING): a position at (0, 0), almost always a placeholder.
"""

from __future__ import annotations

import polars as pl

from busbrain.domain.notices import Severity
from busbrain.gtfs.feed import GtfsFeed
from busbrain.gtfs.findings import Findings

FILE = "stops.txt"


def check(feed: GtfsFeed, findings: Findings) -> None:
    stops = feed.get(FILE)
    if stops is None:
        return
    if "location_type" not in stops.columns:
        stops = stops.with_columns(location_type=pl.lit(None, dtype=pl.Int64))
    kind = pl.col("location_type").fill_null(0)
    located = stops.filter(kind.is_in([0, 1]))
    for field in ("stop_name", "stop_lat", "stop_lon"):
        rows = located.filter(pl.col(field).is_null()) if field in stops.columns else located
        findings.report_rows(
            code="missing_required_field",
            severity=Severity.ERROR,
            message=f"{field!r} is required for stops and stations",
            file=FILE,
            rows=rows,
            field=field,
        )
    if {"stop_lat", "stop_lon"} <= set(stops.columns):
        findings.report_rows(
            code="point_near_origin",
            severity=Severity.WARNING,
            message="position is (0, 0)",
            file=FILE,
            rows=stops.filter((pl.col("stop_lat").abs() < 1) & (pl.col("stop_lon").abs() < 1)),
            field="stop_id",
        )
    _parents(stops, findings)


def _parents(stops: pl.DataFrame, findings: Findings) -> None:
    if "parent_station" not in stops.columns:
        return
    types = stops.select(
        pl.col("stop_id").alias("parent_station"),
        pl.col("location_type").fill_null(0).alias("parent_type"),
    )
    joined = stops.filter(pl.col("parent_station").is_not_null()).join(
        types, on="parent_station", how="inner"
    )
    kind = pl.col("location_type").fill_null(0)
    bad = joined.filter(
        ((kind == 0) & (pl.col("parent_type") != 1))
        | (kind == 1)
        | ((kind.is_in([2, 3])) & (pl.col("parent_type") != 1))
    )
    findings.report_rows(
        code="wrong_parent_location_type",
        severity=Severity.ERROR,
        message="parent_station must be a station (location_type 1); stations have no parent",
        file=FILE,
        rows=bad,
        field="parent_station",
    )
