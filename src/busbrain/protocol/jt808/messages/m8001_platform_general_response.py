"""0x8001 platform general response: the platform acknowledges a terminal message."""

from __future__ import annotations

from enum import IntEnum
from struct import Struct
from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import MessageCodec, need
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x8001
_LAYOUT = Struct(">HHB")


class GeneralResult(IntEnum):
    """Result codes of 0x0001 / 0x8001 (ALARM_CONFIRMED only in 0x8001, 2013+)."""

    SUCCESS = 0
    FAILURE = 1
    MESSAGE_ERROR = 2
    NOT_SUPPORTED = 3
    ALARM_CONFIRMED = 4


class PlatformGeneralResponse(msgspec.Struct, frozen=True, gc=False):
    """Answer to the terminal message with serial `ack_serial` and ID `ack_msg_id`.

    `result`: a `GeneralResult` value (kept as int: peers send codes beyond the table).
    """

    msg_id: ClassVar[int] = MSG_ID
    ack_serial: int
    ack_msg_id: int
    result: int = 0


def decode(body: bytes, header: Header) -> PlatformGeneralResponse:
    need(body, 5, "0x8001")
    return PlatformGeneralResponse(*_LAYOUT.unpack_from(body))


def encode(msg: PlatformGeneralResponse, version: ProtocolVersion) -> bytes:
    return _LAYOUT.pack(msg.ack_serial, msg.ack_msg_id, msg.result)


CODEC = MessageCodec(MSG_ID, PlatformGeneralResponse, decode, encode)
