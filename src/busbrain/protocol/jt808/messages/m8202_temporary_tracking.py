"""0x8202 temporary location tracking: WORD interval s | DWORD validity s."""

from __future__ import annotations

from struct import Struct
from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import MessageCodec, need
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x8202
_LAYOUT = Struct(">HI")


class TemporaryTracking(msgspec.Struct, frozen=True, gc=False):
    """Report 0x0200 every `interval_s` seconds for `validity_s` seconds.

    An interval of 0 stops tracking. The terminal answers 0x0001.
    """

    msg_id: ClassVar[int] = MSG_ID
    interval_s: int
    validity_s: int = 0


def decode(body: bytes, header: Header) -> TemporaryTracking:
    need(body, 6, "0x8202")
    return TemporaryTracking(*_LAYOUT.unpack_from(body))


def encode(msg: TemporaryTracking, version: ProtocolVersion) -> bytes:
    return _LAYOUT.pack(msg.interval_s, msg.validity_s)


CODEC = MessageCodec(MSG_ID, TemporaryTracking, decode, encode)
