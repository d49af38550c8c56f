"""0x0001 terminal general response: the terminal acknowledges a platform message."""

from __future__ import annotations

from struct import Struct
from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import MessageCodec, need
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x0001
_LAYOUT = Struct(">HHB")


class TerminalGeneralResponse(msgspec.Struct, frozen=True, gc=False):
    """Answer to the platform message with serial `ack_serial` and ID `ack_msg_id`.

    `result`: 0 success, 1 failure, 2 message error, 3 not supported (`GeneralResult`).
    """

    msg_id: ClassVar[int] = MSG_ID
    ack_serial: int
    ack_msg_id: int
    result: int = 0


def decode(body: bytes, header: Header) -> TerminalGeneralResponse:
    need(body, 5, "0x0001")
    return TerminalGeneralResponse(*_LAYOUT.unpack_from(body))


def encode(msg: TerminalGeneralResponse, version: ProtocolVersion) -> bytes:
    return _LAYOUT.pack(msg.ack_serial, msg.ack_msg_id, msg.result)


CODEC = MessageCodec(MSG_ID, TerminalGeneralResponse, decode, encode)
