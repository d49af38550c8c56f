"""0x1005 passenger flow upload (JT/T 1078 §5.5, carried on the 808 session).

    start time BCD[6] | end time BCD[6] | boarded WORD | alighted WORD

The automatic passenger counter's totals for one interval: a bus terminal sends one
when its doors close after a stop, covering the time the doors were open. Times are
GMT+8 like every JT/T 808 time. The platform answers with 0x8001.
"""

from __future__ import annotations

import datetime as dt
from struct import Struct
from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.bcd import decode_bcd_time, encode_bcd_time
from busbrain.protocol.jt808.errors import LocalProtocolError, MessageDecodeError
from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import MessageCodec, need
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x1005
SIZE = 16
_COUNTS = Struct(">HH")


class PassengerFlow(msgspec.Struct, frozen=True, gc=False):
    """Riders counted boarding and alighting between `start` and `end` (aware, +08:00)."""

    msg_id: ClassVar[int] = MSG_ID
    start: dt.datetime
    end: dt.datetime
    boarded: int
    alighted: int


def decode(body: bytes, header: Header) -> PassengerFlow:
    need(body, SIZE, "0x1005")
    start, end = decode_bcd_time(body[0:6]), decode_bcd_time(body[6:12])
    if end < start:
        raise MessageDecodeError(f"0x1005: end {end:%Y-%m-%d %H:%M:%S} before start {start}")
    boarded, alighted = _COUNTS.unpack_from(body, 12)
    return PassengerFlow(start, end, boarded, alighted)


def encode(msg: PassengerFlow, version: ProtocolVersion) -> bytes:
    for name, n in (("boarded", msg.boarded), ("alighted", msg.alighted)):
        if not 0 <= n <= 0xFFFF:
            raise LocalProtocolError(f"0x1005: {name} {n} does not fit a WORD")
    return (
        encode_bcd_time(msg.start)
        + encode_bcd_time(msg.end)
        + _COUNTS.pack(msg.boarded, msg.alighted)
    )


CODEC = MessageCodec(MSG_ID, PassengerFlow, decode, encode)
