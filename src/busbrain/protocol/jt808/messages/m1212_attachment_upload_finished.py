"""0x1212 (su-biao) file upload finished; same layout as 0x1211. Answered by 0x9212."""

from __future__ import annotations

from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import MessageCodec
from busbrain.protocol.jt808.messages.m1211_attachment_file_info import (
    decode_fields,
    encode_fields,
)
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x1212


class AttachmentUploadFinished(msgspec.Struct, frozen=True, gc=False):
    """The terminal has sent all data of a file: name, type, size in bytes."""

    msg_id: ClassVar[int] = MSG_ID
    name: str
    file_type: int
    size_bytes: int


def decode(body: bytes, header: Header) -> AttachmentUploadFinished:
    return AttachmentUploadFinished(*decode_fields(body, "0x1212"))


def encode(msg: AttachmentUploadFinished, version: ProtocolVersion) -> bytes:
    return encode_fields(msg.name, msg.file_type, msg.size_bytes)


CODEC = MessageCodec(MSG_ID, AttachmentUploadFinished, decode, encode)
