"""Open the files of a GTFS feed (a .zip or a folder) as lazy text tables.

Real feeds are messy: byte-order marks, spaces around header names and values, CRLF
line ends. Each table is scanned lazily with every column as text, so the parser can
type it in one streaming pass without holding the whole text in memory. A `__row`
column holds the 0-based data row index: the file line is `__row + 2`.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from busbrain.domain.errors import BadInputError

ROW = "__row"


@dataclass(frozen=True, slots=True)
class RawTable:
    """A lazily scanned file: columns named by the cleaned header, all text."""

    name: str
    scan: pl.LazyFrame
    header: tuple[str, ...]  # cleaned names, in file order
    original_header: tuple[str, ...]  # as written, for notices about spaces


class FeedSource:
    """The files of a feed, from a zip archive or a folder; use as a context manager.

    Zip members are extracted one at a time to a private temporary folder, removed on
    close, so that large files are scanned from disk rather than held in memory.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._zip: zipfile.ZipFile | None = None
        self._members: dict[str, str] = {}
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if not self.path.exists():
            raise BadInputError(f"{self.path}: no such file or folder")
        if self.path.is_dir():
            self._members = {p.name: p.name for p in self.path.iterdir() if p.is_file()}
            return
        try:
            self._zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise BadInputError(f"{self.path}: not a zip archive or a folder ({exc})") from exc
        for info in self._zip.infolist():
            if not info.is_dir():
                # Files inside one sub-folder are common; take the base name.
                self._members.setdefault(info.filename.rsplit("/", 1)[-1], info.filename)

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> FeedSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def names(self) -> list[str]:
        return sorted(self._members)

    def has(self, name: str) -> bool:
        return name in self._members

    def read_bytes(self, name: str) -> bytes:
        member = self._members[name]
        if self._zip is not None:
            return self._zip.read(member)
        return (self.path / member).read_bytes()

    def file_path(self, name: str) -> Path:
        """A path on disk holding the file's bytes (extracted for zips)."""
        member = self._members[name]
        if self._zip is None:
            return self.path / member
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="busbrain-gtfs-")
        out = Path(self._tmp.name) / name
        if not out.exists():
            try:
                with self._zip.open(member) as src, out.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise BadInputError(f"{name}: cannot be extracted ({exc})") from exc
        return out


def _header(path: Path) -> tuple[str, ...]:
    with path.open("rb") as fh:
        first = fh.readline()
    text = first.decode("utf-8", errors="replace").lstrip("\ufeff").rstrip("\r\n")
    if not text.strip():
        return ()
    return tuple(next(csv.reader([text])))


def open_raw_table(source: FeedSource, name: str) -> RawTable:
    """Scan one file lazily; raises BadInputError if it is not readable CSV."""
    path = source.file_path(name)
    original = _header(path)
    cleaned = tuple(h.strip() for h in original)
    if not cleaned:
        empty = pl.LazyFrame({ROW: pl.Series([], dtype=pl.UInt32)})
        return RawTable(name, empty, (), ())
    try:
        scan = pl.scan_csv(
            path,
            has_header=True,
            new_columns=list(cleaned),
            infer_schema=False,
            encoding="utf8-lossy",
            quote_char='"',
            empty_string_is_null=True,
            truncate_ragged_lines=True,
            raise_if_empty=False,
            row_index_name=ROW,
        )
    except pl.exceptions.PolarsError as exc:
        raise BadInputError(f"{name}: cannot be read as CSV ({exc})") from exc
    return RawTable(name, scan, cleaned, original)
