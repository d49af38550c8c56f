"""One frame: `0x7e | header | body | check code | 0x7e`, escaped between the flags.

Receive order (brief §2): strip the flags, unescape, verify the check code, read the
header. The policy for a body length that disagrees with the bytes present (brief §9)
is to trust the flags and the check code, flag the mismatch, and reject only when the
check code fails:

- more bytes than declared: the check byte is looked for first right after the
  declared body (a device that appends padding after its check code), then at the end
  of the frame; the body is the declared length and the surplus is kept in `trailing`;
- fewer bytes than declared: the body is what is present.

Either way `Frame.length_mismatch` records both numbers, for the gateway to log.
"""

from __future__ import annotations

import msgspec

from busbrain.protocol.jt808.errors import ChecksumError, FramingError
from busbrain.protocol.jt808.header import Header, decode_header, encode_header
from busbrain.protocol.jt808.version import ProtocolVersion
from busbrain.protocol.jt808.wire import FLAG, FLAG_BYTE, check_code, escape, unescape

MIN_FRAME = 13
"""Smallest unescaped frame: a 12-byte 2013 header and the check code."""


class LengthMismatch(msgspec.Struct, frozen=True, gc=False):
    """The header declared `declared` body bytes; the frame carried `present`."""

    declared: int
    present: int


class Frame(msgspec.Struct, frozen=True, gc=False):
    """A verified frame: its header, its body bytes and its check code.

    `trailing` holds bytes present beyond the declared body length (empty normally).
    """

    header: Header
    body: bytes
    check_code: int
    length_mismatch: LengthMismatch | None = None
    trailing: bytes = b""


def decode_frame(
    data: bytes,
    *,
    assume_version: ProtocolVersion | None = None,
    verify_check_code: bool = True,
) -> Frame:
    """Decode one frame given with or without its 0x7e flags.

    `assume_version` applies when body-attribute bit 14 is clear (see
    `header.decode_header`). `verify_check_code=False` decodes a frame whose check code
    fails, for forensics only. Raises `FramingError` (or its subclasses `EscapeError`,
    `ChecksumError`).
    """
    start = 1 if data[:1] == FLAG_BYTE else 0
    end = -1 if len(data) > start and data[-1] == FLAG else None
    data = data[start:end]
    if FLAG in data:
        raise FramingError("0x7e inside a frame: more than one frame given")
    return decode_content(data, assume_version, verify_check_code)


def decode_content(
    escaped: bytes,
    assume_version: ProtocolVersion | None = None,
    verify_check_code: bool = True,
) -> Frame:
    """Decode the escaped bytes between two flags (the session's entry point)."""
    content = unescape(escaped)
    if len(content) < MIN_FRAME:
        raise FramingError(f"frame of {len(content)} bytes is shorter than {MIN_FRAME}")
    header, start = decode_header(content, assume_version)
    declared = header.body_length
    present = len(content) - start - 1
    if present == declared:
        if verify_check_code and check_code(content):
            raise _checksum_error(content)
        return Frame(header, content[start:-1], content[-1])
    mismatch = LengthMismatch(declared, present)
    if present < declared:
        if verify_check_code and check_code(content):
            raise _checksum_error(content)
        return Frame(header, content[start:-1], content[-1], mismatch)
    return _decode_surplus(content, header, start, mismatch, verify_check_code)


def _decode_surplus(
    content: bytes, header: Header, start: int, mismatch: LengthMismatch, verify: bool
) -> Frame:
    """More bytes than declared: check code after the declared body, else at the end."""
    end = start + mismatch.declared
    body = content[start:end]
    if not check_code(content[: end + 1]):
        return Frame(header, body, content[end], mismatch, content[end + 1 :])
    if verify and check_code(content):
        raise _checksum_error(content)
    return Frame(header, body, content[-1], mismatch, content[end:-1])


def _checksum_error(content: bytes) -> ChecksumError:
    expected = check_code(content[:-1])
    received = content[-1]
    return ChecksumError(
        f"check code {received:#04x}, computed {expected:#04x}",
        expected=expected,
        received=received,
    )


def encode_frame(header: Header, body: bytes) -> bytes:
    """The wire bytes of one frame: flags, escaped header + body + check code.

    The body length in the attributes is `len(body)`; `header.body_length` is ignored.
    Raises `LocalProtocolError` for a body over 1023 bytes or a header field that does
    not fit.
    """
    content = encode_header(header, len(body)) + body
    return b"\x7e" + escape(content + bytes((check_code(content),))) + b"\x7e"
