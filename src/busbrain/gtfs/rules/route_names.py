"""Route names: a route needs a short or a long name for passengers to know it.

Notices:
- route_both_short_and_long_name_missing (ERROR): neither name is given.
- mixed_case_recommended_field (INFO): not checked here; Chinese names have no case.
"""

from __future__ import annotations

import polars as pl

from busbrain.domain.notices import Severity
from busbrain.gtfs.feed import GtfsFeed
from busbrain.gtfs.findings import Findings

FILE = "routes.txt"


def check(feed: GtfsFeed, findings: Findings) -> None:
    routes = feed.get(FILE)
    if routes is None:
        return
    short = pl.col("route_short_name") if "route_short_name" in routes.columns else pl.lit(None)
    long_ = pl.col("route_long_name") if "route_long_name" in routes.columns else pl.lit(None)
    findings.report_rows(
        code="route_both_short_and_long_name_missing",
        severity=Severity.ERROR,
        message="route_short_name or route_long_name must be given",
        file=FILE,
        rows=routes.filter(short.is_null() & long_.is_null()),
        field="route_id",
    )
