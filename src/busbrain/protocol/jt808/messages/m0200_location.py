"""0x0200 location report: the basic 28 bytes, then the additional items.

    alarm DWORD | status DWORD | lat DWORD | lon DWORD | altitude WORD | speed WORD |
    heading WORD | time BCD[6] | items...

Units: latitude/longitude in 1e-6 degree, unsigned, with the hemisphere in status bits
2 (south) and 3 (west); altitude in m; speed in 1/10 km/h; heading in degrees from
north, clockwise; time YYMMDDhhmmss in GMT+8. `Location` gives them as signed degrees,
km/h and an aware datetime. 0x0201, 0x0704 and 0x0801 reuse `decode_location` and
`encode_location`.
"""

from __future__ import annotations

from datetime import datetime
from math import copysign
from struct import Struct
from typing import ClassVar, TypeVar

import msgspec

from busbrain.protocol.jt808.bcd import decode_bcd_time, encode_bcd_time
from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import MessageCodec, need
from busbrain.protocol.jt808.messages.location_flags import (
    AlarmFlag,
    LoadState,
    StatusFlag,
)
from busbrain.protocol.jt808.messages.location_items import (
    AdditionalItem,
    Fuel,
    GnssSatellites,
    Mileage,
    SignalStrength,
    decode_items,
    encode_items,
)
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x0200
BASIC = Struct(">IIIIHHH6s")
"""The 28-byte basic location block."""
_SOUTH = 1 << 2
_WEST = 1 << 3
_HEMISPHERES = _SOUTH | _WEST

T = TypeVar("T")


class Location(msgspec.Struct, frozen=True, gc=False):
    """A position report from a terminal.

    - `alarm_flags`, `status_flags`: the raw words (`alarms` and `status` name the bits);
    - `lat_deg`, `lon_deg`: WGS-84 degrees, negative south / west. On encoding, status
      bits 2 and 3 are written from these signs (-0.0 counts as south / west);
    - `altitude_m`: metres as sent (an unsigned WORD; some devices send two's complement);
    - `speed_kmh` (GNSS speed), `heading_deg` (0-359, north = 0, clockwise);
    - `device_time`: the terminal's GMT+8 time, timezone-aware (+08:00);
    - `items`: the additional items in wire order; `trailing`: bytes after the last
      whole item (a device bug), kept so that nothing is lost.

    Points without a fix (`fix_valid` False) or with latitude above 90 are kept as sent;
    the pipeline decides what to ignore.
    """

    msg_id: ClassVar[int] = MSG_ID
    alarm_flags: int
    status_flags: int
    lat_deg: float
    lon_deg: float
    altitude_m: int
    speed_kmh: float
    heading_deg: int
    device_time: datetime
    items: tuple[AdditionalItem, ...] = ()
    trailing: bytes = b""

    @property
    def alarms(self) -> AlarmFlag:
        return AlarmFlag(self.alarm_flags)

    @property
    def status(self) -> StatusFlag:
        return StatusFlag(self.status_flags)

    @property
    def acc_on(self) -> bool:
        return bool(self.status_flags & StatusFlag.ACC_ON)

    @property
    def fix_valid(self) -> bool:
        """Status bit 1: the terminal says its GNSS fix is valid."""
        return bool(self.status_flags & StatusFlag.POSITIONED)

    @property
    def load_state(self) -> LoadState:
        return LoadState(self.status_flags >> 8 & 3)

    def item(self, kind: type[T]) -> T | None:
        """The first additional item of type `kind`, or None."""
        for it in self.items:
            if isinstance(it, kind):
                return it
        return None

    @property
    def mileage_km(self) -> float | None:
        """Odometer from item 0x01, km."""
        found = self.item(Mileage)
        return None if found is None else found.mileage_km

    @property
    def fuel_l(self) -> float | None:
        """Fuel level from item 0x02, litres."""
        found = self.item(Fuel)
        return None if found is None else found.fuel_l

    @property
    def signal_strength(self) -> int | None:
        """Wireless signal strength from item 0x30."""
        found = self.item(SignalStrength)
        return None if found is None else found.strength

    @property
    def satellites(self) -> int | None:
        """GNSS satellites in use from item 0x31."""
        found = self.item(GnssSatellites)
        return None if found is None else found.satellites


def decode_location(body: bytes, *, with_items: bool = True) -> Location:
    """A `Location` from a 0x0200 body (items skipped when `with_items` is False)."""
    need(body, 28, "location")
    alarm, status, lat, lon, altitude, speed, heading, time = BASIC.unpack_from(body)
    lat_deg = lat / 1_000_000
    lon_deg = lon / 1_000_000
    if status & _HEMISPHERES:
        if status & _SOUTH:
            lat_deg = -lat_deg
        if status & _WEST:
            lon_deg = -lon_deg
    if with_items and len(body) > 28:
        items, trailing = decode_items(body, 28)
    else:
        items, trailing = (), b""
    return Location(
        alarm,
        status,
        lat_deg,
        lon_deg,
        altitude,
        speed / 10,
        heading,
        decode_bcd_time(time),
        items,
        trailing,
    )


def encode_location(loc: Location, *, with_items: bool = True) -> bytes:
    """The wire body of `loc` (the basic block only when `with_items` is False)."""
    lat, lon = loc.lat_deg, loc.lon_deg
    status = loc.status_flags & ~_HEMISPHERES
    if copysign(1.0, lat) < 0:
        status |= _SOUTH
    if copysign(1.0, lon) < 0:
        status |= _WEST
    basic = BASIC.pack(
        loc.alarm_flags,
        status,
        round(abs(lat) * 1_000_000),
        round(abs(lon) * 1_000_000),
        loc.altitude_m,
        round(loc.speed_kmh * 10),
        loc.heading_deg,
        encode_bcd_time(loc.device_time),
    )
    if not with_items:
        return basic
    return basic + encode_items(loc.items) + loc.trailing


def decode(body: bytes, header: Header) -> Location:
    return decode_location(body)


def encode(msg: Location, version: ProtocolVersion) -> bytes:
    return encode_location(msg)


CODEC = MessageCodec(MSG_ID, Location, decode, encode)
