"""苏标 alarm attachments (T/JSATL 12-2017): asking for them, and receiving them.

A 0x0200 whose ADAS (0x64) or DMS (0x65) item announces attachments gets a 0x9208 back
(`upload_request`), naming the attachment server (by default this same gateway) and a
platform alarm number that carries the terminal's phone and alarm id, so that the upload
can be tied to its alarm without any state kept between the two connections.

The terminal then opens a second connection that starts with 0x1210 (file list). That
connection is not plain JT/T 808: between 0x1211 (file info) and 0x1212 (finished) each
file's bytes come as raw, unescaped blocks

    "01cd" (0x30316364) | file name BYTE[50] | offset DWORD | length DWORD | data

interleaved with 808 frames (0x7e ... 0x7e). `StreamSplitter` cuts that stream into
frames (for the session) and data blocks (for `Upload`); `Upload` writes each file
under `attachments_dir` with a name made safe here (the terminal's name is never a path)
and tells which byte ranges are missing when the terminal says it is done (0x9212).

The answer, 0x9212, is `j.UploadFinishedResponse` (built by `upload_result`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from struct import Struct

from busbrain.protocol import jt808 as j
from busbrain.protocol.jt808.text import decode_text

ATTACHMENT_INFO_ID = 0x1210
MAGIC = b"01cd"
"""The data block's magic, 0x30 0x31 0x63 0x64."""
_BLOCK = Struct(">4s50sII")
BLOCK_HEADER_BYTES = _BLOCK.size  # 62
MAX_BLOCK_BYTES = 1024 * 1024
"""The longest data block accepted (bytes); terminals send 1–64 KiB. A longer one means
the stream is out of step, and the connection is closed."""
MAX_RANGES = 255
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


class StreamError(Exception):
    """The attachment stream cannot be followed (a block too long, a frame too long)."""


# -- the platform alarm number -------------------------------------------------------


def alarm_number(phone: str, alarm_id: str) -> str:
    """The 0x9208 alarm number (at most 32 bytes): "<phone>-<alarm id>". A phone has at
    most 20 digits and a 苏标 alarm id at most 10, so it always fits."""
    return f"{phone}-{alarm_id}"[:32]


def parse_alarm_number(number: str) -> tuple[str, str] | None:
    """(phone, alarm id) of a number made by `alarm_number`, None for another one."""
    phone, sep, alarm_id = number.rpartition("-")
    if not sep or not phone or not alarm_id:
        return None
    return phone, alarm_id


def upload_request(
    item: j.AdasAlarm | j.DmsAlarm, phone: str, host: str, port: int
) -> j.AlarmAttachmentRequest:
    """The 0x9208 asking for the attachments of `item` (TCP `port`; no UDP: 0)."""
    return j.AlarmAttachmentRequest(
        server_ip=host,
        tcp_port=port,
        udp_port=0,
        identification=item.identification,
        alarm_number=alarm_number(phone, str(item.alarm_id)),
    )


def is_attachment_stream(first: bytes) -> bool | None:
    """Whether a connection's first bytes open with a 0x1210 frame (the attachment
    connection); None when fewer than 3 bytes came yet. The ID bytes 0x12 0x10 are never
    escaped, so they follow the opening flag as they are."""
    if len(first) < 3:
        return None
    return first[0] == 0x7E and int.from_bytes(first[1:3], "big") == ATTACHMENT_INFO_ID


# -- 0x9212 ---------------------------------------------------------------------------


def upload_result(
    name: str, file_type: int, missing: list[tuple[int, int]]
) -> j.UploadFinishedResponse:
    """The 0x9212 answering a 0x1212: result 0 (complete) or 1 (re-send needed) with the
    (offset, length) ranges to re-send, in bytes (at most 255; the rest is asked for
    next time, when the terminal says it is done again)."""
    ranges = tuple(missing[:MAX_RANGES])
    return j.UploadFinishedResponse(name, file_type, 1 if ranges else 0, ranges)


# -- the data block -------------------------------------------------------------------


def data_block(name: str, offset: int, data: bytes) -> bytes:
    """The wire bytes of one data block (what a terminal sends; for tests and the
    simulator). The name is GBK, 0x00-padded to 50 bytes."""
    raw = name.encode("gbk")[:50]
    return _BLOCK.pack(MAGIC, raw, offset, len(data)) + data


@dataclass(frozen=True, slots=True)
class DataBlock:
    """One block of a file: its name as sent, the offset and the bytes."""

    name: str
    offset: int
    data: bytes


