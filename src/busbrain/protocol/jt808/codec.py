"""Message bodies to and from typed messages, and whole messages to frames.

This is where foreign exceptions stop: a decoder tripping over short or odd input
(`struct.error`, `IndexError`, `ValueError`, `UnicodeError`) becomes a
`MessageDecodeError` carrying the header; an encoder given a value that does not fit
becomes a `LocalProtocolError`.
"""

from __future__ import annotations

from struct import error as StructError

from busbrain.protocol.jt808.errors import LocalProtocolError, MessageDecodeError
from busbrain.protocol.jt808.frame import encode_frame
from busbrain.protocol.jt808.header import MAX_BODY_LENGTH, Header
from busbrain.protocol.jt808.messages import Message, RawMessage
from busbrain.protocol.jt808.registry import BY_ID, BY_TYPE
from busbrain.protocol.jt808.version import ProtocolVersion

_DECODE_FAULTS = (StructError, IndexError, ValueError, UnicodeError, OverflowError)
_ENCODE_FAULTS = (StructError, ValueError, OverflowError, TypeError, AttributeError)


def decode_body(header: Header, body: bytes) -> Message:
    """The typed message for `body`; `RawMessage` for unknown IDs and encrypted bodies.

    Raises `MessageDecodeError` (with `header` set) when the body does not fit.
    """
    codec = BY_ID.get(header.msg_id)
    if codec is None or header.encryption:
        return RawMessage(header.msg_id, body)
    try:
        message: Message = codec.decode(body, header)
    except MessageDecodeError as exc:
        if exc.header is None:
            exc.header = header
        raise
    except _DECODE_FAULTS as exc:
        raise MessageDecodeError(f"{header.msg_id:#06x}: {exc}", header=header) from exc
    return message


def encode_body(message: Message, version: ProtocolVersion) -> bytes:
    """The body bytes of `message` in the layout of `version`."""
    if isinstance(message, RawMessage):
        return message.body
    codec = BY_TYPE.get(type(message))
    if codec is None:
        raise LocalProtocolError(f"no codec for {type(message).__name__}")
    try:
        body: bytes = codec.encode(message, version)
    except _ENCODE_FAULTS as exc:
        raise LocalProtocolError(f"{type(message).__name__}: {exc}") from exc
    return body


def encode_message(
    message: Message,
    *,
    phone: str,
    serial: int,
    version: ProtocolVersion = ProtocolVersion.V2013,
    protocol_version: int = 1,
    encryption: int = 0,
) -> bytes:
    """One frame carrying `message` (raises `LocalProtocolError` past 1023 body bytes).

    `protocol_version` is the 2019 header's version byte and is ignored before 2019.
    """
    header = Header(
        message.msg_id,
        phone,
        serial,
        version,
        protocol_version if version == ProtocolVersion.V2019 else 0,
        encryption,
    )
    return encode_frame(header, encode_body(message, version))


def encode_packages(
    message: Message,
    *,
    phone: str,
    first_serial: int,
    version: ProtocolVersion = ProtocolVersion.V2013,
    protocol_version: int = 1,
    max_body: int = MAX_BODY_LENGTH,
) -> list[bytes]:
    """The frames carrying `message`: one frame, or sub-packages of at most `max_body`
    bytes with consecutive serials from `first_serial` (wrapping at 0xFFFF) when the
    body is longer than `max_body`."""
    body = encode_body(message, version)
    proto = protocol_version if version == ProtocolVersion.V2019 else 0
    if len(body) <= max_body:
        header = Header(message.msg_id, phone, first_serial & 0xFFFF, version, proto)
        return [encode_frame(header, body)]
    if not 1 <= max_body <= MAX_BODY_LENGTH:
        raise LocalProtocolError(f"max_body {max_body} outside 1..{MAX_BODY_LENGTH}")
    chunks = [body[i : i + max_body] for i in range(0, len(body), max_body)]
    if len(chunks) > 0xFFFF:
        raise LocalProtocolError(f"{len(chunks)} packages do not fit a WORD")
    return [
        encode_frame(
            Header(
                message.msg_id,
                phone,
                (first_serial + n) & 0xFFFF,
                version,
                proto,
                package_total=len(chunks),
                package_index=n + 1,
            ),
            chunk,
        )
        for n, chunk in enumerate(chunks)
    ]
