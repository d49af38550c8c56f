"""Write a GTFS feed given as plain rows, to a .zip file or a folder.

For generators (the demo city, converters of Chinese line data) that build a feed row
by row. Columns are the union of the rows' keys in first-seen order; a missing value is
written empty. The write is atomic: a zip goes to a temporary name first, then is
renamed, so a crash never leaves half a feed under the final name.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

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
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out.parent, suffix=".zip.part")
        os.close(fd)
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
                for name, rows in tables.items():
                    # A fixed timestamp: the same tables give a byte-identical zip.
                    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_DEFLATED
                    zf.writestr(info, _csv_text(rows))
            os.replace(tmp, out)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return out
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        (out / name).write_text(_csv_text(rows), encoding="utf-8")
    return out
