"""The capture file: what simulated terminals send to a gateway, recorded for replay.

A capture holds the wire bytes of every terminal, in time order, so that `replay` can
send the same traffic to any gateway, any number of times, at any speed, without the
simulation. Format `BBCAP1` (public: other tools may read and write it):

    gzip stream (RFC 1952) of:
      b"BBCAP1\\n"                          magic line
      one line of UTF-8 JSON, then b"\\n"    metadata object (no raw newline inside)
      records until the end of the stream, each:
        header  struct "<dIBI" (17 bytes, little-endian, no padding):
                  t         float64  simulated time, unix seconds (UTC)
                  terminal  uint32   terminal index (see metadata "terminals")
                  kind      uint8    0 CONNECT, 1 REGISTER, 2 AUTHENTICATE, 3 SEND, 4 CLOSE
                  length    uint32   bytes of data that follow
        data    `length` bytes: the escaped JT/T 808 frame(s) with their 0x7e flags, as
                sent on the wire (several frames when a message was sub-packaged);
                empty for CONNECT and CLOSE

Records are sorted by `t` (ties keep each terminal's own order). The metadata is the
writer's object plus "terminals": a list of {"index", "phone", "vehicle_id", "plate",
"version" (2011 / 2013 / 2019), "terminal_id", "placeholder_auth_code"}.

Frames carry the serial numbers the terminal would use. An AUTHENTICATE frame carries
the placeholder code: a player substitutes the code the gateway gave at registration.
Positions a terminal produced while offline (between CLOSE and the next CONNECT) are
recorded after its next AUTHENTICATE as 0x0704 blind-area batches, as a terminal sends
them; a REGISTER or AUTHENTICATE due while offline is recorded after the next CONNECT.
"""

from __future__ import annotations

import heapq
import json
import os
import struct
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NamedTuple

from isal import igzip

from busbrain.protocol import jt808 as j
from busbrain.sim.responder import BlindAreaStore
from busbrain.sim.script import Action, ActionKind, SimTerminal, TerminalScript

MAGIC = b"BBCAP1\n"
RECORD = struct.Struct("<dIBI")
"""Record header: time (s), terminal index, kind, data length."""
PROGRESS_EVERY = 65_536
"""Records between two calls of the writer's progress callback."""
_FLUSH_BYTES = 1 << 20
_READ_BYTES = 1 << 20
_MAX_METADATA = 64 << 20
_KINDS = tuple(ActionKind)

StrPath = str | os.PathLike[str]


class CaptureFormatError(ValueError):
    """The file is not a BBCAP1 capture, or it is truncated."""


class CaptureRecord(NamedTuple):
    t: float
    """Simulated unix time, seconds (UTC)."""
    terminal: int
    """Terminal index, as in the metadata's "terminals"."""
    kind: ActionKind
    data: bytes
    """Wire bytes of the frame(s); empty for CONNECT and CLOSE."""


@dataclass(slots=True)
class CaptureStats:
    """What `write_capture` wrote so far (passed to `progress`)."""

    records: int = 0
    frames: int = 0
    """Wire frames (a sub-packaged message counts each package)."""
    locations: int = 0
    """Positions, in 0x0200 and in 0x0704 batches alike."""
    blind_batches: int = 0
    """0x0704 blind-area batches made of positions produced while offline."""
    dropped: int = 0
    """Messages that could not be recorded: produced while offline and not positions
    (heartbeats...), or positions past a terminal's blind-area store."""
    data_bytes: int = 0
    """Bytes of frame data (uncompressed)."""


def terminal_metadata(terminal: SimTerminal) -> dict[str, Any]:
    return {
        "index": terminal.index,
        "phone": terminal.phone,
        "vehicle_id": terminal.vehicle_id,
        "plate": terminal.plate,
        "version": int(terminal.version),
        "terminal_id": terminal.terminal_id,
        "placeholder_auth_code": terminal.placeholder_auth_code,
    }


def terminals_from_metadata(metadata: dict[str, Any]) -> dict[int, SimTerminal]:
    """The capture's terminals by index."""
    out: dict[int, SimTerminal] = {}
    for item in metadata.get("terminals", []):
        terminal = SimTerminal(
            index=int(item["index"]),
            phone=str(item["phone"]),
            vehicle_id=str(item["vehicle_id"]),
            plate=str(item["plate"]),
            version=j.ProtocolVersion(int(item["version"])),
            terminal_id=str(item["terminal_id"]),
            placeholder_auth_code=str(item["placeholder_auth_code"]),
        )
        out[terminal.index] = terminal
    return out


