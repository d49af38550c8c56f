"""Additional items of 0x0200: `BYTE id | BYTE length | value`, repeated to the end.

Standard items become typed values with units in their names; su-biao items come from
`extensions`; everything else, and any item whose length does not fit its layout,
stays a `RawItem` with its bytes. An item never fails the report. Items keep their
order, so a decoded report re-encodes to the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from struct import Struct
from struct import error as StructError
from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.errors import LocalProtocolError, MessageDecodeError
from busbrain.protocol.jt808.extensions import ITEM_DECODERS as SUBIAO_DECODERS
from busbrain.protocol.jt808.extensions import SuBiaoItem

_U8 = Struct(">B")
_U16 = Struct(">H")
_I16 = Struct(">h")
_U32 = Struct(">I")
_AREA = Struct(">BIB")
_SEGMENT = Struct(">IHB")
_OVERSPEED_AREA = Struct(">BI")


class Mileage(msgspec.Struct, frozen=True, gc=False):
    """0x01 odometer, km (wire: DWORD, 1/10 km)."""

    item_id: ClassVar[int] = 0x01
    mileage_km: float

    def encode_value(self) -> bytes:
        return _U32.pack(round(self.mileage_km * 10))


class Fuel(msgspec.Struct, frozen=True, gc=False):
    """0x02 fuel level, litres (wire: WORD, 1/10 L)."""

    item_id: ClassVar[int] = 0x02
    fuel_l: float

    def encode_value(self) -> bytes:
        return _U16.pack(round(self.fuel_l * 10))


class RecorderSpeed(msgspec.Struct, frozen=True, gc=False):
    """0x03 speed from the driving recorder, km/h (wire: WORD, 1/10 km/h)."""

    item_id: ClassVar[int] = 0x03
    speed_kmh: float

    def encode_value(self) -> bytes:
        return _U16.pack(round(self.speed_kmh * 10))


class AlarmEventId(msgspec.Struct, frozen=True, gc=False):
    """0x04 ID (from 1) of an alarm event that needs manual confirmation."""

    item_id: ClassVar[int] = 0x04
    event_id: int

    def encode_value(self) -> bytes:
        return _U16.pack(self.event_id)


class TyrePressures(msgspec.Struct, frozen=True, gc=False):
    """0x05 (2019) tyre pressures, one byte per tyre, 30 bytes; the unit is unconfirmed,
    so the bytes are kept as sent."""

    item_id: ClassVar[int] = 0x05
    values: bytes

    def encode_value(self) -> bytes:
        return self.values


class CompartmentTemperature(msgspec.Struct, frozen=True, gc=False):
    """0x06 (2019) compartment temperature, °C (signed WORD; unconfirmed)."""

    item_id: ClassVar[int] = 0x06
    temperature_c: int

    def encode_value(self) -> bytes:
        return _I16.pack(self.temperature_c)


class OverspeedAlarm(msgspec.Struct, frozen=True, gc=False):
    """0x11 overspeed detail: `location_type` 0 none, 1 circle, 2 rectangle, 3 polygon,
    4 route segment; `area_id` is absent (None) when the type is 0."""

    item_id: ClassVar[int] = 0x11
    location_type: int
    area_id: int | None = None

    def encode_value(self) -> bytes:
        if self.area_id is None:
            return _U8.pack(self.location_type)
        return _OVERSPEED_AREA.pack(self.location_type, self.area_id)


class AreaRouteAlarm(msgspec.Struct, frozen=True, gc=False):
    """0x12 entering / leaving an area or route: `location_type` 1-4 (as in 0x11),
    `direction` 0 in, 1 out."""

    item_id: ClassVar[int] = 0x12
    location_type: int
    area_id: int
    direction: int

    def encode_value(self) -> bytes:
        return _AREA.pack(self.location_type, self.area_id, self.direction)


class RouteTimeAlarm(msgspec.Struct, frozen=True, gc=False):
    """0x13 route-segment driving time: `result` 0 too short, 1 too long."""

    item_id: ClassVar[int] = 0x13
    segment_id: int
    drive_time_s: int
    result: int

    def encode_value(self) -> bytes:
        return _SEGMENT.pack(self.segment_id, self.drive_time_s, self.result)


class VehicleSignals(msgspec.Struct, frozen=True, gc=False):
    """0x25 extended vehicle signals (`VehicleSignal` bits)."""

    item_id: ClassVar[int] = 0x25
    signals: int

    def encode_value(self) -> bytes:
        return _U32.pack(self.signals)


class IoStatus(msgspec.Struct, frozen=True, gc=False):
    """0x2A IO status (`IoStatusFlag` bits)."""

    item_id: ClassVar[int] = 0x2A
    status: int

    def encode_value(self) -> bytes:
        return _U16.pack(self.status)


class AnalogInputs(msgspec.Struct, frozen=True, gc=False):
    """0x2B analog inputs AD0 (bits 0-15) and AD1 (bits 16-31), raw counts."""

    item_id: ClassVar[int] = 0x2B
    ad0: int
    ad1: int

    def encode_value(self) -> bytes:
        return _U32.pack(self.ad1 << 16 | self.ad0)


class SignalStrength(msgspec.Struct, frozen=True, gc=False):
    """0x30 wireless (cellular) signal strength, as the terminal reports it (often CSQ)."""

    item_id: ClassVar[int] = 0x30
    strength: int

    def encode_value(self) -> bytes:
        return _U8.pack(self.strength)


class GnssSatellites(msgspec.Struct, frozen=True, gc=False):
    """0x31 number of GNSS satellites in use."""

    item_id: ClassVar[int] = 0x31
    satellites: int

    def encode_value(self) -> bytes:
        return _U8.pack(self.satellites)


class RawItem(msgspec.Struct, frozen=True, gc=False):
    """An item kept as sent: unknown or vendor-defined IDs, or a length that does not fit
    the item's layout."""

    item_id: int
    value: bytes

    def encode_value(self) -> bytes:
        return self.value


