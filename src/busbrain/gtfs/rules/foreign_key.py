"""Foreign keys: a reference to another file must name a row that exists.

Notices:
- foreign_key_violation (ERROR): e.g. a trip's route_id not in routes.txt, a stop time's
  stop_id not in stops.txt, a trip's service_id in neither calendar file.
"""

from __future__ import annotations

import polars as pl

from busbrain.domain.notices import Severity
from busbrain.gtfs.feed import GtfsFeed
from busbrain.gtfs.findings import Findings

# (child file, child field, parent files, parent field)
REFERENCES: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("routes.txt", "agency_id", ("agency.txt",), "agency_id"),
    ("trips.txt", "route_id", ("routes.txt",), "route_id"),
    ("trips.txt", "service_id", ("calendar.txt", "calendar_dates.txt"), "service_id"),
    ("trips.txt", "shape_id", ("shapes.txt",), "shape_id"),
    ("stop_times.txt", "trip_id", ("trips.txt",), "trip_id"),
    ("stop_times.txt", "stop_id", ("stops.txt",), "stop_id"),
    ("stops.txt", "parent_station", ("stops.txt",), "stop_id"),
    ("frequencies.txt", "trip_id", ("trips.txt",), "trip_id"),
)


def _parent_keys(feed: GtfsFeed, files: tuple[str, ...], field: str) -> pl.Series | None:
    parts = [f[field] for name in files if (f := feed.get(name)) is not None and field in f.columns]
    if not parts:
        return None
    return pl.concat(parts).unique()


def check(feed: GtfsFeed, findings: Findings) -> None:
    for child, field, parents, parent_field in REFERENCES:
        frame = feed.get(child)
        if frame is None or field not in frame.columns:
            continue
        keys = _parent_keys(feed, parents, parent_field)
        refs = frame.filter(pl.col(field).is_not_null())
        bad = refs if keys is None else refs.filter(~pl.col(field).is_in(keys.implode()))
        findings.report_rows(
            code="foreign_key_violation",
            severity=Severity.ERROR,
            message=f"{field} not found in {' or '.join(parents)}",
            file=child,
            rows=bad,
            field=field,
        )
