"""A GTFS feed held as typed frames, one per file, as the rules and the store see it.

Column types: ids and texts are String, integers Int64, coordinates and distances
Float64, times of day Int32 seconds (may pass 86,400), dates Date. Every frame keeps
the reader's `__row` column so notices can name the file line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl


@dataclass
class GtfsFeed:
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    # Files busbrain does not model (fares, transfers, ...), kept verbatim for export.
    extra_files: dict[str, bytes] = field(default_factory=dict)

    def get(self, name: str) -> pl.DataFrame | None:
        return self.tables.get(name)

    def has(self, name: str) -> bool:
        return name in self.tables

    def height(self, name: str) -> int:
        frame = self.tables.get(name)
        return 0 if frame is None else frame.height
