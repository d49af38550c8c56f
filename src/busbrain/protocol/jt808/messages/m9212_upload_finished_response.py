"""0x9212 (su-biao) file upload finished response: the attachment server's answer to a
0x1212, telling the terminal whether a file arrived whole or which ranges to send again.

    BYTE n | file name STRING[n] | file type BYTE (as in 0x1211) | result BYTE (0 done,
    1 re-send needed) | count BYTE | (offset DWORD, length DWORD)[count], in bytes
"""

from __future__ import annotations

from struct import Struct
from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.errors import LocalProtocolError
from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import MessageCodec, need
from busbrain.protocol.jt808.text import decode_text, encode_prefixed
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x9212
RESULT_DONE = 0
"""Every byte of the file arrived."""
RESULT_RESEND = 1
"""Some bytes are missing: the terminal sends `retransmit` again, then 0x1212 again."""
_TAIL = Struct(">BBB")
_RANGE = Struct(">II")


class UploadFinishedResponse(msgspec.Struct, frozen=True, gc=False):
    """Whether the file `name` arrived whole (`result` 0) or which (offset, length)
    byte ranges the terminal must send again (`result` 1; at most 255 ranges)."""

    msg_id: ClassVar[int] = MSG_ID
    name: str
    file_type: int
    result: int
    retransmit: tuple[tuple[int, int], ...] = ()


def decode(body: bytes, header: Header) -> UploadFinishedResponse:
    need(body, 1, "0x9212")
    end = 1 + body[0]
    need(body, end + _TAIL.size, "0x9212")
    file_type, result, count = _TAIL.unpack_from(body, end)
    at = end + _TAIL.size
    need(body, at + count * _RANGE.size, "0x9212 range list")
    ranges = tuple(_RANGE.unpack_from(body, at + i * _RANGE.size) for i in range(count))
    return UploadFinishedResponse(decode_text(body[1:end]), file_type, result, ranges)


def encode(msg: UploadFinishedResponse, version: ProtocolVersion) -> bytes:
    count = len(msg.retransmit)
    if count > 0xFF:
        raise LocalProtocolError("0x9212: more than 255 ranges to re-send")
    return (
        encode_prefixed(msg.name, field="name")
        + _TAIL.pack(msg.file_type, msg.result, count)
        + b"".join(_RANGE.pack(offset, length) for offset, length in msg.retransmit)
    )


CODEC = MessageCodec(MSG_ID, UploadFinishedResponse, decode, encode)
