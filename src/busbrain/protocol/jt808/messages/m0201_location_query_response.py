"""0x0201 location query response: WORD serial of the 0x8201, then a 0x0200 body."""

from __future__ import annotations

from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import U16, MessageCodec, need
from busbrain.protocol.jt808.messages.m0200_location import (
    Location,
    decode_location,
    encode_location,
)
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x0201


class LocationQueryResponse(msgspec.Struct, frozen=True, gc=False):
    """The position asked for by the 0x8201 with serial `ack_serial`."""

    msg_id: ClassVar[int] = MSG_ID
    ack_serial: int
    location: Location


def decode(body: bytes, header: Header) -> LocationQueryResponse:
    need(body, 30, "0x0201")
    return LocationQueryResponse(U16.unpack_from(body)[0], decode_location(body[2:]))


def encode(msg: LocationQueryResponse, version: ProtocolVersion) -> bytes:
    return U16.pack(msg.ack_serial) + encode_location(msg.location)


CODEC = MessageCodec(MSG_ID, LocationQueryResponse, decode, encode)