class _Recorder:
    """One terminal's side of the capture: its serials, connection state and blind area,
    turning script actions into wire records the way `live` plays them."""

    def __init__(self, terminal: SimTerminal, stats: CaptureStats) -> None:
        self.terminal, self.stats = terminal, stats
        self.session = j.Jt808Session(phone=terminal.phone, version=terminal.version)
        self.online = False
        self.authed = False
        self.blind = BlindAreaStore()
        self.deferred: list[tuple[ActionKind, j.Message]] = []

    def records(self, action: Action) -> Iterator[tuple[ActionKind, bytes]]:
        kind, message = action.kind, action.message
        if kind is ActionKind.CONNECT:
            if not self.online:
                self.online, self.authed = True, False
                yield kind, b""
                deferred, self.deferred = self.deferred, []
                for later, msg in deferred:
                    yield from self._login(later, msg)
        elif kind is ActionKind.REGISTER:
            if not isinstance(message, j.Register):
                message = self.terminal.register_message()
            yield from self._login(kind, message)
        elif kind is ActionKind.AUTHENTICATE:
            if not isinstance(message, j.Authentication):
                message = j.Authentication(self.terminal.placeholder_auth_code)
            yield from self._login(kind, message)
        elif kind is ActionKind.SEND:
            if message is not None:
                yield from self._send(message)
        elif kind is ActionKind.CLOSE:
            self.deferred.clear()
            if self.online:
                self.online = self.authed = False
                yield kind, b""

    def _login(self, kind: ActionKind, message: j.Message) -> Iterator[tuple[ActionKind, bytes]]:
        if not self.online:
            self.deferred.append((kind, message))
            return
        yield kind, self._encode(message)
        if kind is ActionKind.AUTHENTICATE:
            self.authed = True
            yield from self._flush()

    def _send(self, message: j.Message) -> Iterator[tuple[ActionKind, bytes]]:
        if not self.online:
            before = self.blind.dropped
            if not self.blind.add(message):
                self.stats.dropped += 1
            self.stats.dropped += self.blind.dropped - before
            return
        if self.authed:
            yield from self._flush()
        yield ActionKind.SEND, self._encode(message)

    def _flush(self) -> Iterator[tuple[ActionKind, bytes]]:
        while (batch := self.blind.peek_batch()) is not None:
            self.blind.commit(batch)
            self.stats.blind_batches += 1
            yield ActionKind.SEND, self._encode(batch)

    def _encode(self, message: j.Message) -> bytes:
        data = self.session.send(message)
        if isinstance(message, j.Location):
            self.stats.locations += 1
        elif isinstance(message, j.BatchLocation):
            self.stats.locations += len(message.locations)
        self.stats.frames += data.count(b"\x7e") // 2
        return data


def _tagged(index: int, actions: Iterable[Action]) -> Iterator[tuple[float, int, Action]]:
    for action in actions:
        yield action.t, index, action


def _records(
    scripts: Sequence[TerminalScript], stats: CaptureStats
) -> Iterator[tuple[float, int, ActionKind, bytes]]:
    """Every terminal's records, merged by time without materialising any script."""
    recorders: dict[int, _Recorder] = {}
    for script in scripts:
        index = script.terminal.index
        if index in recorders:
            raise ValueError(f"two scripts for terminal index {index}")
        recorders[index] = _Recorder(script.terminal, stats)
    merged = heapq.merge(*(_tagged(s.terminal.index, s) for s in scripts))
    for t, index, action in merged:
        for kind, data in recorders[index].records(action):
            yield t, index, kind, data


def write_capture(
    path: StrPath,
    scripts: Sequence[TerminalScript],
    metadata: dict[str, Any],
    *,
    progress: Callable[[CaptureStats], None] | None = None,
) -> CaptureStats:
    """Write the capture of `scripts` to `path` (atomically: a temporary file in the
    same folder, renamed when complete). `metadata` is stored with "terminals" added;
    `progress(stats)` is called every `PROGRESS_EVERY` records and at the end."""
    target = Path(path)
    stats = CaptureStats()
    meta = {**metadata, "terminals": [terminal_metadata(s.terminal) for s in scripts]}
    head = MAGIC + json.dumps(meta, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as raw:
            gz = igzip.IGzipFile(filename="", mode="wb", fileobj=raw, mtime=0)  # type: ignore[no-untyped-call]
            try:
                _write_records(gz.write, head, _records(scripts, stats), stats, progress)
            finally:
                gz.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(stats)
    return stats


def _write_records(
    write: Callable[[bytes], object],
    head: bytes,
    records: Iterator[tuple[float, int, ActionKind, bytes]],
    stats: CaptureStats,
    progress: Callable[[CaptureStats], None] | None,
) -> None:
    buffer = bytearray(head)
    pack = RECORD.pack
    for t, index, kind, data in records:
        buffer += pack(t, index, kind, len(data))
        buffer += data
        stats.records += 1
        stats.data_bytes += len(data)
        if len(buffer) >= _FLUSH_BYTES:
            write(bytes(buffer))
            buffer.clear()
        if progress is not None and stats.records % PROGRESS_EVERY == 0:
            progress(stats)
    write(bytes(buffer))


def read_capture(path: StrPath) -> tuple[dict[str, Any], Iterator[CaptureRecord]]:
    """The metadata and a lazy iterator of the records (read as a stream; the file is
    closed when the iterator is exhausted or closed). Raises `CaptureFormatError`."""
    source: IO[bytes] = igzip.open(path, "rb")  # type: ignore[no-untyped-call]
    try:
        if source.read(len(MAGIC)) != MAGIC:
            raise CaptureFormatError(f"{path}: not a BBCAP1 capture")
        line = source.readline(_MAX_METADATA)
        if not line.endswith(b"\n"):
            raise CaptureFormatError(f"{path}: metadata line truncated")
        metadata = json.loads(line)
        if not isinstance(metadata, dict):
            raise CaptureFormatError(f"{path}: metadata is not a JSON object")
    except BaseException:
        source.close()
        raise
    return metadata, _read_records(source, str(path))


def _read_records(source: IO[bytes], name: str) -> Iterator[CaptureRecord]:
    unpack, size = RECORD.unpack_from, RECORD.size
    buffer, pos = b"", 0
    try:
        while chunk := source.read(_READ_BYTES):
            buffer, pos = buffer[pos:] + chunk, 0
            end = len(buffer)
            while end - pos >= size:
                t, index, kind, length = unpack(buffer, pos)
                stop = pos + size + length
                if stop > end:
                    break
                if kind >= len(_KINDS):
                    raise CaptureFormatError(f"{name}: record kind {kind}")
                yield CaptureRecord(t, index, _KINDS[kind], buffer[pos + size : stop])
                pos = stop
        if pos != len(buffer):
            raise CaptureFormatError(f"{name}: last record truncated")
    finally:
        source.close()
