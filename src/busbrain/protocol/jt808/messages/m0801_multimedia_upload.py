"""0x0801 multimedia upload (almost always sub-packaged).

media ID DWORD | type | format | event | channel | basic location (28 bytes,
2013+; absent in 2011) | media data
"""

from __future__ import annotations

from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.errors import LocalProtocolError
from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import MessageCodec, need
from busbrain.protocol.jt808.messages.m0200_location import (
    Location,
    decode_location,
    encode_location,
)
from busbrain.protocol.jt808.messages.m0800_multimedia_event import LAYOUT
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x0801


class MultimediaUpload(msgspec.Struct, frozen=True, gc=False):
    """A media file with the fields of its 0x0800 event (same codes) and, from 2013, the
    basic location (no additional items) where it was taken. `data` is the file."""

    msg_id: ClassVar[int] = MSG_ID
    media_id: int
    media_type: int
    media_format: int
    event_code: int
    channel: int
    location: Location | None
    data: bytes


def decode(body: bytes, header: Header) -> MultimediaUpload:
    if header.version == ProtocolVersion.V2011:
        need(body, 8, "0x0801 (2011)")
        location, data = None, body[8:]
    else:
        need(body, 36, "0x0801")
        location, data = decode_location(body[8:36], with_items=False), body[36:]
    media_id, media_type, media_format, event, channel = LAYOUT.unpack_from(body)
    return MultimediaUpload(media_id, media_type, media_format, event, channel, location, data)


def encode(msg: MultimediaUpload, version: ProtocolVersion) -> bytes:
    head = LAYOUT.pack(msg.media_id, msg.media_type, msg.media_format, msg.event_code, msg.channel)
    if version == ProtocolVersion.V2011:
        if msg.location is not None:
            raise LocalProtocolError("0x0801 in 2011 carries no location")
        return head + msg.data
    if msg.location is None:
        raise LocalProtocolError("0x0801 from 2013 on needs a location")
    return head + encode_location(msg.location, with_items=False) + msg.data


CODEC = MessageCodec(MSG_ID, MultimediaUpload, decode, encode)
