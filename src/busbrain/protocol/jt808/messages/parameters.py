"""Terminal parameters as 0x8103 sets them and 0x0104 reports them.

Each item is `DWORD parameter ID | BYTE length | value`. Values stay bytes in
`Parameter` (exact to re-encode, and vendors add their own IDs); `Parameter.of` builds
one from a Python value and `Parameter.typed` reads the IDs whose type is known.
"""

from __future__ import annotations

from enum import IntEnum
from struct import Struct

import msgspec

from busbrain.protocol.jt808.errors import LocalProtocolError, MessageDecodeError
from busbrain.protocol.jt808.text import decode_text, encode_text

_ITEM_HEAD = Struct(">IB")


class ParamId(IntEnum):
    """Parameters that matter for a bus platform (units in the names)."""

    HEARTBEAT_INTERVAL_S = 0x0001
    TCP_RESPONSE_TIMEOUT_S = 0x0002
    TCP_RETRANSMIT_COUNT = 0x0003
    MAIN_SERVER_ADDRESS = 0x0013  # 2019: host:port, several separated by ';'
    SERVER_TCP_PORT = 0x0018  # 2013
    REPORT_STRATEGY = 0x0020  # 0 timed, 1 by distance, 2 both
    REPORT_SCHEME = 0x0021  # 0 by ACC, 1 by login and ACC
    SLEEP_REPORT_INTERVAL_S = 0x0027
    EMERGENCY_REPORT_INTERVAL_S = 0x0028
    DEFAULT_REPORT_INTERVAL_S = 0x0029
    DEFAULT_DISTANCE_INTERVAL_M = 0x002C
    CORNER_ANGLE_DEG = 0x0030  # below 180
    MAX_SPEED_KMH = 0x0055
    OVERSPEED_DURATION_S = 0x0056
    ODOMETER_0_1KM = 0x0080  # 1/10 km
    PROVINCE_ID = 0x0081
    CITY_ID = 0x0082
    PLATE = 0x0083
    PLATE_COLOR = 0x0084
    SUBIAO_ADAS = 0xF364
    SUBIAO_DMS = 0xF365
    SUBIAO_TPMS = 0xF366
    SUBIAO_BSD = 0xF367


_WIDTHS = {"BYTE": 1, "WORD": 2, "DWORD": 4}
PARAM_TYPES: dict[int, str] = {
    **{p: "DWORD" for p in (0x0001, 0x0002, 0x0003, 0x0018, 0x0020, 0x0021)},
    **{p: "DWORD" for p in (0x0027, 0x0028, 0x0029, 0x002C, 0x0030, 0x0055, 0x0056, 0x0080)},
    0x0013: "STRING",
    0x0081: "WORD",
    0x0082: "WORD",
    0x0083: "STRING",
    0x0084: "BYTE",
}
"""Wire type of the parameters whose type is known (the others stay bytes)."""


class Parameter(msgspec.Struct, frozen=True, gc=False):
    """One terminal parameter: its DWORD ID and its value bytes (at most 255)."""

    param_id: int
    value: bytes

    @classmethod
    def of(cls, param_id: int, value: int | str | bytes) -> Parameter:
        """A parameter from an int (sized by `PARAM_TYPES`, else DWORD), text or bytes."""
        if isinstance(value, bytes):
            return cls(param_id, value)
        if isinstance(value, str):
            return cls(param_id, encode_text(value, field=f"parameter {param_id:#06x}"))
        width = _WIDTHS.get(PARAM_TYPES.get(param_id, "DWORD"), 4)
        try:
            return cls(param_id, value.to_bytes(width, "big"))
        except OverflowError as exc:
            raise LocalProtocolError(f"parameter {param_id:#06x}: {value} too big") from exc

    def typed(self) -> int | str | bytes:
        """The value as int or text when `PARAM_TYPES` knows its type, else the bytes."""
        kind = PARAM_TYPES.get(self.param_id)
        if kind == "STRING":
            return decode_text(self.value)
        if kind is not None and len(self.value) == _WIDTHS[kind]:
            return int.from_bytes(self.value, "big")
        return self.value


def decode_parameters(body: bytes, offset: int, count: int) -> tuple[Parameter, ...]:
    """`count` parameter items starting at `offset`; they must end the body exactly."""
    params = []
    for n in range(count):
        if offset + 5 > len(body):
            raise MessageDecodeError(f"parameter {n + 1} of {count} missing")
        param_id, size = _ITEM_HEAD.unpack_from(body, offset)
        offset += 5
        if offset + size > len(body):
            raise MessageDecodeError(f"parameter {param_id:#06x} runs past the body")
        params.append(Parameter(param_id, body[offset : offset + size]))
        offset += size
    if offset != len(body):
        raise MessageDecodeError(f"{len(body) - offset} bytes after {count} parameters")
    return tuple(params)


def encode_parameters(params: tuple[Parameter, ...]) -> bytes:
    """The count BYTE followed by the items."""
    if len(params) > 0xFF:
        raise LocalProtocolError("more than 255 parameters in one message")
    parts = [bytes((len(params),))]
    for p in params:
        if len(p.value) > 0xFF:
            raise LocalProtocolError(f"parameter {p.param_id:#06x}: value over 255 bytes")
        parts.append(_ITEM_HEAD.pack(p.param_id, len(p.value)) + p.value)
    return b"".join(parts)
