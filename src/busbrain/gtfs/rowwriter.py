"""Write a GTFS feed given as plain rows, to a .zip file or a folder.

For generators (the demo city, converters of Chinese line data) that build a feed row
by row. Columns are the union of the rows' keys in first-seen order; a missing value is
written empty. The write is atomic: a zip goes to a temporary name first, then is
renamed, so a crash never leaves half a feed under the final name.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

from busbrain.gtfs.atomic_zip import atomic_zip, member

Rows = Sequence[Mapping[str, object]]


def _csv_text(rows: Rows) -> str:
    columns: dict[str, None] = {}
    for row in rows:
        for key in row:
            columns.setdefault(key, None)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return buf.getvalue()


def write_rows_feed(tables: Mapping[str, Rows], out: Path) -> Path:
    """Write `tables` ({"stops.txt": rows, ...}) to `out` (a path ending .zip, or a folder)."""
    out = Path(out)
    if out.suffix.lower() == ".zip":
        with atomic_zip(out) as zf:
            for name, rows in tables.items():
                zf.writestr(member(name), _csv_text(rows))
        return out
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        (out / name).write_text(_csv_text(rows), encoding="utf-8")
    return out
