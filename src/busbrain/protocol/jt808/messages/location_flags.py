"""Named bits of the 0x0200 alarm and status words, and of items 0x25 and 0x2A.

The words stay plain ints in `Location` (cheap to decode, exact to re-encode); these
`IntFlag`s name the bits for the code that reads them: `AlarmFlag.OVERSPEED in
location.alarms`. Bits the table leaves reserved are kept by `IntFlag` as unnamed bits.
"""

from __future__ import annotations

from enum import IntEnum, IntFlag


class AlarmFlag(IntFlag):
    """Alarm word of 0x0200 (1 = active). See `ALARMS_NEEDING_CONFIRMATION`."""

    EMERGENCY = 1 << 0  # SOS button
    OVERSPEED = 1 << 1
    FATIGUE_DRIVING = 1 << 2
    DANGER_WARNING = 1 << 3
    GNSS_MODULE_FAULT = 1 << 4
    GNSS_ANTENNA_DISCONNECTED = 1 << 5  # disconnected or cut
    GNSS_ANTENNA_SHORT_CIRCUIT = 1 << 6
    POWER_UNDER_VOLTAGE = 1 << 7  # main power
    POWER_LOST = 1 << 8  # main power
    DISPLAY_FAULT = 1 << 9  # LCD / display
    TTS_FAULT = 1 << 10
    CAMERA_FAULT = 1 << 11
    IC_CARD_MODULE_FAULT = 1 << 12  # road-transport IC card, 2013+
    OVERSPEED_WARNING = 1 << 13  # pre-warning
    FATIGUE_WARNING = 1 << 14  # pre-warning
    ILLEGAL_DRIVING = 1 << 15  # 2019 (reserved in 2013)
    TYRE_PRESSURE_WARNING = 1 << 16  # 2019
    RIGHT_TURN_BLIND_ZONE = 1 << 17  # 2019
    DAILY_DRIVING_TIME_EXCEEDED = 1 << 18  # accumulated driving time over the daily limit
    OVERTIME_PARKING = 1 << 19
    AREA_IN_OUT = 1 << 20  # entering/leaving an area
    ROUTE_IN_OUT = 1 << 21  # entering/leaving a route
    SEGMENT_DRIVING_TIME = 1 << 22  # route segment driving time too short / too long
    ROUTE_DEVIATION = 1 << 23
    VSS_FAULT = 1 << 24
    FUEL_ABNORMAL = 1 << 25
    VEHICLE_STOLEN = 1 << 26  # anti-theft device
    ILLEGAL_IGNITION = 1 << 27
    ILLEGAL_DISPLACEMENT = 1 << 28
    COLLISION_WARNING = 1 << 29  # 2019: collision or rollover
    ROLLOVER_WARNING = 1 << 30
    ILLEGAL_DOOR_OPENING = 1 << 31


ALARMS_NEEDING_CONFIRMATION = (
    AlarmFlag.EMERGENCY
    | AlarmFlag.DANGER_WARNING
    | AlarmFlag.AREA_IN_OUT
    | AlarmFlag.ROUTE_IN_OUT
    | AlarmFlag.SEGMENT_DRIVING_TIME
    | AlarmFlag.ILLEGAL_IGNITION
    | AlarmFlag.ILLEGAL_DISPLACEMENT
)
"""Alarms the terminal clears only after the platform confirms them with 0x8203."""


class StatusFlag(IntFlag):
    """Status word of 0x0200. Bits 8-9 are the load state (`LoadState`)."""

    ACC_ON = 1 << 0
    POSITIONED = 1 << 1  # the fix is valid
    SOUTH = 1 << 2  # south latitude
    WEST = 1 << 3  # west longitude
    OUT_OF_SERVICE = 1 << 4  # not operating
    COORDINATES_ENCRYPTED = 1 << 5  # by a confidentiality plug-in
    FORWARD_COLLISION_WARNING = 1 << 6  # 2019: emergency-brake forward-collision warning
    LANE_DEPARTURE_WARNING = 1 << 7  # 2019
    LOAD_BIT_0 = 1 << 8
    LOAD_BIT_1 = 1 << 9
    OIL_CIRCUIT_CUT = 1 << 10
    ELECTRIC_CIRCUIT_CUT = 1 << 11
    DOORS_LOCKED = 1 << 12
    DOOR_1_OPEN = 1 << 13  # front
    DOOR_2_OPEN = 1 << 14  # middle
    DOOR_3_OPEN = 1 << 15  # rear
    DOOR_4_OPEN = 1 << 16  # driver
    DOOR_5_OPEN = 1 << 17  # custom
    GPS = 1 << 18  # GPS used for the fix
    BEIDOU = 1 << 19
    GLONASS = 1 << 20
    GALILEO = 1 << 21
    MOVING = 1 << 22  # 2019: vehicle moving (0 = stopped)


class LoadState(IntEnum):
    """Status bits 8-9: how loaded the vehicle is."""

    EMPTY = 0
    HALF = 1
    RESERVED = 2
    FULL = 3


class VehicleSignal(IntFlag):
    """Item 0x25, extended vehicle signals."""

    LOW_BEAM = 1 << 0
    HIGH_BEAM = 1 << 1
    RIGHT_TURN_SIGNAL = 1 << 2
    LEFT_TURN_SIGNAL = 1 << 3
    BRAKE = 1 << 4
    REVERSE = 1 << 5
    FOG_LAMP = 1 << 6
    CLEARANCE_LAMP = 1 << 7
    HORN = 1 << 8
    AIR_CONDITIONING = 1 << 9
    NEUTRAL = 1 << 10
    RETARDER = 1 << 11
    ABS = 1 << 12
    HEATER = 1 << 13
    CLUTCH = 1 << 14


class IoStatusFlag(IntFlag):
    """Item 0x2A, IO status."""

    DEEP_SLEEP = 1 << 0
    SLEEP = 1 << 1
