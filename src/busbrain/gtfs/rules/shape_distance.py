"""Shape distance: shape_dist_traveled never decreases along a shape or a trip.

Notices:
- decreasing_shape_distance (ERROR): a shape point's distance is below the previous one's.
- decreasing_or_equal_stop_time_distance (ERROR): a stop time's distance is not above the
  previous stop's (GTFS requires strictly increasing).
"""

from __future__ import annotations

import polars as pl

from busbrain.domain.notices import Severity
from busbrain.gtfs.feed import GtfsFeed
from busbrain.gtfs.findings import Findings

DIST = "shape_dist_traveled"


def _previous(frame: pl.DataFrame, group: str, order: str) -> pl.DataFrame:
    return (
        frame.select("__row", group, order, DIST)
        .filter(pl.col(DIST).is_not_null())
        .sort(group, order)
        .with_columns(prev=pl.col(DIST).shift(1).over(group))
    )


def check(feed: GtfsFeed, findings: Findings) -> None:
    shapes = feed.get("shapes.txt")
    if shapes is not None and DIST in shapes.columns:
        rows = _previous(shapes, "shape_id", "shape_pt_sequence")
        findings.report_rows(
            code="decreasing_shape_distance",
            severity=Severity.ERROR,
            message="shape_dist_traveled is below the previous point's",
            file="shapes.txt",
            rows=rows.filter(pl.col(DIST) < pl.col("prev")),
            field=DIST,
        )
    st = feed.get("stop_times.txt")
    if st is not None and DIST in st.columns:
        rows = _previous(st, "trip_id", "stop_sequence")
        findings.report_rows(
            code="decreasing_or_equal_stop_time_distance",
            severity=Severity.ERROR,
            message="shape_dist_traveled is not above the previous stop's",
            file="stop_times.txt",
            rows=rows.filter(pl.col(DIST) <= pl.col("prev")),
            field=DIST,
        )
