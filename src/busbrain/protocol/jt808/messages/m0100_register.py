"""0x0100 terminal registration, in its 2011, 2013 and 2019 layouts.

    field          2011     2013     2019
    province ID    WORD     WORD     WORD     GB/T 2260, first 2 digits
    city ID        WORD     WORD     WORD     GB/T 2260, last 4 digits
    maker ID       BYTE[5]  BYTE[5]  BYTE[11]
    model          BYTE[8]  BYTE[20] BYTE[30]
    terminal ID    BYTE[7]  BYTE[7]  BYTE[30]
    plate colour   BYTE     BYTE     BYTE     0 = no plate: `plate` then holds the VIN
    plate          STRING (rest of the body, GBK)

The header cannot tell 2011 from 2013, so a 2011/2013 header with a body shorter than
the 2013 fixed part (37 bytes) is read with the 2011 layout, as other implementations do.
"""

from __future__ import annotations

from struct import Struct
from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import MessageCodec, need
from busbrain.protocol.jt808.text import decode_text, encode_fixed, encode_text
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x0100


class _Layout:
    """Field widths of one edition: maker, model, terminal ID."""

    def __init__(self, maker: int, model: int, terminal: int) -> None:
        self.maker, self.model, self.terminal = maker, model, terminal
        self.struct = Struct(f">HH{maker}s{model}s{terminal}sB")
        self.size = self.struct.size


_LAYOUTS = {
    ProtocolVersion.V2011: _Layout(5, 8, 7),
    ProtocolVersion.V2013: _Layout(5, 20, 7),
    ProtocolVersion.V2019: _Layout(11, 30, 30),
}


class PlateColor:
    """Plate colours of JT/T 415 / JT/T 697.7 (`Register.plate_color`)."""

    NO_PLATE = 0
    BLUE = 1
    YELLOW = 2
    BLACK = 3
    WHITE = 4
    GREEN = 5
    OTHER = 9


class Register(msgspec.Struct, frozen=True, gc=False):
    """A terminal registers itself and its vehicle; answered by 0x8100.

    Text fields are GBK with their 0x00 padding removed. `plate_color` follows
    `PlateColor`; with colour 0 the `plate` field carries the VIN.
    """

    msg_id: ClassVar[int] = MSG_ID
    province_id: int
    city_id: int
    maker_id: str
    model: str
    terminal_id: str
    plate_color: int
    plate: str


def _layout_for(version: ProtocolVersion, body_length: int) -> _Layout:
    if version == ProtocolVersion.V2013 and body_length < _LAYOUTS[version].size:
        return _LAYOUTS[ProtocolVersion.V2011]
    return _LAYOUTS[version]


def decode(body: bytes, header: Header) -> Register:
    layout = _layout_for(header.version, len(body))
    need(body, layout.size, "0x0100")
    province, city, maker, model, terminal, color = layout.struct.unpack_from(body)
    return Register(
        province,
        city,
        decode_text(maker),
        decode_text(model),
        decode_text(terminal),
        color,
        decode_text(body[layout.size :]),
    )


def encode(msg: Register, version: ProtocolVersion) -> bytes:
    layout = _LAYOUTS[version]
    return layout.struct.pack(
        msg.province_id,
        msg.city_id,
        encode_fixed(msg.maker_id, layout.maker, field="maker_id"),
        encode_fixed(msg.model, layout.model, field="model"),
        encode_fixed(msg.terminal_id, layout.terminal, field="terminal_id"),
        msg.plate_color,
    ) + encode_text(msg.plate, field="plate")


CODEC = MessageCodec(MSG_ID, Register, decode, encode)
