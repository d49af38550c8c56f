"""Byte-level transforms of a frame: 0x7e flags, 0x7d escaping and the XOR check code.

Escaping is done with `bytes.replace` and checked with `bytes.count`, never with a
per-byte Python loop: this module sits on the hot path of every frame.
"""

from __future__ import annotations

from busbrain.protocol.jt808.errors import EscapeError

FLAG = 0x7E
FLAG_BYTE = b"\x7e"
_ESC = b"\x7d"
_ESC_7D = b"\x7d\x01"
_ESC_7E = b"\x7d\x02"


def escape(content: bytes) -> bytes:
    """Escape header + body + check code for the wire: 0x7d -> 7d 01, then 0x7e -> 7d 02.

    0x7d goes first, or the 0x7d bytes introduced for 0x7e would be escaped again.
    """
    if 0x7D in content:
        content = content.replace(_ESC, _ESC_7D)
    if FLAG in content:
        content = content.replace(FLAG_BYTE, _ESC_7E)
    return content


def unescape(data: bytes) -> bytes:
    """Undo `escape` on the bytes between two flags.

    Raises `EscapeError` when a 0x7d is followed by anything but 0x01 / 0x02: every
    0x7d must start one of the two escape pairs, and the pairs cannot overlap, so
    counting them is an exact check. 7d 02 is replaced first, because replacing 7d 01
    first would turn an escaped 0x7d followed by a literal 0x02 into a 0x7e.
    """
    escapes = data.count(_ESC)
    if not escapes:
        return data
    if escapes != data.count(_ESC_7D) + data.count(_ESC_7E):
        raise EscapeError("0x7d not followed by 0x01 or 0x02")
    return data.replace(_ESC_7E, FLAG_BYTE).replace(_ESC_7D, _ESC)


def check_code(data: bytes) -> int:
    """XOR of all bytes of `data` (the check code of header + body, unescaped).

    The bytes are read as one little-endian integer and folded onto themselves with
    doubling shifts: after shifting by 8, 16, 32 ... bits the lowest byte holds the XOR
    of the first 2, 4, 8 ... bytes. About ten big-integer operations replace a loop
    over every byte. A whole frame including its check byte XORs to 0 when it verifies.
    """
    x = int.from_bytes(data, "little")
    x ^= x >> 8
    x ^= x >> 16
    x ^= x >> 32
    x ^= x >> 64
    x ^= x >> 128
    x ^= x >> 256
    bits = len(data) * 8
    shift = 512
    while shift < bits:
        x ^= x >> shift
        shift <<= 1
    return x & 0xFF
