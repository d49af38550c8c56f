"""Who drove which bus when (驾驶员考勤 / 人车绑定), from the drivers' IC card sign-ins.

Values in, values out; no I/O, no clock reads.

A driver signs in on the bus's terminal by inserting their qualification certificate
(从业资格证) IC card and signs out by pulling it (JT/T 808 0x0702). A **shift** is one
driver on one vehicle from a sign-in to the next sign-out (or the next driver's sign-in
on that vehicle: a driver change without the card pulled closes the previous shift
then). The certificate number is the driver's id in the platform; the driver's name is
personal data kept only because a dispatcher needs it on the waybill (电子路单).

Times are aware datetimes in UTC; `at_unix` helpers take unix seconds.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SignIn:
    """A driver's card went into a vehicle's terminal at `at_utc`."""

    vehicle_id: str
    """The vehicle (the registry's id; the terminal's phone when it has none)."""
    phone: str
    driver_id: str
    """The qualification certificate number (从业资格证编码)."""
    driver_name: str | None
    at_utc: dt.datetime


@dataclass(frozen=True, slots=True)
class SignOut:
    """A driver's card came out of a vehicle's terminal at `at_utc`."""

    vehicle_id: str
    phone: str
    at_utc: dt.datetime


@dataclass(frozen=True, slots=True)
class DriverShift:
    """One driver at the wheel of one vehicle from `signed_in_utc` until `signed_out_utc`
    (None: still signed in, or the sign-out never came)."""

    vehicle_id: str
    driver_id: str
    driver_name: str | None
    signed_in_utc: dt.datetime
    signed_out_utc: dt.datetime | None
    phone: str

    def covers(self, t: dt.datetime) -> bool:
        """Was this driver signed in at instant `t` (sign-in included, sign-out not)?"""
        return self.signed_in_utc <= t and (self.signed_out_utc is None or t < self.signed_out_utc)


@dataclass(frozen=True, slots=True)
class DriverRef:
    """A driver as the console shows them: the certificate number and the name."""

    driver_id: str
    name: str | None


class ShiftIndex:
    """Shifts by vehicle, for looking up many instants (every trip of a day, every
    position of a week) in O(log n) each."""

    def __init__(self, shifts: Iterable[DriverShift]) -> None:
        by_vehicle: dict[str, list[DriverShift]] = {}
        for s in shifts:
            by_vehicle.setdefault(s.vehicle_id, []).append(s)
        self._shifts: dict[str, list[DriverShift]] = {}
        self._starts: dict[str, list[float]] = {}
        for vehicle_id, mine in by_vehicle.items():
            mine.sort(key=lambda s: s.signed_in_utc)
            self._shifts[vehicle_id] = mine
            self._starts[vehicle_id] = [s.signed_in_utc.timestamp() for s in mine]

    def __bool__(self) -> bool:
        return bool(self._shifts)

    def at_unix(self, vehicle_id: str, t: float) -> DriverShift | None:
        """The shift of `vehicle_id` covering unix second `t` (the latest signed in of
        overlapping ones), or None."""
        starts = self._starts.get(vehicle_id)
        if not starts:
            return None
        mine = self._shifts[vehicle_id]
        for k in range(bisect.bisect_right(starts, t) - 1, -1, -1):
            s = mine[k]
            if s.signed_out_utc is None or t < s.signed_out_utc.timestamp():
                return s
        return None

    def driver_at(self, vehicle_id: str, t: float) -> DriverRef | None:
        s = self.at_unix(vehicle_id, t)
        return None if s is None else DriverRef(s.driver_id, s.driver_name)


def day_window(day_from: dt.date, day_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants whose local date is in `day_from`..`day_to` (both included) in
    some time zone (UTC−12 … UTC+14): `DriverShifts.shifts` returns the shifts that
    overlap it, so a caller in any zone gets every shift of its service days."""
    start = dt.datetime.combine(day_from, dt.time(), dt.UTC) - dt.timedelta(hours=14)
    end = dt.datetime.combine(day_to, dt.time(), dt.UTC) + dt.timedelta(days=1, hours=12)
    return start, end


def unique_drivers(refs: Sequence[DriverRef | None]) -> list[DriverRef]:
    """The drivers among `refs`, first seen first, each once."""
    seen: dict[str, DriverRef] = {}
    for r in refs:
        if r is not None and r.driver_id not in seen:
            seen[r.driver_id] = r
    return list(seen.values())
