"""Open the files of a GTFS feed (a .zip or a folder) as lazy text tables.

Real feeds are messy: byte-order marks, spaces around header names and values, CRLF
line ends. Each table is scanned lazily with every column as text, so the parser can
type it in one streaming pass without holding the whole text in memory. A `__row`
column holds the 0-based data row index: the file line is `__row + 2`.
"""

from __future__ import annotations

import csv
import queue
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from busbrain.domain.errors import BadInputError

ROW = "__row"


STREAM_ABOVE_BYTES = 32 << 20  # zip members larger than this are parsed while inflating
CHUNK_BYTES = 16 << 20


@dataclass(frozen=True, slots=True)
class RawTable:
    """A file as text columns named by the cleaned header, read one of two ways.

    `scan` scans a file on disk lazily. `chunks`, for large zip members, gives a fresh
    iterator of frames each call: a thread inflates the member while the caller parses
    the previous chunk, so decompression and parsing use both cores.
    """

    name: str
    header: tuple[str, ...]  # cleaned names, in file order
    original_header: tuple[str, ...]  # as written, for notices about spaces
    scan: pl.LazyFrame | None = None
    chunks: Callable[[], Iterator[pl.DataFrame]] | None = None

    def frames(self) -> Iterator[pl.DataFrame]:
        """The table's text, as one frame (scan) or many (chunks)."""
        if self.chunks is not None:
            yield from self.chunks()
        elif self.scan is not None:
            yield self.scan.collect()

    def texts(self, rows: list[int], field: str) -> pl.DataFrame:
        """The raw text of `field` in the given rows (for notices), with `__row`."""
        wanted = pl.Series(rows, dtype=pl.UInt32).implode()
        if self.scan is not None:
            return self.scan.select(ROW, field).filter(pl.col(ROW).is_in(wanted)).collect()
        parts = [f.select(ROW, field).filter(pl.col(ROW).is_in(wanted)) for f in self.frames()]
        return pl.concat(parts) if parts else pl.DataFrame({ROW: [], field: []})


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

    def streams(self, name: str) -> bool:
        """Whether `name` is a zip member large enough to parse while inflating."""
        if self._zip is None:
            return False
        return self._zip.getinfo(self._members[name]).file_size > STREAM_ABOVE_BYTES

    def member_lines(self, name: str) -> tuple[bytes, Callable[[], Iterator[bytes]]]:
        """The header line, and a factory of iterators over blocks of whole lines."""
        assert self._zip is not None
        zpath, member = self.path, self._members[name]
        with self._zip.open(member) as fh:
            header = fh.readline()

        def blocks() -> Iterator[bytes]:
            return _inflate_in_thread(zpath, member)

        return header, blocks

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


def _whole_lines(buf: bytes) -> int:
    """Where to cut `buf` after a line end that is not inside a quoted field (0: nowhere)."""
    cut = buf.rfind(b"\n") + 1
    while cut > 0 and buf.count(b'"', 0, cut) % 2:
        cut = buf.rfind(b"\n", 0, cut - 1) + 1
    return cut


def _inflate_in_thread(zpath: Path, member: str) -> Iterator[bytes]:
    """Blocks of whole CSV lines of a zip member (after its header), inflated by a thread."""
    blocks: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=2)

    def pump() -> None:
        try:
            with zipfile.ZipFile(zpath) as zf, zf.open(member) as fh:
                fh.readline()
                rest = b""
                while block := fh.read(CHUNK_BYTES):
                    buf = rest + block
                    cut = _whole_lines(buf)
                    if cut:
                        blocks.put(buf[:cut])
                    rest = buf[cut:]
                if rest.strip():
                    blocks.put(rest)
            blocks.put(None)
        except BaseException as exc:  # handed to the consumer, raised there
            blocks.put(exc)

    threading.Thread(target=pump, name=f"inflate {member}", daemon=True).start()
    while (item := blocks.get()) is not None:
        if isinstance(item, BaseException):
            raise BadInputError(f"{member}: cannot be extracted ({item})") from item
        yield item


def _header(path: Path) -> tuple[str, ...]:
    with path.open("rb") as fh:
        return _header_of(fh.readline())


def _header_of(first: bytes) -> tuple[str, ...]:
    text = first.decode("utf-8", errors="replace").lstrip("\ufeff").rstrip("\r\n")
    if not text.strip():
        return ()
    return tuple(next(csv.reader([text])))


def open_raw_table(source: FeedSource, name: str) -> RawTable:
    """Open one file as text; raises BadInputError if it is not readable CSV."""
    if source.streams(name):
        return _streamed_table(source, name)
    path = source.file_path(name)
    original = _header(path)
    cleaned = tuple(h.strip() for h in original)
    if not cleaned:
        empty = pl.LazyFrame({ROW: pl.Series([], dtype=pl.UInt32)})
        return RawTable(name, (), (), scan=empty)
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
    return RawTable(name, cleaned, original, scan=scan)


def _csv_block(data: bytes, header: tuple[str, ...], first_row: int) -> pl.DataFrame:
    return pl.read_csv(
        data,
        has_header=False,
        schema={h: pl.String for h in header},
        missing_columns="insert",
        encoding="utf8-lossy",
        quote_char='"',
        empty_string_is_null=True,
        truncate_ragged_lines=True,
        raise_if_empty=False,
        row_index_name=ROW,
        row_index_offset=first_row,
    )


def _streamed_table(source: FeedSource, name: str) -> RawTable:
    first, blocks = source.member_lines(name)
    original = _header_of(first)
    cleaned = tuple(h.strip() for h in original)

    def chunks() -> Iterator[pl.DataFrame]:
        row = 0
        for data in blocks():
            try:
                frame = _csv_block(data, cleaned, row)
            except pl.exceptions.PolarsError as exc:
                raise BadInputError(
                    f"{name}: cannot be read as CSV near row {row + 2} ({exc})"
                ) from exc
            row += frame.height
            yield frame

    return RawTable(name, cleaned, original, chunks=chunks)
