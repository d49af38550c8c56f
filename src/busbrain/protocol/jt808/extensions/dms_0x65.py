"""0x0200 item 0x65: DMS alarm (driver monitoring), 47 bytes (70 with 粤标).

alarm ID DWORD | flag status | type | level | fatigue degree | reserved BYTE[4] |
speed km/h (BYTE) | altitude m (WORD) | lat, lon (DWORD, 1e-6 degree) |
time BCD[6] | vehicle status WORD | alarm identification
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

_LAYOUT = Struct(">IBBBB4sBHII6sH")
NARROW_LENGTH = _LAYOUT.size + 16


class DmsType(IntEnum):
    """DMS alarm / event types (0x06-0x0F and 0x12-0x1F are vendor-defined)."""

    FATIGUE = 0x01
    PHONE_CALL = 0x02
    SMOKING = 0x03
    DISTRACTION = 0x04
    DRIVER_ABNORMAL = 0x05  # abnormal or absent
    AUTOMATIC_CAPTURE = 0x10
    DRIVER_CHANGE = 0x11


class DmsAlarm(msgspec.Struct, frozen=True, gc=False):
    """A driver-monitoring alarm attached to a location report.

    `alarm_type` is a `DmsType` value; `fatigue_degree` (1-10) applies to fatigue only.
    `reserved` keeps the 4 reserved bytes as sent. Lat/lon are unsigned degrees.
    """

    item_id: ClassVar[int] = 0x65
    alarm_id: int
    flag_status: int
    alarm_type: int
    level: int
    fatigue_degree: int
    reserved: bytes
    speed_kmh: int
    altitude_m: int
    lat_deg: float
    lon_deg: float
    time: datetime
    vehicle_status: int
    identification: AlarmIdentification

    @classmethod
    def decode_value(cls, value: bytes) -> DmsAlarm:
        width = identification_width(len(value), NARROW_LENGTH)
        (
            alarm_id,
            flag,
            kind,
            level,
            fatigue,
            reserved,
            speed,
            altitude,
            lat,
            lon,
            time,
            status,
        ) = _LAYOUT.unpack_from(value)
        return cls(
            alarm_id,
            flag,
            kind,
            level,
            fatigue,
            reserved,
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
            self.level,
            self.fatigue_degree,
            self.reserved,
            self.speed_kmh,
            self.altitude_m,
            round(self.lat_deg * 1_000_000),
            round(self.lon_deg * 1_000_000),
            encode_bcd_time(self.time),
            self.vehicle_status,
        ) + encode_identification(self.identification)
