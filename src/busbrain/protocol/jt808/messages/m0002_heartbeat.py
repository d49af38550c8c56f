"""0x0002 terminal heartbeat: keeps an idle connection alive (empty body)."""

from __future__ import annotations

from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import MessageCodec
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x0002


class Heartbeat(msgspec.Struct, frozen=True, gc=False):
    """The terminal is alive; sent at the interval of parameter 0x0001 when idle."""

    msg_id: ClassVar[int] = MSG_ID


def decode(body: bytes, header: Header) -> Heartbeat:
    """The body is empty; stray bytes some devices add are ignored."""
    return Heartbeat()


def encode(msg: Heartbeat, version: ProtocolVersion) -> bytes:
    return b""


CODEC = MessageCodec(MSG_ID, Heartbeat, decode, encode)
