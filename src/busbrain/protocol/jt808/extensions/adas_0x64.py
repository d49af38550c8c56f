"""0x0200 item 0x64: ADAS alarm (advanced driver assistance), 47 bytes (70 with 粤标).

alarm ID DWORD | flag status | type | level | front speed km/h | front distance
(100 ms) | departure type | road-sign type | road-sign value | speed km/h (BYTE) |
altitude m (WORD) | lat, lon (DWORD, 1e-6 degree) | time BCD[6] | vehicle status WORD |
alarm identification
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

_LAYOUT = Struct(">IBBBBBBBBBHII6sH")
NARROW_LENGTH = _LAYOUT.size + 16


class AdasType(IntEnum):
    """ADAS alarm / event types (0x08-0x0F and 0x12-0x1F are vendor-defined)."""

    FORWARD_COLLISION = 0x01
    LANE_DEPARTURE = 0x02
    HEADWAY_TOO_CLOSE = 0x03
    PEDESTRIAN_COLLISION = 0x04
    FREQUENT_LANE_CHANGE = 0x05
    ROAD_SIGN_LIMIT_EXCEEDED = 0x06
    OBSTACLE = 0x07
    ROAD_SIGN_RECOGNITION = 0x10
    ACTIVE_CAPTURE = 0x11


class AdasAlarm(msgspec.Struct, frozen=True, gc=False):
    """An ADAS alarm attached to a location report.

    `alarm_type` is an `AdasType` value, `level` 1 or 2, `flag_status` a `FlagStatus`.
    `front_speed_kmh` and `front_distance_100ms` (time gap in 100 ms units) apply to
    forward and pedestrian collision, `departure_type` (1 left, 2 right) to lane
    departure, `road_sign_type` (1 speed, 2 height, 3 weight limit) and
    `road_sign_value` to road-sign alarms. Latitude and longitude are unsigned degrees.
    """

    item_id: ClassVar[int] = 0x64
    alarm_id: int
    flag_status: int
    alarm_type: int
    level: int
    front_speed_kmh: int
    front_distance_100ms: int
    departure_type: int
    road_sign_type: int
    road_sign_value: int
    speed_kmh: int
    altitude_m: int
    lat_deg: float
    lon_deg: float
    time: datetime
    vehicle_status: int
    identification: AlarmIdentification

    @classmethod
    def decode_value(cls, value: bytes) -> AdasAlarm:
        width = identification_width(len(value), NARROW_LENGTH)
        (
            alarm_id,
            flag,
            kind,
            level,
            front_speed,
            front_distance,
            departure,
            sign_type,
            sign_value,
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
            front_speed,
            front_distance,
            departure,
            sign_type,
            sign_value,
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
            self.front_speed_kmh,
            self.front_distance_100ms,
            self.departure_type,
            self.road_sign_type,
            self.road_sign_value,
            self.speed_kmh,
            self.altitude_m,
            round(self.lat_deg * 1_000_000),
            round(self.lon_deg * 1_000_000),
            encode_bcd_time(self.time),
            self.vehicle_status,
        ) + encode_identification(self.identification)
