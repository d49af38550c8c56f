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
import struct
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from isal import isal_zlib

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
        parts = [
            f.select(ROW, pl.col(field).cast(pl.String)).filter(pl.col(ROW).is_in(wanted))
            for f in self.frames()
        ]
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


def _member_blocks(zpath: Path, member: str) -> Iterator[bytes]:
    """The member's bytes in blocks, inflated with ISA-L (about 3x zlib) and CRC-checked.

    Members stored or compressed with anything but deflate go through zipfile.
    """
    with zipfile.ZipFile(zpath) as zf:
        info = zf.getinfo(member)
        if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1:
            with zf.open(info) as fh:
                while block := fh.read(CHUNK_BYTES):
                    yield block
            return
    with zpath.open("rb") as fh:
        fh.seek(info.header_offset)
        local = fh.read(30)
        if local[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"bad local header for {member}")
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        fh.seek(info.header_offset + 30 + name_len + extra_len)
        inflater = isal_zlib.decompressobj(-15)
        left, crc = info.compress_size, 0
        while left > 0:
            data = inflater.decompress(fh.read(min(left, 4 << 20)))
            left -= 4 << 20
            crc = isal_zlib.crc32(data, crc)
            yield data
        tail = inflater.flush()
        crc = isal_zlib.crc32(tail, crc)
        yield tail
    if crc != info.CRC:
        raise zipfile.BadZipFile(f"CRC mismatch in {member}: the archive is damaged")


def _inflate_in_thread(zpath: Path, member: str) -> Iterator[bytes]:
    """Blocks of whole CSV lines of a zip member (after its header), inflated by a thread."""
    blocks: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=3)

    def pump() -> None:
        try:
            pending: list[bytes] = []
            size, header_done = 0, False
            for block in _member_blocks(zpath, member):
                pending.append(block)
                size += len(block)
                if size < CHUNK_BYTES:
                    continue
                buf = b"".join(pending)
                if not header_done:
                    buf, header_done = buf[buf.find(b"\n") + 1 :], b"\n" in buf
                cut = _whole_lines(buf)
                if cut:
                    blocks.put(buf[:cut])
                pending, size = [buf[cut:]], len(buf) - cut
            buf = b"".join(pending)
            if not header_done:
                buf = buf[buf.find(b"\n") + 1 :] if b"\n" in buf else b""
            if buf.strip():
                blocks.put(buf)
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


def open_raw_table(
    source: FeedSource, name: str, native: dict[str, pl.DataType] | None = None
) -> RawTable:
    """Open one file; raises BadInputError if it is not readable CSV.

    Columns are text, except that large members may come with the columns named in
    `native` already parsed (see _csv_block).
    """
    if source.streams(name):
        return _streamed_table(source, name, native or {})
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


def _csv_block(
    data: bytes, header: tuple[str, ...], first_row: int, native: dict[str, pl.DataType]
) -> pl.DataFrame:
    """One block of lines as a frame. Columns in `native` are parsed by the CSV reader
    itself (much cheaper than text then cast); if any value there does not parse, the
    whole block is read again as text, so the field rule sees and reports it.
    """
    # The CSV reader would take " 5" as 5 silently; a block with any space is read as
    # text, so spaces around values are reported (a memchr scan: ~1 ms per block).
    if native and data.find(b" ") < 0:
        try:
            return _read_block(data, header, first_row, native)
        except pl.exceptions.PolarsError:
            pass
    return _read_block(data, header, first_row, {})


def _read_block(
    data: bytes, header: tuple[str, ...], first_row: int, native: dict[str, pl.DataType]
) -> pl.DataFrame:
    return pl.read_csv(
        data,
        has_header=False,
        schema={h: native.get(h, pl.String()) for h in header},
        missing_columns="insert",
        encoding="utf8-lossy",
        quote_char='"',
        empty_string_is_null=True,
        truncate_ragged_lines=True,
        raise_if_empty=False,
        row_index_name=ROW,
        row_index_offset=first_row,
    )


def _streamed_table(source: FeedSource, name: str, native: dict[str, pl.DataType]) -> RawTable:
    first, blocks = source.member_lines(name)
    original = _header_of(first)
    cleaned = tuple(h.strip() for h in original)

    def chunks() -> Iterator[pl.DataFrame]:
        row = 0
        for data in blocks():
            try:
                frame = _csv_block(data, cleaned, row, native)
            except pl.exceptions.PolarsError as exc:
                raise BadInputError(
                    f"{name}: cannot be read as CSV near row {row + 2} ({exc})"
                ) from exc
            row += frame.height
            yield frame

    return RawTable(name, cleaned, original, chunks=chunks)
