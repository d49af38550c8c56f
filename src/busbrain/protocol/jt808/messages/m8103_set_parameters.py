"""0x8103 set terminal parameters: BYTE count | parameter items. Answered by 0x0001."""

from __future__ import annotations

from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import MessageCodec, need
from busbrain.protocol.jt808.messages.parameters import (
    Parameter,
    decode_parameters,
    encode_parameters,
)
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x8103


class SetParameters(msgspec.Struct, frozen=True, gc=False):
    """Parameters for the terminal to store (long lists are sub-packaged)."""

    msg_id: ClassVar[int] = MSG_ID
    params: tuple[Parameter, ...]


def decode(body: bytes, header: Header) -> SetParameters:
    need(body, 1, "0x8103")
    return SetParameters(decode_parameters(body, 1, body[0]))


def encode(msg: SetParameters, version: ProtocolVersion) -> bytes:
    return encode_parameters(msg.params)


CODEC = MessageCodec(MSG_ID, SetParameters, decode, encode)
