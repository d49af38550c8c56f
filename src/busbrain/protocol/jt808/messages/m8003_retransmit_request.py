"""0x8003 retransmit request: the platform asks for missing sub-packages.

original serial WORD (serial of package 1) | count (BYTE in 2013, WORD in 2019) |
WORD[count] package indexes
"""

from __future__ import annotations

from struct import Struct
from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.errors import LocalProtocolError
from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import MessageCodec, is_2019, need
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x8003
_HEAD_2013 = Struct(">HB")
_HEAD_2019 = Struct(">HH")


class RetransmitRequest(msgspec.Struct, frozen=True, gc=False):
    """Send again the packages `package_indexes` (from 1) of the sub-packaged message
    whose first package had serial `original_serial`; what a gateway sends after a
    `ReassemblyAbandoned` event."""

    msg_id: ClassVar[int] = MSG_ID
    original_serial: int
    package_indexes: tuple[int, ...]


def decode(body: bytes, header: Header) -> RetransmitRequest:
    head = _HEAD_2019 if is_2019(header.version) else _HEAD_2013
    need(body, head.size, "0x8003")
    serial, count = head.unpack_from(body)
    need(body, head.size + 2 * count, "0x8003 index list")
    return RetransmitRequest(serial, Struct(f">{count}H").unpack_from(body, head.size))


def encode(msg: RetransmitRequest, version: ProtocolVersion) -> bytes:
    head = _HEAD_2019 if is_2019(version) else _HEAD_2013
    count = len(msg.package_indexes)
    if count >= 1 << (8 * (head.size - 2)):
        raise LocalProtocolError(f"0x8003: {count} indexes do not fit the count field")
    return head.pack(msg.original_serial, count) + Struct(f">{count}H").pack(*msg.package_indexes)


CODEC = MessageCodec(MSG_ID, RetransmitRequest, decode, encode)
