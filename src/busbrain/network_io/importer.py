"""Import a GTFS feed into the store: check it, derive the network, swap it in.

A feed with errors is refused and the store left as it was, unless the caller asks to
skip bad rows: then every row with an error (and rows left dangling by dropping it) is
left out, and the rest is imported. Warnings never stop an import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from busbrain.domain.names import pinyin_of
from busbrain.domain.notices import Severity
from busbrain.gtfs.feed import GtfsFeed
from busbrain.gtfs.findings import Findings
from busbrain.gtfs.load import drop_bad_rows, load_feed
from busbrain.gtfs.patterns import NetworkFrames, build_network
from busbrain.gtfs.schema import TABLES
from busbrain.network_io.mapping import FILE_TABLES
from busbrain.store.ports import ImportRecord, NetworkRepository, NetworkRows, OnTable


@dataclass
class ImportOutcome:
    findings: Findings
    imported: bool
    dropped_rows: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def _usable(feed: GtfsFeed) -> bool:
    return all(feed.has(t.name) for t in TABLES if t.required)


def to_rows(feed: GtfsFeed, net: NetworkFrames) -> NetworkRows:
    """The store's rows for a checked feed and its derived network."""
    tables: dict[str, pl.DataFrame] = {}
    for name, (table, renames) in FILE_TABLES.items():
        frame = feed.get(name)
        if frame is not None:
            tables[table] = frame.drop("__row").rename(renames)
    if "agency_id" in tables["agency"].columns:
        tables["agency"] = tables["agency"].with_columns(pl.col("agency_id").fill_null(""))
    else:
        tables["agency"] = tables["agency"].with_columns(agency_id=pl.lit(""))
    stops = tables["stop"]
    tables["stop"] = stops.with_columns(
        pl.col("stop_name")
        .map_elements(pinyin_of, return_dtype=pl.String, skip_nulls=True)
        .alias("name_pinyin")
        if "stop_name" in stops.columns
        else pl.lit(None, dtype=pl.String).alias("name_pinyin")
    )
    tables["trip"] = tables["trip"].join(net.trip_patterns, on="trip_id", how="left")
    tables["pattern"] = net.patterns
    tables["pattern_stop"] = net.pattern_stops
    lengths = net.shape_points.group_by("shape_id").agg(pl.col("dist_m").max().alias("length_m"))
    tables["shape"] = net.shapes.join(lengths, on="shape_id", how="left").with_columns(
        pl.col("length_m").fill_null(0.0)
    )
    tables["shape_point"] = net.shape_points
    tables["extra_file"] = pl.DataFrame(
        {"name": list(feed.extra_files), "content": list(feed.extra_files.values())},
        schema={"name": pl.String, "content": pl.Binary},
    )
    return NetworkRows(tables)


def import_feed(
    path: Path,
    repo: NetworkRepository,
    *,
    now: dt.datetime,
    skip_bad_rows: bool = False,
    on_step: Callable[[str], None] | None = None,
    on_table: OnTable | None = None,
) -> ImportOutcome:
    """Check the feed at `path` and, if acceptable, replace the store's network with it."""
    step = on_step or (lambda _: None)
    feed, findings = load_feed(path, step)
    outcome = ImportOutcome(findings=findings, imported=False)
    if not _usable(feed) or (findings.notices.has_errors and not skip_bad_rows):
        return outcome
    if findings.notices.has_errors:
        outcome.dropped_rows = drop_bad_rows(feed, findings)
    step("deriving patterns and shapes")
    net = build_network(feed)
    rows = to_rows(feed, net)
    outcome.counts = {name: frame.height for name, frame in rows.tables.items()}
    step("writing to the store")
    record = ImportRecord(
        source=str(path),
        imported_at=now,
        skipped_rows=sum(outcome.dropped_rows.values()),
        warnings=findings.notices.count(Severity.WARNING),
    )
    repo.replace_network(rows, record, on_table)
    outcome.imported = True
    return outcome
