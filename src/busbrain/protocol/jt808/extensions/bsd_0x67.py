"""0x0200 item 0x67: BSD alarm (blind-spot detection), 41 bytes (64 with 粤标).

alarm ID DWORD | flag status | type | speed km/h (BYTE) | altitude m (WORD) |
lat, lon (DWORD, 1e-6 degree) | time BCD[6] | vehicle status WORD | identification
"""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum
from struct import Struct
from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.bcd import decode_bcd_time, encode_bcd_time
from busbrain.protocol.jt808.extensions.common import (
    AlarmIdentification,
    decode_identification,
    encode_identification,
    identification_width,
)

_LAYOUT = Struct(">IBBBHII6sH")
NARROW_LENGTH = _LAYOUT.size + 16


class BsdType(IntEnum):
    REAR_APPROACH = 0x01
    LEFT_REAR_APPROACH = 0x02
    RIGHT_REAR_APPROACH = 0x03


class BsdAlarm(msgspec.Struct, frozen=True, gc=False):
    """A blind-spot alarm; `alarm_type` is a `BsdType` value. Lat/lon unsigned degrees."""

    item_id: ClassVar[int] = 0x67
    alarm_id: int
    flag_status: int
    alarm_type: int
    speed_kmh: int
    altitude_m: int
    lat_deg: float
    lon_deg: float
    time: datetime
    vehicle_status: int
    identification: AlarmIdentification

    @classmethod
    def decode_value(cls, value: bytes) -> BsdAlarm:
        width = identification_width(len(value), NARROW_LENGTH)
        alarm_id, flag, kind, speed, altitude, lat, lon, time, status = _LAYOUT.unpack_from(value)
        return cls(
            alarm_id,
            flag,
            kind,
            speed,
            altitude,
            lat / 1_000_000,
            lon / 1_000_000,
            decode_bcd_time(time),
            status,
            decode_identification(value, _LAYOUT.size, width),
        )

    def encode_value(self) -> bytes:
        return _LAYOUT.pack(
            self.alarm_id,
            self.flag_status,
            self.alarm_type,
            self.speed_kmh,
            self.altitude_m,
            round(self.lat_deg * 1_000_000),
            round(self.lon_deg * 1_000_000),
            encode_bcd_time(self.time),
            self.vehicle_status,
        ) + encode_identification(self.identification)
