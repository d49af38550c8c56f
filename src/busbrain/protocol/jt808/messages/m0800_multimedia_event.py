"""0x0800 multimedia event: the terminal announces a photo, recording or video."""

from __future__ import annotations

from struct import Struct
from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import MessageCodec, need
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x0800
LAYOUT = Struct(">IBBBB")


class MultimediaEvent(msgspec.Struct, frozen=True, gc=False):
    """`media_type` 0 image, 1 audio, 2 video; `media_format` 0 JPEG, 1 TIF, 2 MP3,
    3 WAV, 4 WMV; `event_code` 0 platform command, 1 timed, 2 robbery alarm,
    3 collision/rollover, 4 door open, 5 door close, 6 door open->close passing
    20 km/h, 7 fixed distance."""

    msg_id: ClassVar[int] = MSG_ID
    media_id: int
    media_type: int
    media_format: int
    event_code: int
    channel: int


def decode(body: bytes, header: Header) -> MultimediaEvent:
    need(body, 8, "0x0800")
    return MultimediaEvent(*LAYOUT.unpack_from(body))


def encode(msg: MultimediaEvent, version: ProtocolVersion) -> bytes:
    return LAYOUT.pack(msg.media_id, msg.media_type, msg.media_format, msg.event_code, msg.channel)


CODEC = MessageCodec(MSG_ID, MultimediaEvent, decode, encode)