AdditionalItem = (
    Mileage
    | Fuel
    | RecorderSpeed
    | AlarmEventId
    | TyrePressures
    | CompartmentTemperature
    | OverspeedAlarm
    | AreaRouteAlarm
    | RouteTimeAlarm
    | VehicleSignals
    | IoStatus
    | AnalogInputs
    | SignalStrength
    | GnssSatellites
    | SuBiaoItem
    | RawItem
)


def _overspeed(v: bytes) -> OverspeedAlarm:
    if len(v) == 1:
        return OverspeedAlarm(v[0])
    return OverspeedAlarm(*_OVERSPEED_AREA.unpack(v))


def _analog(v: bytes) -> AnalogInputs:
    (raw,) = _U32.unpack(v)
    return AnalogInputs(raw & 0xFFFF, raw >> 16)


def _tyres(v: bytes) -> TyrePressures:
    if len(v) != 30:
        raise MessageDecodeError("0x05 is 30 bytes")
    return TyrePressures(v)


_DECODERS: dict[int, Callable[[bytes], AdditionalItem]] = {
    0x01: lambda v: Mileage(_U32.unpack(v)[0] / 10),
    0x02: lambda v: Fuel(_U16.unpack(v)[0] / 10),
    0x03: lambda v: RecorderSpeed(_U16.unpack(v)[0] / 10),
    0x04: lambda v: AlarmEventId(_U16.unpack(v)[0]),
    0x05: _tyres,
    0x06: lambda v: CompartmentTemperature(_I16.unpack(v)[0]),
    0x11: _overspeed,
    0x12: lambda v: AreaRouteAlarm(*_AREA.unpack(v)),
    0x13: lambda v: RouteTimeAlarm(*_SEGMENT.unpack(v)),
    0x25: lambda v: VehicleSignals(_U32.unpack(v)[0]),
    0x2A: lambda v: IoStatus(_U16.unpack(v)[0]),
    0x2B: _analog,
    0x30: lambda v: SignalStrength(_U8.unpack(v)[0]),
    0x31: lambda v: GnssSatellites(_U8.unpack(v)[0]),
    **SUBIAO_DECODERS,
}

_UNFIT = (StructError, MessageDecodeError, IndexError, ValueError)


def typed_item_ids() -> frozenset[int]:
    """Item IDs decoded to a typed item when their length fits (others stay raw)."""
    return frozenset(_DECODERS)


def decode_items(body: bytes, offset: int) -> tuple[tuple[AdditionalItem, ...], bytes]:
    """The items from `offset` to the end of `body`, and any bytes too short to be one.

    A last item whose length runs past the body is not an item: its bytes are returned
    as the trailing remainder, so nothing is lost and nothing raises.
    """
    items: list[AdditionalItem] = []
    append = items.append
    decoders = _DECODERS
    end = len(body)
    while offset + 2 <= end:
        item_id = body[offset]
        start = offset + 2
        stop = start + body[offset + 1]
        if stop > end:
            break
        value = body[start:stop]
        offset = stop
        decoder = decoders.get(item_id)
        if decoder is None:
            append(RawItem(item_id, value))
            continue
        try:
            append(decoder(value))
        except _UNFIT:
            append(RawItem(item_id, value))
    return tuple(items), body[offset:]


def encode_items(items: tuple[AdditionalItem, ...]) -> bytes:
    """The wire form of `items`, in their order."""
    parts = []
    for item in items:
        value = item.encode_value()
        if len(value) > 0xFF:
            raise LocalProtocolError(f"item {item.item_id:#04x}: {len(value)} bytes > 255")
        parts.append(bytes((item.item_id, len(value))))
        parts.append(value)
    return b"".join(parts)
