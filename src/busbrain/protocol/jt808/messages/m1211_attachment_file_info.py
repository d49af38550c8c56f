"""0x1211 (su-biao) attachment file information, before a file's data stream.

    BYTE n | file name STRING[n] | file type BYTE (0 image, 1 audio, 2 video, 3 text,
    4 other) | file size DWORD (bytes)

0x1212 (upload finished) has the same layout and reuses these functions.
"""

from __future__ import annotations

from struct import Struct
from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import MessageCodec, need
from busbrain.protocol.jt808.text import decode_text, encode_prefixed
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x1211
_TAIL = Struct(">BI")


class AttachmentFileInfo(msgspec.Struct, frozen=True, gc=False):
    """A file about to be sent to the attachment server: name, type, size in bytes."""

    msg_id: ClassVar[int] = MSG_ID
    name: str
    file_type: int
    size_bytes: int


def decode_fields(body: bytes, what: str) -> tuple[str, int, int]:
    """Name, file type and size of a 0x1211 / 0x1212 body."""
    need(body, 1, what)
    end = 1 + body[0]
    need(body, end + _TAIL.size, what)
    file_type, size = _TAIL.unpack_from(body, end)
    return decode_text(body[1:end]), file_type, size


def encode_fields(name: str, file_type: int, size_bytes: int) -> bytes:
    return encode_prefixed(name, field="name") + _TAIL.pack(file_type, size_bytes)


def decode(body: bytes, header: Header) -> AttachmentFileInfo:
    return AttachmentFileInfo(*decode_fields(body, "0x1211"))


def encode(msg: AttachmentFileInfo, version: ProtocolVersion) -> bytes:
    return encode_fields(msg.name, msg.file_type, msg.size_bytes)


CODEC = MessageCodec(MSG_ID, AttachmentFileInfo, decode, encode)
