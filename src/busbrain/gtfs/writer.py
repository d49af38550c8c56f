"""Write a typed feed (frames with GTFS field names) as GTFS text, to a .zip or a folder.

Values are formatted by the schema: times as HH:MM:SS (hours may pass 24), dates as
YYYYMMDD. Optional columns that are empty in every row are left out. Big files can be
given as a stream of frames and are written chunk by chunk, so an export of millions of
stop times needs memory for one chunk only. A zip is written under a temporary name and
renamed, so a failed export never leaves half a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import polars as pl

from busbrain.gtfs.atomic_zip import atomic_zip, member
from busbrain.gtfs.schema import BY_NAME, Kind


@dataclass(frozen=True)
class FrameStream:
    """A file given as chunks, with the columns to write decided up front."""

    columns: Sequence[str]
    chunks: Iterable[pl.DataFrame]


def _time_text(col: str) -> pl.Expr:
    s = pl.col(col)
    return pl.format(
        "{}:{}:{}",
        (s // 3600).cast(pl.String).str.zfill(2),
        ((s % 3600) // 60).cast(pl.String).str.zfill(2),
        (s % 60).cast(pl.String).str.zfill(2),
    )


def columns_to_write(name: str, present: Iterable[str]) -> list[str]:
    """The schema's fields of file `name` that are in `present`, in schema order."""
    table = BY_NAME.get(name)
    given = list(present)
    if table is None:
        return given
    have = set(given)
    return [f.name for f in table.fields if f.name in have]


def _formatted(name: str, frame: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    table = BY_NAME.get(name)
    cols: list[pl.Expr] = []
    for c in columns:
        field = table.field(c) if table else None
        if c not in frame.columns:
            cols.append(pl.lit(None, dtype=pl.String).alias(c))
        elif field is not None and field.kind is Kind.TIME:
            cols.append(_time_text(c).alias(c))
        elif field is not None and field.kind is Kind.DATE:
            cols.append(pl.col(c).dt.strftime("%Y%m%d").alias(c))
        else:
            cols.append(pl.col(c))
    return frame.select(cols)


def _filled(name: str, frame: pl.DataFrame) -> list[str]:
    table = BY_NAME.get(name)
    keep = [
        c
        for c in frame.columns
        if frame[c].null_count() < frame.height
        or (table is not None and (f := table.field(c)) is not None and f.required)
    ]
    return columns_to_write(name, keep)


def _write_csv(
    fh: IO[bytes], name: str, chunks: Iterable[pl.DataFrame], columns: Sequence[str]
) -> None:
    fh.write((",".join(columns) + "\n").encode())
    for chunk in chunks:
        if chunk.height:
            body = _formatted(name, chunk, columns).write_csv(
                include_header=False, null_value="", line_terminator="\n"
            )
            fh.write(body.encode("utf-8"))


def write_feed(
    files: Mapping[str, pl.DataFrame],
    extra: Mapping[str, bytes],
    out: Path,
    streams: Mapping[str, FrameStream] | None = None,
) -> Path:
    """Write `files` ({"stops.txt": frame}), `streams` and verbatim `extra` files to `out`."""
    out = Path(out)
    parts: dict[str, FrameStream] = {
        name: FrameStream(_filled(name, frame), [frame]) for name, frame in files.items()
    }
    parts.update(streams or {})
    if out.suffix.lower() == ".zip":
        with atomic_zip(out) as zf:
            for name, part in parts.items():
                with zf.open(member(name), "w", force_zip64=True) as fh:
                    _write_csv(fh, name, part.chunks, part.columns)
            for name, data in extra.items():
                zf.writestr(member(name), data)
        return out
    out.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        for name, part in parts.items():
            fh = stack.enter_context((out / name).open("wb"))
            _write_csv(fh, name, part.chunks, part.columns)
    for name, data in extra.items():
        (out / name).write_bytes(data)
    return out
