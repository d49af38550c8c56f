"""0x8201 location query (empty body); answered by 0x0201."""

from __future__ import annotations

from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import MessageCodec
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x8201


class LocationQuery(msgspec.Struct, frozen=True, gc=False):
    """The platform asks for the current position; the terminal answers 0x0201."""

    msg_id: ClassVar[int] = MSG_ID


def decode(body: bytes, header: Header) -> LocationQuery:
    """The body is empty; stray bytes some devices add are ignored."""
    return LocationQuery()


def encode(msg: LocationQuery, version: ProtocolVersion) -> bytes:
    return b""


CODEC = MessageCodec(MSG_ID, LocationQuery, decode, encode)
