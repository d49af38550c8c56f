"""0x9208 (su-biao) alarm attachment upload request, platform to terminal.

    BYTE n | server IP STRING[n] | TCP port WORD | UDP port WORD |
    alarm identification BYTE[16] | alarm number BYTE[32] | reserved BYTE[16]

The terminal then connects to that attachment server and sends 0x1210.
"""

from __future__ import annotations

from struct import Struct
from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.errors import LocalProtocolError
from busbrain.protocol.jt808.extensions.common import (
    NARROW_ID,
    AlarmIdentification,
    decode_identification,
    encode_identification,
)
from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import MessageCodec, need
from busbrain.protocol.jt808.text import decode_text, encode_fixed, encode_prefixed
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x9208
ALARM_NUMBER = 32
_RESERVED = 16
_PORTS = Struct(">HH")


class AlarmAttachmentRequest(msgspec.Struct, frozen=True, gc=False):
    """Upload the attachments of the alarm `identification` to `server_ip`.

    `alarm_number` is the platform's unique number for the alarm (GBK, 32 bytes, 0x00
    padding removed); `reserved` keeps the 16 reserved bytes as sent.
    """

    msg_id: ClassVar[int] = MSG_ID
    server_ip: str
    tcp_port: int
    udp_port: int
    identification: AlarmIdentification
    alarm_number: str
    reserved: bytes = bytes(_RESERVED)


def decode(body: bytes, header: Header) -> AlarmAttachmentRequest:
    need(body, 1, "0x9208")
    at = 1 + body[0]
    need(body, at + 4 + 16 + ALARM_NUMBER + _RESERVED, "0x9208")
    tcp, udp = _PORTS.unpack_from(body, at)
    ident = decode_identification(body, at + 4, NARROW_ID)
    number = at + 4 + ident.size
    return AlarmAttachmentRequest(
        decode_text(body[1 : 1 + body[0]]),
        tcp,
        udp,
        ident,
        decode_text(body[number : number + ALARM_NUMBER]),
        body[number + ALARM_NUMBER : number + ALARM_NUMBER + _RESERVED],
    )


def encode(msg: AlarmAttachmentRequest, version: ProtocolVersion) -> bytes:
    if len(msg.reserved) != _RESERVED:
        raise LocalProtocolError("0x9208: reserved must be 16 bytes")
    return (
        encode_prefixed(msg.server_ip, field="server_ip")
        + _PORTS.pack(msg.tcp_port, msg.udp_port)
        + encode_identification(msg.identification)
        + encode_fixed(msg.alarm_number, ALARM_NUMBER, field="alarm_number")
        + msg.reserved
    )


CODEC = MessageCodec(MSG_ID, AlarmAttachmentRequest, decode, encode)
