"""The message header: ID, body attributes, BCD phone, serial and sub-package fields.

Layouts (offsets in bytes, all big-endian):

    2011/2013  ID:2  attributes:2  phone:BCD[6]   serial:2  [total:2 index:2]   12 or 16
    2019       ID:2  attributes:2  version:1  phone:BCD[10]  serial:2  [total:2 index:2]
                                                                              17 or 21

Body attributes: bits 0-9 body length, 10-12 encryption, 13 sub-package, 14 the 2019
version flag, 15 reserved (dropped).
"""

from __future__ import annotations

from struct import Struct
from struct import error as StructError

import msgspec

from busbrain.protocol.jt808.bcd import decode_phone, encode_phone
from busbrain.protocol.jt808.errors import FramingError, LocalProtocolError
from busbrain.protocol.jt808.version import ProtocolVersion

MAX_BODY_LENGTH = 0x3FF
"""Largest body one frame can carry (10 bits); longer bodies are sub-packaged."""

_LENGTH_MASK = 0x03FF
_ENCRYPTION_SHIFT = 10
_SUBPACKAGE_BIT = 0x2000
_VERSION_BIT = 0x4000

_H2013 = Struct(">HH6sH")
_H2019 = Struct(">HHB10sH")
_PACKAGE = Struct(">HH")

V2011 = ProtocolVersion.V2011
V2013 = ProtocolVersion.V2013
V2019 = ProtocolVersion.V2019


class Header(msgspec.Struct, frozen=True, gc=False):
    """One frame's header.

    `phone` is the BCD terminal number as digits with its leading zeros (12 digits in
    2011/2013, 20 in 2019); `bcd.normalise_phone` gives an identity that is the same in
    both. `protocol_version` is the 2019 version byte (0 before 2019). `body_length` is
    the length the peer declared, which may differ from the bytes present (see
    `Frame.length_mismatch`); it is ignored when encoding. `package_total` and
    `package_index` (from 1) are set only on sub-packaged frames.
    """

    msg_id: int
    phone: str
    serial: int
    version: ProtocolVersion = V2013
    protocol_version: int = 0
    encryption: int = 0
    body_length: int = 0
    package_total: int | None = None
    package_index: int | None = None

    @property
    def is_subpackage(self) -> bool:
        return self.package_total is not None


def decode_header(content: bytes, assume: ProtocolVersion | None = None) -> tuple[Header, int]:
    """The header at the start of an unescaped frame, and its length in bytes.

    Bit 14 set means a 2019 header. When it is clear the header is 2011/2013 unless
    `assume` is V2019: some devices send the 2019 layout with bit 14 cleared, and only
    configuration (or the version remembered from registration) can tell.
    Raises `FramingError` when the frame is too short for its header and check code.
    """
    size = len(content)
    if size < 3:
        raise FramingError(f"frame of {size} bytes has no header")
    if content[2] & 0x40 or assume == V2019:
        if size < 18:
            raise FramingError(f"frame of {size} bytes is shorter than a 2019 header")
        msg_id, attr, proto, phone, serial = _H2019.unpack_from(content)
        version, length = V2019, 17
    else:
        if size < 13:
            raise FramingError(f"frame of {size} bytes is shorter than a 2013 header")
        msg_id, attr, phone, serial = _H2013.unpack_from(content)
        proto, version, length = 0, (assume or V2013), 12
    total = index = None
    if attr & _SUBPACKAGE_BIT:
        if size < length + 5:
            raise FramingError("frame too short for its sub-package fields")
        total, index = _PACKAGE.unpack_from(content, length)
        length += 4
    header = Header(
        msg_id,
        decode_phone(phone),
        serial,
        version,
        proto,
        (attr >> _ENCRYPTION_SHIFT) & 7,
        attr & _LENGTH_MASK,
        total,
        index,
    )
    return header, length


def encode_header(header: Header, body_length: int) -> bytes:
    """Header bytes for a body of `body_length` bytes (the declared length is ignored)."""
    if not 0 <= body_length <= MAX_BODY_LENGTH:
        raise LocalProtocolError(f"body of {body_length} bytes needs sub-packaging")
    if not 0 <= header.encryption <= 7:
        raise LocalProtocolError(f"encryption {header.encryption} does not fit 3 bits")
    attr = body_length | header.encryption << _ENCRYPTION_SHIFT
    if header.package_total is not None:
        attr |= _SUBPACKAGE_BIT
    try:
        if header.version == V2019:
            raw = _H2019.pack(
                header.msg_id,
                attr | _VERSION_BIT,
                header.protocol_version,
                encode_phone(header.phone, 10),
                header.serial,
            )
        else:
            raw = _H2013.pack(header.msg_id, attr, encode_phone(header.phone, 6), header.serial)
        if header.package_total is not None:
            raw += _PACKAGE.pack(header.package_total, header.package_index or 0)
    except StructError as exc:
        raise LocalProtocolError(f"header field out of range: {exc}") from exc
    return raw
