"""0x8100 registration response: the result and, on success, the authentication code."""

from __future__ import annotations

from enum import IntEnum
from struct import Struct
from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import MessageCodec, need
from busbrain.protocol.jt808.text import decode_text, encode_text
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x8100
_LAYOUT = Struct(">HB")


class RegisterResult(IntEnum):
    SUCCESS = 0
    VEHICLE_ALREADY_REGISTERED = 1
    VEHICLE_NOT_IN_DATABASE = 2
    TERMINAL_ALREADY_REGISTERED = 3
    TERMINAL_NOT_IN_DATABASE = 4


class RegisterResponse(msgspec.Struct, frozen=True, gc=False):
    """Answer to the 0x0100 with serial `ack_serial`.

    `result` is a `RegisterResult` value. The standard sends `auth_code` (GBK) only with
    result 0; it is decoded whenever bytes follow, and encoded whenever it is not empty.
    """

    msg_id: ClassVar[int] = MSG_ID
    ack_serial: int
    result: int
    auth_code: str = ""


def decode(body: bytes, header: Header) -> RegisterResponse:
    need(body, 3, "0x8100")
    serial, result = _LAYOUT.unpack_from(body)
    return RegisterResponse(serial, result, decode_text(body[3:]))


def encode(msg: RegisterResponse, version: ProtocolVersion) -> bytes:
    return _LAYOUT.pack(msg.ack_serial, msg.result) + encode_text(msg.auth_code, field="auth_code")


CODEC = MessageCodec(MSG_ID, RegisterResponse, decode, encode)