class StreamSplitter:
    """Cuts the attachment connection's bytes into 808 frames and data blocks."""

    def __init__(self, max_frame_bytes: int) -> None:
        self._buf = bytearray()
        self._max_frame = max_frame_bytes
        self.discarded_bytes = 0

    def feed(self, data: bytes) -> list[bytes | DataBlock]:
        """What `data` completes, in order: frames (with both flags) and blocks.
        Raises StreamError when the stream cannot be followed."""
        buf = self._buf
        buf += data
        out: list[bytes | DataBlock] = []
        while buf:
            if buf[0] == 0x7E:
                end = buf.find(b"\x7e", 1)
                if end < 0:
                    if len(buf) > self._max_frame:
                        raise StreamError("808 frame too long on the attachment stream")
                    break
                if end == 1:  # "7e7e": a closing flag and an opening one
                    del buf[0]
                    continue
                out.append(bytes(buf[: end + 1]))
                del buf[: end + 1]
            elif buf[:4] == MAGIC:
                if len(buf) < BLOCK_HEADER_BYTES:
                    break
                _, raw_name, offset, length = _BLOCK.unpack_from(buf)
                if length > MAX_BLOCK_BYTES:
                    raise StreamError(f"data block of {length} bytes")
                if len(buf) < BLOCK_HEADER_BYTES + length:
                    break
                name = decode_text(raw_name.rstrip(b"\x00"))
                data_bytes = bytes(buf[BLOCK_HEADER_BYTES : BLOCK_HEADER_BYTES + length])
                out.append(DataBlock(name, offset, data_bytes))
                del buf[: BLOCK_HEADER_BYTES + length]
            elif MAGIC.startswith(bytes(buf[:4])):
                break  # the start of a magic: wait for the rest
            else:  # noise: skip to the next flag or magic
                starts = [i for i in (buf.find(b"\x7e"), buf.find(MAGIC)) if i > 0]
                cut = min(starts) if starts else max(1, len(buf) - 3)
                self.discarded_bytes += cut
                del buf[:cut]
        return out


# -- files ----------------------------------------------------------------------------


def safe_part(text: str, fallback: str) -> str:
    """`text` as one safe path component: letters, digits, '.', '_' and '-' only, no
    leading dot, at most 100 characters. Never a separator, never "..", never empty."""
    cleaned = _SAFE.sub("_", text).lstrip(".")[:100]
    return cleaned or fallback


def merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Half-open [start, end) byte ranges merged and sorted."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def missing_ranges(size: int, received: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(offset, length) pairs of the bytes of a `size`-byte file not in `received`
    (merged [start, end) ranges)."""
    out: list[tuple[int, int]] = []
    at = 0
    for start, end in received:
        if start > at:
            out.append((at, start - at))
        at = max(at, end)
    if at < size:
        out.append((at, size - at))
    return out


@dataclass
class IncomingFile:
    """A file announced by 0x1211: where it goes, and the byte ranges received."""

    name: str
    file_type: int
    size_bytes: int
    relative_path: str
    received: list[tuple[int, int]] = field(default_factory=list)


class Upload:
    """One attachment connection's uploads: the alarm (from 0x1210), its files.

    `root` is attachments_dir; files go to <phone>/<alarm id>/<safe name> under it.
    File writes are blocking: call `write` off the event loop.
    """

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.phone: str | None = None
        self.alarm_id: str | None = None
        self.files: dict[str, IncomingFile] = {}

    def start(self, phone: str, info: j.AlarmAttachmentInfo) -> bool:
        """Take the 0x1210: False when its alarm number is not one this platform gave
        to `phone` (then nothing is accepted)."""
        parsed = parse_alarm_number(info.alarm_number)
        if parsed is None or parsed[0] != phone:
            return False
        self.phone, self.alarm_id = phone, parsed[1]
        return True

    def announce(self, info: j.AttachmentFileInfo) -> IncomingFile | None:
        """Take a 0x1211; None when refused (no 0x1210 yet, or too large)."""
        if self.phone is None or self.alarm_id is None or info.size_bytes > self.max_bytes:
            return None
        known = self.files.get(info.name)
        if known is not None and known.size_bytes == info.size_bytes:
            return known  # announced again before a re-send: keep what came
        folder = f"{safe_part(self.phone, 'phone')}/{safe_part(self.alarm_id, 'alarm')}"
        incoming = IncomingFile(
            info.name, info.file_type, info.size_bytes, f"{folder}/{safe_part(info.name, 'file')}"
        )
        self.files[info.name] = incoming
        return incoming

    def path_of(self, incoming: IncomingFile) -> Path:
        """The file's absolute path; raises ValueError if it would leave `root`."""
        root = self.root.resolve()
        path = (root / incoming.relative_path).resolve()
        if not path.is_relative_to(root):
            raise ValueError(f"attachment path {incoming.relative_path!r} outside the folder")
        return path

    def write(self, block: DataBlock) -> bool:
        """Write a block at its offset; False (nothing written) for a file not announced
        or bytes beyond its announced size."""
        incoming = self.files.get(block.name)
        if incoming is None or block.offset + len(block.data) > incoming.size_bytes:
            return False
        path = self.path_of(incoming)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o640)
        try:
            os.pwrite(fd, block.data, block.offset)
        finally:
            os.close(fd)
        end = block.offset + len(block.data)
        incoming.received = merge([*incoming.received, (block.offset, end)])
        return True

    def finish(
        self, done: j.AttachmentUploadFinished
    ) -> tuple[IncomingFile | None, list[tuple[int, int]]]:
        """The file a 0x1212 names and its missing (offset, length) ranges (all of it
        when the file was never announced)."""
        incoming = self.files.get(done.name)
        if incoming is None:
            return None, [(0, done.size_bytes)]
        return incoming, missing_ranges(incoming.size_bytes, incoming.received)
