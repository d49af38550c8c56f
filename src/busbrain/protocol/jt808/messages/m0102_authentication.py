"""0x0102 terminal authentication, in its 2013 and 2019 layouts.

2011/2013: the whole body is the authentication code (GBK).
2019:      BYTE n | auth code STRING[n] | IMEI BYTE[15] | software version BYTE[20].
"""

from __future__ import annotations

from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.errors import LocalProtocolError
from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import MessageCodec, is_2019, need
from busbrain.protocol.jt808.text import decode_text, encode_fixed, encode_prefixed, encode_text
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x0102
_IMEI = 15
_SOFTWARE = 20


class Authentication(msgspec.Struct, frozen=True, gc=False):
    """The terminal proves itself with the code from its 0x8100; answered by 0x8001.

    `imei` and `software_version` exist only in 2019 and are empty before it.
    """

    msg_id: ClassVar[int] = MSG_ID
    auth_code: str
    imei: str = ""
    software_version: str = ""


def decode(body: bytes, header: Header) -> Authentication:
    if not is_2019(header.version):
        return Authentication(decode_text(body))
    need(body, 1, "0x0102")
    end = 1 + body[0]
    need(body, end + _IMEI + _SOFTWARE, "0x0102 (2019)")
    return Authentication(
        decode_text(body[1:end]),
        decode_text(body[end : end + _IMEI]),
        decode_text(body[end + _IMEI : end + _IMEI + _SOFTWARE]),
    )


def encode(msg: Authentication, version: ProtocolVersion) -> bytes:
    if not is_2019(version):
        if msg.imei or msg.software_version:
            raise LocalProtocolError("0x0102 before 2019 has no IMEI or software version")
        return encode_text(msg.auth_code, field="auth_code")
    return (
        encode_prefixed(msg.auth_code, field="auth_code")
        + encode_fixed(msg.imei, _IMEI, field="imei")
        + encode_fixed(msg.software_version, _SOFTWARE, field="software_version")
    )


CODEC = MessageCodec(MSG_ID, Authentication, decode, encode)
