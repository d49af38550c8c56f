"""0x0003 terminal unregister (empty body); the terminal must register again after it."""

from __future__ import annotations

from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import MessageCodec
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x0003


class Unregister(msgspec.Struct, frozen=True, gc=False):
    """The terminal withdraws its registration; the platform answers 0x8001."""

    msg_id: ClassVar[int] = MSG_ID


def decode(body: bytes, header: Header) -> Unregister:
    """The body is empty; stray bytes some devices add are ignored."""
    return Unregister()


def encode(msg: Unregister, version: ProtocolVersion) -> bytes:
    return b""


CODEC = MessageCodec(MSG_ID, Unregister, decode, encode)
