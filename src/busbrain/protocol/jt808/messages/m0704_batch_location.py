"""0x0704 batch location upload, including blind-area re-sends (补报).

    count WORD | type BYTE (0 normal batch, 1 blind-area re-send) |
    count x (length WORD | 0x0200 body of that length)

Blind-area points are history: store them by their own times and do not raise
real-time alarms from them.
"""

from __future__ import annotations

from enum import IntEnum
from struct import Struct
from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.errors import LocalProtocolError, MessageDecodeError
from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import U16, MessageCodec, need
from busbrain.protocol.jt808.messages.m0200_location import (
    Location,
    decode_location,
    encode_location,
)
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x0704
_HEAD = Struct(">HB")


class BatchType(IntEnum):
    NORMAL = 0
    BLIND_AREA = 1  # re-sent after a loss of connection (补报)


class BatchLocation(msgspec.Struct, frozen=True, gc=False):
    """Several position reports at once; `batch_type` is a `BatchType` value."""

    msg_id: ClassVar[int] = MSG_ID
    batch_type: int
    locations: tuple[Location, ...]

    @property
    def is_blind_area(self) -> bool:
        return self.batch_type == BatchType.BLIND_AREA


def decode(body: bytes, header: Header) -> BatchLocation:
    need(body, 3, "0x0704")
    count, batch_type = _HEAD.unpack_from(body)
    offset, locations = 3, []
    for n in range(count):
        need(body, offset + 2, f"0x0704 item {n + 1}")
        end = offset + 2 + U16.unpack_from(body, offset)[0]
        if end > len(body):
            raise MessageDecodeError(f"0x0704 item {n + 1} runs past the body")
        locations.append(decode_location(body[offset + 2 : end]))
        offset = end
    return BatchLocation(batch_type, tuple(locations))


def encode(msg: BatchLocation, version: ProtocolVersion) -> bytes:
    if len(msg.locations) > 0xFFFF:
        raise LocalProtocolError("0x0704: more than 65535 locations")
    parts = [_HEAD.pack(len(msg.locations), msg.batch_type)]
    for loc in msg.locations:
        raw = encode_location(loc)
        parts.append(U16.pack(len(raw)) + raw)
    return b"".join(parts)


CODEC = MessageCodec(MSG_ID, BatchLocation, decode, encode)
