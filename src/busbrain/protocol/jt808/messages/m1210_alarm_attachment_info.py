"""0x1210 (su-biao) alarm attachment information, terminal to attachment server.

terminal ID BYTE[7] | alarm identification BYTE[16] | alarm number BYTE[32] |
info type BYTE (0 normal, 1 re-send) | file count BYTE |
count x (BYTE n | file name STRING[n] | file size DWORD)
"""

from __future__ import annotations

from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.errors import LocalProtocolError, MessageDecodeError
from busbrain.protocol.jt808.extensions.common import (
    NARROW_ID,
    AlarmIdentification,
    decode_identification,
    encode_identification,
)
from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import U32, MessageCodec, need
from busbrain.protocol.jt808.messages.m9208_alarm_attachment_request import ALARM_NUMBER
from busbrain.protocol.jt808.text import decode_text, encode_fixed, encode_prefixed
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x1210
_FIXED = NARROW_ID + 16 + ALARM_NUMBER + 2


class AttachmentFile(msgspec.Struct, frozen=True, gc=False):
    """One file of an alarm's attachments: its name and size in bytes."""

    name: str
    size_bytes: int


class AlarmAttachmentInfo(msgspec.Struct, frozen=True, gc=False):
    """The list of files the terminal will upload for an alarm; `info_type` 0 normal,
    1 re-send."""

    msg_id: ClassVar[int] = MSG_ID
    terminal_id: str
    identification: AlarmIdentification
    alarm_number: str
    info_type: int
    files: tuple[AttachmentFile, ...]


def _decode_files(body: bytes, offset: int, count: int) -> tuple[AttachmentFile, ...]:
    files = []
    for n in range(count):
        need(body, offset + 1, f"0x1210 file {n + 1}")
        end = offset + 1 + body[offset]
        need(body, end + 4, f"0x1210 file {n + 1}")
        files.append(
            AttachmentFile(decode_text(body[offset + 1 : end]), U32.unpack_from(body, end)[0])
        )
        offset = end + 4
    if offset != len(body):
        raise MessageDecodeError(f"0x1210: {len(body) - offset} bytes after the file list")
    return tuple(files)


def decode(body: bytes, header: Header) -> AlarmAttachmentInfo:
    need(body, _FIXED, "0x1210")
    number = NARROW_ID + 16
    return AlarmAttachmentInfo(
        decode_text(body[:NARROW_ID]),
        decode_identification(body, NARROW_ID, NARROW_ID),
        decode_text(body[number : number + ALARM_NUMBER]),
        body[_FIXED - 2],
        _decode_files(body, _FIXED, body[_FIXED - 1]),
    )


def encode(msg: AlarmAttachmentInfo, version: ProtocolVersion) -> bytes:
    if len(msg.files) > 0xFF:
        raise LocalProtocolError("0x1210: more than 255 files")
    head = (
        encode_fixed(msg.terminal_id, NARROW_ID, field="terminal_id")
        + encode_identification(msg.identification)
        + encode_fixed(msg.alarm_number, ALARM_NUMBER, field="alarm_number")
        + bytes((msg.info_type, len(msg.files)))
    )
    files = b"".join(
        encode_prefixed(f.name, field="file name") + U32.pack(f.size_bytes) for f in msg.files
    )
    return head + files


CODEC = MessageCodec(MSG_ID, AlarmAttachmentInfo, decode, encode)
