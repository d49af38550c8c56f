"""0x0200 item 0x66: TPMS alarm (tyre pressure), 41 + 9·n bytes (64 + 9·n with 粤标).

alarm ID DWORD | flag status | speed km/h (BYTE) | altitude m (WORD) |
lat, lon (DWORD, 1e-6 degree) | time BCD[6] | vehicle status WORD | identification |
count n BYTE | n x (position BYTE | alarm bits WORD | pressure kPa WORD |
temperature °C WORD | battery % WORD)
"""

from __future__ import annotations

from datetime import datetime
from enum import IntFlag
from struct import Struct
from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.bcd import decode_bcd_time, encode_bcd_time
from busbrain.protocol.jt808.errors import LocalProtocolError, MessageDecodeError
from busbrain.protocol.jt808.extensions.common import (
    NARROW_ID,
    WIDE_ID,
    AlarmIdentification,
    decode_identification,
    encode_identification,
)

_LAYOUT = Struct(">IBBHII6sH")
_TYRE = Struct(">BHHHH")
NARROW_FIXED = _LAYOUT.size + 16 + 1


class TyreAlarm(IntFlag):
    """Alarm bits of one tyre entry (8-15 are vendor-defined)."""

    TIMED_REPORT = 1 << 0
    HIGH_PRESSURE = 1 << 1
    LOW_PRESSURE = 1 << 2
    HIGH_TEMPERATURE = 1 << 3
    SENSOR_FAULT = 1 << 4
    PRESSURE_IMBALANCE = 1 << 5
    SLOW_LEAK = 1 << 6
    LOW_BATTERY = 1 << 7


class TyreState(msgspec.Struct, frozen=True, gc=False):
    """One tyre: `position` from 0 (front left first), `alarms` (`TyreAlarm` bits)."""

    position: int
    alarms: int
    pressure_kpa: int
    temperature_c: int
    battery_pct: int


class TpmsAlarm(msgspec.Struct, frozen=True, gc=False):
    """A tyre-pressure alarm with the state of each tyre concerned."""

    item_id: ClassVar[int] = 0x66
    alarm_id: int
    flag_status: int
    speed_kmh: int
    altitude_m: int
    lat_deg: float
    lon_deg: float
    time: datetime
    vehicle_status: int
    identification: AlarmIdentification
    tyres: tuple[TyreState, ...] = ()

    @classmethod
    def decode_value(cls, value: bytes) -> TpmsAlarm:
        width = _width(value)
        alarm_id, flag, speed, altitude, lat, lon, time, status = _LAYOUT.unpack_from(value)
        start = _LAYOUT.size + width + 10
        tyres = tuple(
            TyreState(*_TYRE.unpack_from(value, start + i * _TYRE.size))
            for i in range(value[start - 1])
        )
        return cls(
            alarm_id,
            flag,
            speed,
            altitude,
            lat / 1_000_000,
            lon / 1_000_000,
            decode_bcd_time(time),
            status,
            decode_identification(value, _LAYOUT.size, width),
            tyres,
        )

    def encode_value(self) -> bytes:
        if len(self.tyres) > 0xFF:
            raise LocalProtocolError("TPMS: more than 255 tyres")
        head = _LAYOUT.pack(
            self.alarm_id,
            self.flag_status,
            self.speed_kmh,
            self.altitude_m,
            round(self.lat_deg * 1_000_000),
            round(self.lon_deg * 1_000_000),
            encode_bcd_time(self.time),
            self.vehicle_status,
        )
        tyres = b"".join(
            _TYRE.pack(t.position, t.alarms, t.pressure_kpa, t.temperature_c, t.battery_pct)
            for t in self.tyres
        )
        return head + encode_identification(self.identification) + bytes((len(self.tyres),)) + tyres


def _width(value: bytes) -> int:
    """Identification width for which the count byte matches the item length."""
    for width in (NARROW_ID, WIDE_ID):
        fixed = NARROW_FIXED + width - NARROW_ID
        if len(value) >= fixed and len(value) == fixed + value[fixed - 1] * _TYRE.size:
            return width
    raise MessageDecodeError(f"TPMS item of {len(value)} bytes matches no tyre count")
