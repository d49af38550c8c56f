"""0x8800 multimedia upload response: DWORD media ID | BYTE n | WORD[n] package indexes."""

from __future__ import annotations

from struct import Struct
from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.errors import LocalProtocolError
from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import MessageCodec, need
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x8800
_HEAD = Struct(">IB")


class MultimediaUploadResponse(msgspec.Struct, frozen=True, gc=False):
    """Answer to a complete 0x0801: the package indexes to send again (empty: all
    received)."""

    msg_id: ClassVar[int] = MSG_ID
    media_id: int
    retransmit_indexes: tuple[int, ...] = ()


def decode(body: bytes, header: Header) -> MultimediaUploadResponse:
    need(body, 5, "0x8800")
    media_id, count = _HEAD.unpack_from(body)
    need(body, 5 + 2 * count, "0x8800 index list")
    indexes = Struct(f">{count}H").unpack_from(body, 5)
    return MultimediaUploadResponse(media_id, indexes)


def encode(msg: MultimediaUploadResponse, version: ProtocolVersion) -> bytes:
    count = len(msg.retransmit_indexes)
    if count > 0xFF:
        raise LocalProtocolError("0x8800: more than 255 package indexes")
    return _HEAD.pack(msg.media_id, count) + Struct(f">{count}H").pack(*msg.retransmit_indexes)


CODEC = MessageCodec(MSG_ID, MultimediaUploadResponse, decode, encode)
