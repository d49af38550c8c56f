"""Load a feed: read every file, parse it by the schema, run every rule.

The result is the typed feed and what the rules found. Nothing here writes anywhere;
the importer decides what to do with errors (refuse, or drop bad rows).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import polars as pl

from busbrain.domain.notices import Severity
from busbrain.gtfs.feed import GtfsFeed
from busbrain.gtfs.findings import Findings
from busbrain.gtfs.reader import ROW, FeedSource, open_raw_table
from busbrain.gtfs.rules import (
    block_overlap,
    duplicate_key,
    field_format,
    foreign_key,
    required_files,
    route_names,
    shape_distance,
    stop_location,
    stop_time_order,
)
from busbrain.gtfs.schema import BY_NAME

RULES: tuple[ModuleType, ...] = (
    required_files,
    duplicate_key,
    foreign_key,
    stop_location,
    route_names,
    stop_time_order,
    shape_distance,
    block_overlap,
)

OnStep = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def read_feed(path: Path, findings: Findings, on_step: OnStep = _quiet) -> GtfsFeed:
    """Read and parse every file of the feed at `path` (zip or folder)."""
    feed = GtfsFeed()
    with FeedSource(path) as source:
        for name in source.names():
            table = BY_NAME.get(name)
            if table is None:
                if name.endswith(".txt"):
                    feed.extra_files[name] = source.read_bytes(name)
                continue
            on_step(f"reading {name}")
            raw = open_raw_table(source, name, field_format.native_types(table))
            typed = field_format.parse_table(raw, table, findings)
            if typed is not None:
                feed.tables[name] = typed
    return feed


def run_rules(
    feed: GtfsFeed,
    findings: Findings,
    on_step: OnStep = _quiet,
    rules: tuple[ModuleType, ...] = RULES,
) -> None:
    """Run every rule; a rule that crashes becomes a system notice, the others go on."""
    for rule in rules:
        name = rule.__name__.rsplit(".", 1)[-1]
        on_step(f"checking {name}")
        try:
            rule.check(feed, findings)
        except Exception as exc:  # a bug in a rule must not stop the check
            findings.report(
                code="rule_crashed",
                severity=Severity.ERROR,
                message=f"rule {name} failed: {type(exc).__name__}: {exc}",
            )


def load_feed(path: Path, on_step: OnStep = _quiet) -> tuple[GtfsFeed, Findings]:
    findings = Findings()
    feed = read_feed(path, findings, on_step)
    run_rules(feed, findings, on_step)
    return feed, findings


def drop_bad_rows(feed: GtfsFeed, findings: Findings) -> dict[str, int]:
    """Drop every row with an ERROR notice, then rows left dangling by the drop.

    Returns how many rows were dropped per file. Dangling references (a stop time of a
    dropped trip, a trip of a dropped route) are found by re-running the foreign-key
    rule until nothing changes.
    """
    dropped: dict[str, int] = {}
    bad = findings.bad_rows
    for _ in range(5):
        if not bad:
            break
        for name, rows in bad.items():
            frame = feed.tables.get(name)
            if frame is None:
                continue
            kept = frame.filter(~pl.col(ROW).is_in(list(rows)))
            dropped[name] = dropped.get(name, 0) + frame.height - kept.height
            feed.tables[name] = kept
        again = Findings()
        foreign_key.check(feed, again)
        bad = again.bad_rows
    return dropped
