"""Write a typed feed (frames with GTFS field names) as GTFS text, to a .zip or a folder.

Values are formatted by the schema: times as HH:MM:SS (hours may pass 24), dates as
YYYYMMDD. Optional columns that are empty in every row are left out. A zip is written
under a temporary name and renamed, so a failed export never leaves half a file.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from busbrain.gtfs.schema import BY_NAME, Kind, Table


def _time_text(col: str) -> pl.Expr:
    s = pl.col(col)
    return pl.format(
        "{}:{}:{}",
        (s // 3600).cast(pl.String).str.zfill(2),
        ((s % 3600) // 60).cast(pl.String).str.zfill(2),
        (s % 60).cast(pl.String).str.zfill(2),
    )


def _formatted(frame: pl.DataFrame, table: Table) -> pl.DataFrame:
    cols: list[pl.Expr] = []
    for f in table.fields:
        if f.name not in frame.columns:
            continue
        if not f.required and frame[f.name].null_count() == frame.height:
            continue
        if f.kind is Kind.TIME:
            cols.append(_time_text(f.name).alias(f.name))
        elif f.kind is Kind.DATE:
            cols.append(pl.col(f.name).dt.strftime("%Y%m%d").alias(f.name))
        else:
            cols.append(pl.col(f.name))
    return frame.select(cols)


def feed_csv(name: str, frame: pl.DataFrame) -> bytes:
    """The CSV text of one file."""
    table = BY_NAME.get(name)
    out = _formatted(frame, table) if table is not None else frame
    return out.write_csv(null_value="", line_terminator="\n").encode("utf-8")


def write_feed(files: Mapping[str, pl.DataFrame], extra: Mapping[str, bytes], out: Path) -> Path:
    """Write `files` ({"stops.txt": frame}) and verbatim `extra` files to `out`."""
    out = Path(out)
    if out.suffix.lower() == ".zip":
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out.parent, suffix=".zip.part")
        os.close(fd)
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
                for name, frame in files.items():
                    zf.writestr(name, feed_csv(name, frame))
                for name, data in extra.items():
                    zf.writestr(name, data)
            os.replace(tmp, out)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return out
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in files.items():
        (out / name).write_bytes(feed_csv(name, frame))
    for name, data in extra.items():
        (out / name).write_bytes(data)
    return out
