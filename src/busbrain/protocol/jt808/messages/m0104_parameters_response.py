"""0x0104 query parameters response: WORD serial of the query | BYTE count | items."""

from __future__ import annotations

from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import U16, MessageCodec, need
from busbrain.protocol.jt808.messages.parameters import (
    Parameter,
    decode_parameters,
    encode_parameters,
)
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x0104


class ParametersResponse(msgspec.Struct, frozen=True, gc=False):
    """The terminal's parameters, answering the 0x8104 / 0x8106 with `ack_serial`."""

    msg_id: ClassVar[int] = MSG_ID
    ack_serial: int
    params: tuple[Parameter, ...]


def decode(body: bytes, header: Header) -> ParametersResponse:
    need(body, 3, "0x0104")
    return ParametersResponse(U16.unpack_from(body)[0], decode_parameters(body, 3, body[2]))


def encode(msg: ParametersResponse, version: ProtocolVersion) -> bytes:
    return U16.pack(msg.ack_serial) + encode_parameters(msg.params)


CODEC = MessageCodec(MSG_ID, ParametersResponse, decode, encode)
