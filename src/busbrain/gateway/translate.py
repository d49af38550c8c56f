"""From JT/T 808 messages to the bus's typed events. Pure: values in, values out.

A location becomes a VehicleLocation; alarm flags that rise or fall between a terminal's
reports become AlarmRaised / AlarmCleared; 苏标 ADAS and DMS items become alarms of their
own kinds ("adas.forward_collision", "dms.phone_call", ...); a passenger counter's 0x1005
becomes a PassengerCount; a driver's IC card sign-in or sign-out (0x0702) a DriverIdentity.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from busbrain.domain.events import (
    AlarmCleared,
    AlarmRaised,
    DriverIdentity,
    Event,
    PassengerCount,
    Position,
    VehicleLocation,
)
from busbrain.protocol.jt808 import AdasAlarm, AlarmFlag, DmsAlarm, Location, PassengerFlow
from busbrain.protocol.jt808 import DriverIdentity as CardReport
from busbrain.protocol.jt808.extensions.adas_0x64 import AdasType
from busbrain.protocol.jt808.extensions.dms_0x65 import DmsType

FLAG_END = 2  # 苏标 flag status: 0 not available, 1 start, 2 end


@dataclass(frozen=True, slots=True)
class Identity:
    phone: str
    vehicle: str | None


def _extra(loc: Location) -> dict[str, str | int | float | bool | None]:
    out: dict[str, str | int | float | bool | None] = {}
    if (sats := loc.satellites) is not None:
        out["gnss_satellites"] = sats
    if (signal := loc.signal_strength) is not None:
        out["signal_strength"] = signal
    if (fuel := loc.fuel_l) is not None:
        out["fuel_l"] = fuel
    out["fix_valid"] = loc.fix_valid
    return out


def vehicle_location(
    who: Identity, loc: Location, received: dt.datetime, *, blind_area: bool = False
) -> VehicleLocation:
    """The event of one report. Raises ValueError for an impossible position."""
    return VehicleLocation(
        phone=who.phone,
        vehicle=who.vehicle,
        ts_utc=loc.device_time,
        received_utc=received,
        lat_deg=loc.lat_deg,
        lon_deg=loc.lon_deg,
        speed_kmh=loc.speed_kmh,
        heading_deg=float(loc.heading_deg % 360),
        altitude_m=float(loc.altitude_m),
        alarm_bits=loc.alarm_flags,
        status_bits=loc.status_flags,
        blind_area=blind_area,
        mileage_km=loc.mileage_km,
        extra=_extra(loc),
    )


def _kind(flag: AlarmFlag) -> str:
    return (flag.name or f"bit{flag.value.bit_length() - 1}").lower()


def flag_changes(who: Identity, loc: Location, previous_bits: int) -> list[Event]:
    """Alarms raised and cleared since the previous report's alarm word."""
    rose, fell = loc.alarm_flags & ~previous_bits, previous_bits & ~loc.alarm_flags
    if not rose and not fell:
        return []  # the usual case: nothing changed
    where = Position(lat_deg=loc.lat_deg, lon_deg=loc.lon_deg) if loc.fix_valid else None
    out: list[Event] = []
    for bits, cls in ((rose, AlarmRaised), (fell, AlarmCleared)):
        for flag in AlarmFlag(bits):
            out.append(
                cls(
                    phone=who.phone,
                    vehicle=who.vehicle,
                    ts_utc=loc.device_time,
                    kind=_kind(flag),
                    position=where,
                )
            )
    return out


def _safety_kind(prefix: str, names: type[AdasType] | type[DmsType], value: int) -> str:
    try:
        return f"{prefix}.{names(value).name.lower()}"
    except ValueError:
        return f"{prefix}.type_{value:#04x}"


def safety_alarms(who: Identity, loc: Location) -> list[Event]:
    """The 苏标 active-safety alarms carried by a report (ADAS 0x64, DMS 0x65)."""
    out: list[Event] = []
    for item in loc.items:
        if isinstance(item, AdasAlarm):
            kind = _safety_kind("adas", AdasType, item.alarm_type)
        elif isinstance(item, DmsAlarm):
            kind = _safety_kind("dms", DmsType, item.alarm_type)
        else:
            continue
        cls = AlarmCleared if item.flag_status == FLAG_END else AlarmRaised
        out.append(
            cls(
                phone=who.phone,
                vehicle=who.vehicle,
                ts_utc=item.time,
                kind=kind,
                level=item.level,
                position=Position(lat_deg=item.lat_deg, lon_deg=item.lon_deg),
                alarm_id=str(item.alarm_id),
                details={
                    "speed_kmh": item.speed_kmh,
                    # files the terminal will upload for it (0x1210 names them by alarm_id)
                    "attachment_count": item.identification.attachment_count,
                },
            )
        )
    return out


def passenger_count(who: Identity, flow: PassengerFlow) -> PassengerCount:
    """The event of one 0x1005. Raises ValueError for an interval that ends before it
    starts (the decoder refuses those already)."""
    return PassengerCount(
        phone=who.phone,
        vehicle=who.vehicle,
        ts_utc=flow.end,
        start_utc=flow.start,
        boarded=flow.boarded,
        alighted=flow.alighted,
    )


def driver_identity(who: Identity, card: CardReport) -> DriverIdentity:
    """The event of one 0x0702. The identity fields are kept only for a card read OK at
    sign-in (a sign-out or an unreadable card has none); empty texts become None.
    Raises ValueError for a status other than sign-in (1) or sign-out (2), which the
    decoder refuses already."""
    if card.status not in (1, 2):
        raise ValueError(f"0x0702 status {card.status} is neither sign-in nor sign-out")
    known = card.signed_in and card.read_ok
    return DriverIdentity(
        phone=who.phone,
        vehicle=who.vehicle,
        ts_utc=card.time,
        signed_in=card.signed_in,
        read_ok=card.read_ok if card.signed_in else True,
        driver_name=(card.driver_name or None) if known else None,
        certificate=(card.certificate or None) if known else None,
        authority=(card.authority or None) if known else None,
        valid_until=card.valid_until if known else None,
    )
