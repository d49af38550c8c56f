"""GBK text fields: fixed-width (0x00-padded) and rest-of-body strings.

Decoding strips 0x00 on both sides, since at least one major implementation pads
before the text, and tolerates invalid bytes (they become U+FFFD) so that one bad
character never fails a message. Encoding pads after, as the standard says, and refuses
text that GBK cannot represent or that does not fit.
"""

from __future__ import annotations

from busbrain.protocol.jt808.errors import LocalProtocolError


def decode_text(raw: bytes) -> str:
    """GBK bytes as text, 0x00 padding removed on both sides."""
    return raw.strip(b"\x00").decode("gbk", "replace")


def encode_text(text: str, *, field: str) -> bytes:
    """`text` as GBK bytes (no padding)."""
    try:
        return text.encode("gbk")
    except UnicodeEncodeError as exc:
        raise LocalProtocolError(f"{field}: {text!r} is not representable in GBK") from exc


def encode_fixed(text: str, width: int, *, field: str) -> bytes:
    """`text` as GBK in exactly `width` bytes, padded after with 0x00."""
    raw = encode_text(text, field=field)
    if len(raw) > width:
        raise LocalProtocolError(f"{field}: {text!r} is {len(raw)} bytes, the field {width}")
    return raw.ljust(width, b"\x00")


def encode_prefixed(text: str, *, field: str) -> bytes:
    """`text` as GBK preceded by its length as one BYTE (0x0102 2019, su-biao names)."""
    raw = encode_text(text, field=field)
    if len(raw) > 0xFF:
        raise LocalProtocolError(f"{field}: {len(raw)} bytes do not fit a BYTE length")
    return bytes((len(raw),)) + raw
