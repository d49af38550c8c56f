"""What the su-biao items share: the alarm identification block, flag status, and
the vehicle-status word.

Alarm identification (16 bytes, or 39 with the 30-byte Guangdong terminal ID):

    terminal ID BYTE[7] | time BCD[6] | sequence BYTE | attachment count BYTE | reserved BYTE
"""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, IntFlag
from struct import Struct

import msgspec

from busbrain.protocol.jt808.bcd import decode_bcd_time, encode_bcd_time
from busbrain.protocol.jt808.errors import MessageDecodeError
from busbrain.protocol.jt808.text import decode_text, encode_fixed

NARROW_ID = 7
"""Terminal-ID width of T/JSATL 12-2017 (苏标)."""
WIDE_ID = 30
"""Terminal-ID width of T/GDRTA 002-2019 (粤标)."""
WIDENING = WIDE_ID - NARROW_ID

_TAIL = Struct(">6sBBB")


class FlagStatus(IntEnum):
    """Whether an alarm with a duration starts or ends (0 for alarms without one)."""

    NOT_APPLICABLE = 0
    START = 1
    END = 2


class SuBiaoVehicleStatus(IntFlag):
    """Vehicle-status WORD of the su-biao items; other bits are vendor-defined."""

    ACC_ON = 1 << 0
    LEFT_TURN = 1 << 1
    RIGHT_TURN = 1 << 2
    WIPER = 1 << 3
    BRAKE = 1 << 4
    CARD_INSERTED = 1 << 5
    POSITIONED = 1 << 10


class AlarmIdentification(msgspec.Struct, frozen=True, gc=False):
    """Names an alarm and its attachments (files uploaded later via 0x9208 / 0x1210).

    `time` is the terminal's GMT+8 time of the alarm; `sequence` counts alarms within
    that second from 0; `terminal_id_width` is 7 (苏标) or 30 (粤标).
    """

    terminal_id: str
    time: datetime
    sequence: int
    attachment_count: int
    reserved: int = 0
    terminal_id_width: int = NARROW_ID

    @property
    def size(self) -> int:
        return self.terminal_id_width + 9


def identification_width(length: int, narrow_length: int) -> int:
    """Terminal-ID width implied by an item of `length` bytes (7 or 30)."""
    if length == narrow_length:
        return NARROW_ID
    if length == narrow_length + WIDENING:
        return WIDE_ID
    raise MessageDecodeError(f"su-biao item of {length} bytes, expected {narrow_length}")


def decode_identification(raw: bytes, offset: int, width: int) -> AlarmIdentification:
    """The identification block at `offset`, with a terminal ID `width` bytes wide."""
    time, sequence, count, reserved = _TAIL.unpack_from(raw, offset + width)
    return AlarmIdentification(
        decode_text(raw[offset : offset + width]),
        decode_bcd_time(time),
        sequence,
        count,
        reserved,
        width,
    )


def encode_identification(ident: AlarmIdentification) -> bytes:
    return encode_fixed(
        ident.terminal_id, ident.terminal_id_width, field="terminal_id"
    ) + _TAIL.pack(
        encode_bcd_time(ident.time), ident.sequence, ident.attachment_count, ident.reserved
    )
