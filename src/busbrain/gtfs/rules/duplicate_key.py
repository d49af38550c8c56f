"""Duplicate keys: ids (and composite keys) must be unique within their file.

Notices:
- duplicate_key (ERROR): a row repeats the key of an earlier row; the first row is kept.
"""

from __future__ import annotations

import polars as pl

from busbrain.domain.notices import Severity
from busbrain.gtfs.feed import GtfsFeed
from busbrain.gtfs.findings import Findings
from busbrain.gtfs.schema import TABLES


def check(feed: GtfsFeed, findings: Findings) -> None:
    for table in TABLES:
        frame = feed.get(table.name)
        if frame is None or not table.key or not all(k in frame.columns for k in table.key):
            continue
        key = list(table.key)
        dupes = _duplicates(frame, key)
        if dupes.height:
            shown = dupes.with_columns(
                pl.concat_str([pl.col(k).cast(pl.String) for k in key], separator=",").alias("key")
            )
            findings.report_rows(
                code="duplicate_key",
                severity=Severity.ERROR,
                message=f"({', '.join(key)}) repeats an earlier row",
                file=table.name,
                rows=shown,
                field="key",
            )


def _duplicates(frame: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """Rows whose key equals an earlier row's.

    Hashing the key first keeps memory small on millions of rows; rows whose hash
    repeats are then compared exactly, so a hash collision is never reported.
    """
    complete = pl.all_horizontal(pl.col(k).is_not_null() for k in key)
    h = pl.col(key[0]).hash(seed=0)
    for i, k in enumerate(key[1:], start=1):
        h = h ^ pl.col(k).hash(seed=i)
    hashed = frame.select(pl.col("__row"), h.alias("h"), complete.alias("ok"))
    suspects = hashed.filter(pl.col("ok") & pl.col("h").is_duplicated())
    if suspects.height == 0:
        return frame.head(0)
    rows = frame.join(suspects.select("__row"), on="__row", how="semi").sort("__row")
    return rows.filter(pl.struct(key).is_first_distinct().not_())
