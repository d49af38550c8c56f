"""0x8300 text message to the terminal (GBK text, at most 1024 bytes).

    2013: flags BYTE | text STRING
    2019: flags BYTE | text type BYTE (1 notification, 2 service) | text STRING

2013 flag bits: 0 emergency, 2 terminal display, 3 TTS read-out, 4 advertising screen,
5 CAN fault code (0 = navigation information). 2019 reworks bits 0-1 into a priority.
The terminal answers 0x0001.
"""

from __future__ import annotations

from enum import IntFlag
from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.errors import LocalProtocolError
from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import MessageCodec, is_2019, need
from busbrain.protocol.jt808.text import decode_text, encode_text
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x8300
MAX_TEXT = 1024
NOTIFICATION = 1


class TextFlag(IntFlag):
    """2013 flag bits of 0x8300."""

    EMERGENCY = 1 << 0
    DISPLAY = 1 << 2
    TTS = 1 << 3
    ADVERTISING_SCREEN = 1 << 4
    CAN_FAULT_CODE = 1 << 5


class TextMessage(msgspec.Struct, frozen=True, gc=False):
    """Text for the driver's display or TTS.

    `flags` are `TextFlag` bits (2013 meaning). `text_type` exists only in 2019
    (1 notification, 2 service): None before 2019, and None encodes as 1 in 2019.
    """

    msg_id: ClassVar[int] = MSG_ID
    flags: int
    text: str
    text_type: int | None = None


def decode(body: bytes, header: Header) -> TextMessage:
    if is_2019(header.version):
        need(body, 2, "0x8300 (2019)")
        return TextMessage(body[0], decode_text(body[2:]), body[1])
    need(body, 1, "0x8300")
    return TextMessage(body[0], decode_text(body[1:]))


def encode(msg: TextMessage, version: ProtocolVersion) -> bytes:
    text = encode_text(msg.text, field="text")
    if len(text) > MAX_TEXT:
        raise LocalProtocolError(f"0x8300 text of {len(text)} bytes, at most {MAX_TEXT}")
    if is_2019(version):
        kind = NOTIFICATION if msg.text_type is None else msg.text_type
        return bytes((msg.flags, kind)) + text
    if msg.text_type is not None:
        raise LocalProtocolError("0x8300 before 2019 has no text type")
    return bytes((msg.flags,)) + text


CODEC = MessageCodec(MSG_ID, TextMessage, decode, encode)
