"""What the real-time processors keep: stop events, the positions, the predictions made
and the passenger counts per stop.

The rows the store's history tables hold, as values. Times are aware datetimes (any
offset is accepted and stored as UTC; a naive time is refused); positions WGS-84 degrees;
speeds km/h; headings degrees clockwise from true north, 0–360. A service date is the
timetable's day (GTFS), which a trip past midnight keeps.

Construction checks nothing (positions are made for every fix); `problem()` tells what
is wrong with a record, and the store refuses a batch holding any record with a problem.

Pure: no I/O, no clock reads.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

MAX_STOP_SEQUENCE = 2**31 - 1
"""stop_sequence is a 32-bit integer in the store."""


def time_problem(name: str, value: object) -> str | None:
    """Why `value` is not an aware datetime, or None when it is one."""
    if not isinstance(value, dt.datetime):
        return f"{name} is not a datetime: {value!r}"
    if value.tzinfo is None or value.utcoffset() is None:
        return f"{name} is naive (no time zone): {value.isoformat()}; give it in UTC"
    return None


def _id_problem(name: str, value: object) -> str | None:
    if not isinstance(value, str) or not value:
        return f"{name} is not a non-empty string: {value!r}"
    return None


def _sequence_problem(value: object) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return f"stop_sequence is not an integer: {value!r}"
    if not 0 <= value <= MAX_STOP_SEQUENCE:
        return f"stop_sequence {value} is out of range 0..{MAX_STOP_SEQUENCE}"
    return None


def _number_problem(name: str, value: object, low: float, high: float) -> str | None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return f"{name} is not a number: {value!r}"
    if not (math.isfinite(value) and low <= value <= high):
        return f"{name} {value!r} is out of range {low:g}..{high:g}"
    return None


def _first(*problems: str | None) -> str | None:
    return next((p for p in problems if p is not None), None)


@dataclass(frozen=True, slots=True)
class StopEventRecord:
    """A bus at a stop of its trip: when it arrived and left, or passed without stopping
    (`stopped` False, arrival = departure = the moment it passed).

    Keyed by (service_date, trip_id, stop_sequence, vehicle_id): writing the same event
    again replaces it, so a processor may re-send an event it has refined.
    """

    service_date: dt.date
    vehicle_id: str
    trip_id: str
    stop_id: str
    stop_sequence: int
    arrival_utc: dt.datetime
    departure_utc: dt.datetime
    stopped: bool
    recorded_utc: dt.datetime
    """When the processor made the event (not when the bus was there)."""

    def problem(self) -> str | None:
        """What is wrong with this record, or None."""
        day = self.service_date
        found = _first(
            None
            if isinstance(day, dt.date) and not isinstance(day, dt.datetime)
            else f"service_date is not a date: {day!r}",
            _id_problem("vehicle_id", self.vehicle_id),
            _id_problem("trip_id", self.trip_id),
            _id_problem("stop_id", self.stop_id),
            _sequence_problem(self.stop_sequence),
            time_problem("arrival_utc", self.arrival_utc),
            time_problem("departure_utc", self.departure_utc),
            time_problem("recorded_utc", self.recorded_utc),
            None if isinstance(self.stopped, bool) else f"stopped is not a bool: {self.stopped!r}",
        )
        if found is None and self.departure_utc < self.arrival_utc:
            return (
                f"departure_utc {self.departure_utc.isoformat()} is before "
                f"arrival_utc {self.arrival_utc.isoformat()}"
            )
        return found


@dataclass(frozen=True, slots=True)
class PositionRecord:
    """A vehicle's position at `ts_utc` (the terminal's fix time, corrected when known
    skewed). Keyed by (vehicle_id, ts_utc): the first position written for a key stays."""

    vehicle_id: str
    ts_utc: dt.datetime
    lat: float
    lon: float
    speed_kmh: float | None = None
    heading: float | None = None
    """Degrees clockwise from true north, 0–360."""
    trip_id: str | None = None
    """The trip the vehicle was matched to, if any."""

    def problem(self) -> str | None:
        """What is wrong with this record, or None."""
        return _first(
            _id_problem("vehicle_id", self.vehicle_id),
            time_problem("ts_utc", self.ts_utc),
            _number_problem("lat", self.lat, -90.0, 90.0),
            _number_problem("lon", self.lon, -180.0, 180.0),
            None
            if self.speed_kmh is None
            else _number_problem("speed_kmh", self.speed_kmh, 0.0, 1000.0),
            None if self.heading is None else _number_problem("heading", self.heading, 0.0, 360.0),
            None if self.trip_id is None else _id_problem("trip_id", self.trip_id),
        )


@dataclass(frozen=True, slots=True)
class PredictionRecord:
    """A prediction, made at `made_utc` by `method`, that `vehicle_id` will arrive at the
    call `stop_sequence` (stop `stop_id`) of `trip_id` at `predicted_utc`.

    Keyed by (trip_id, stop_sequence, vehicle_id, method, made_utc): the first written
    for a key stays, so a replayed batch is not counted twice when scoring methods.
    """

    vehicle_id: str
    trip_id: str
    stop_id: str
    stop_sequence: int
    made_utc: dt.datetime
    predicted_utc: dt.datetime
    method: str
    """The predictor that made it: "schedule", "delay", "prevbus", "kalman", ..."""

    def problem(self) -> str | None:
        """What is wrong with this record, or None."""
        return _first(
            _id_problem("vehicle_id", self.vehicle_id),
            _id_problem("trip_id", self.trip_id),
            _id_problem("stop_id", self.stop_id),
            _sequence_problem(self.stop_sequence),
            time_problem("made_utc", self.made_utc),
            time_problem("predicted_utc", self.predicted_utc),
            _id_problem("method", self.method),
        )


MAX_RIDERS = 10_000
"""More riders than this on one bus, or through one door opening, is a counter fault."""


@dataclass(frozen=True, slots=True)
class PassengerLoadRecord:
    """A bus's passenger counter at one stop of its trip (JT/T 1078 0x1005, the door
    openings the live processor matched to that stop visit, summed): riders who boarded
    and alighted there, and `onboard_after`, riders on board when the bus left (the
    processor's running count, floored at zero, emptied at the terminus; people).
    `capacity` is the bus's rated riders (额定载客量, people), the divisor of 满载率.

    Keyed like a stop event, (service_date, trip_id, stop_sequence, vehicle_id): writing
    it again replaces it, so a later door opening at the same stop updates the sums.
    """

    service_date: dt.date
    vehicle_id: str
    trip_id: str
    stop_id: str
    stop_sequence: int
    boarded: int
    alighted: int
    onboard_after: int
    capacity: int
    recorded_utc: dt.datetime
    """When the processor made the record (not when the bus was there)."""

    def problem(self) -> str | None:
        """What is wrong with this record, or None."""
        day = self.service_date
        counts = [
            _count_problem(name, getattr(self, name))
            for name in ("boarded", "alighted", "onboard_after", "capacity")
        ]
        return _first(
            None
            if isinstance(day, dt.date) and not isinstance(day, dt.datetime)
            else f"service_date is not a date: {day!r}",
            _id_problem("vehicle_id", self.vehicle_id),
            _id_problem("trip_id", self.trip_id),
            _id_problem("stop_id", self.stop_id),
            _sequence_problem(self.stop_sequence),
            *counts,
            None if self.capacity != 0 else "capacity is 0: a bus carries someone",
            time_problem("recorded_utc", self.recorded_utc),
        )


def _count_problem(name: str, value: object) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return f"{name} is not an integer: {value!r}"
    if not 0 <= value <= MAX_RIDERS:
        return f"{name} {value} is out of range 0..{MAX_RIDERS}"
    return None
