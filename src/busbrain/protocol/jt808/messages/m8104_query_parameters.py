"""0x8104 query all terminal parameters (empty body); answered by 0x0104."""

from __future__ import annotations

from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import MessageCodec
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x8104


class QueryParameters(msgspec.Struct, frozen=True, gc=False):
    """The platform asks for every parameter; the terminal answers 0x0104."""

    msg_id: ClassVar[int] = MSG_ID


def decode(body: bytes, header: Header) -> QueryParameters:
    """The body is empty; stray bytes some devices add are ignored."""
    return QueryParameters()


def encode(msg: QueryParameters, version: ProtocolVersion) -> bytes:
    return b""


CODEC = MessageCodec(MSG_ID, QueryParameters, decode, encode)
