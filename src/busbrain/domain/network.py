"""Typed values of the static network: what a GTFS feed means once it is understood.

Units: positions in WGS-84 degrees, distances in metres, times of day in seconds after
the service day's noon-minus-12h (GTFS times, which may pass 24:00:00).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import IntEnum


class LocationType(IntEnum):
    """GTFS `location_type`: what kind of place a stop row describes."""

    STOP = 0
    STATION = 1
    ENTRANCE = 2
    GENERIC_NODE = 3
    BOARDING_AREA = 4


@dataclass(frozen=True, slots=True)
class Agency:
    agency_id: str
    name: str
    url: str
    timezone: str
    lang: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Stop:
    """A stop pole (or a station grouping poles on both sides of the road).

    `name` is the name as published (Chinese in a Chinese city); `name_pinyin` its
    toneless pinyin reading, lower case, syllables separated by spaces.
    """

    stop_id: str
    name: str
    name_pinyin: str
    lat: float
    lon: float
    code: str | None = None
    location_type: LocationType = LocationType.STOP
    parent_station: str | None = None


@dataclass(frozen=True, slots=True)
class Route:
    """A line as passengers know it ("1路", "K1"), run by one agency."""

    route_id: str
    agency_id: str | None
    short_name: str | None
    long_name: str | None
    route_type: int
    color: str | None = None
    text_color: str | None = None


@dataclass(frozen=True, slots=True)
class ShapePoint:
    lat: float
    lon: float
    dist_m: float


@dataclass(frozen=True, slots=True)
class Shape:
    """The path a vehicle drives, with the distance along it of each point in metres."""

    shape_id: str
    points: tuple[ShapePoint, ...]

    @property
    def length_m(self) -> float:
        return self.points[-1].dist_m if self.points else 0.0


@dataclass(frozen=True, slots=True)
class PatternStop:
    stop_id: str
    dist_m: float


@dataclass(frozen=True, slots=True)
class Pattern:
    """The ordered stop sequence that a set of trips runs, on one shape.

    Derived from trips on import: trips of one route and direction with the same stops
    in the same order on the same shape share a pattern. `stops[i].dist_m` is that
    stop's distance along the shape in metres, non-decreasing.
    """

    pattern_id: str
    route_id: str
    direction_id: int | None
    shape_id: str
    headsign: str | None
    stops: tuple[PatternStop, ...]


@dataclass(frozen=True, slots=True)
class ServiceCalendar:
    """When a service runs: weekly days in a date range, plus dated exceptions."""

    service_id: str
    weekdays: tuple[bool, bool, bool, bool, bool, bool, bool]  # Monday first
    start_date: dt.date
    end_date: dt.date
    added: frozenset[dt.date] = field(default_factory=frozenset)
    removed: frozenset[dt.date] = field(default_factory=frozenset)

    def runs_on(self, day: dt.date) -> bool:
        if day in self.removed:
            return False
        if day in self.added:
            return True
        return self.start_date <= day <= self.end_date and self.weekdays[day.weekday()]


@dataclass(frozen=True, slots=True)
class Trip:
    trip_id: str
    route_id: str
    service_id: str
    pattern_id: str
    headsign: str | None = None
    direction_id: int | None = None
    block_id: str | None = None
    shape_id: str | None = None


@dataclass(frozen=True, slots=True)
class TripTimes:
    """A trip's scheduled calls on one service day, in stop_sequence order.

    Times are seconds after the service day's start (GTFS time, may pass 86,400); None
    where the feed leaves a non-timepoint blank.
    """

    trip_id: str
    route_id: str
    pattern_id: str
    block_id: str | None
    direction_id: int | None
    stop_ids: tuple[str, ...]
    arrival_s: tuple[int | None, ...]
    departure_s: tuple[int | None, ...]
    stop_sequences: tuple[int, ...] = ()
    timepoints: tuple[int | None, ...] = ()
    """GTFS `timepoint` of each call (1 exact, 0 approximate, None blank); () unknown."""


@dataclass(frozen=True, slots=True)
class BlockTrip:
    trip_id: str
    route_id: str
    first_departure_s: int
    last_arrival_s: int
    first_stop_id: str
    last_stop_id: str


@dataclass(frozen=True, slots=True)
class Block:
    """A vehicle's day (路牌): the trips of one block on one service day, in time order."""

    block_id: str
    service_date: dt.date
    trips: tuple[BlockTrip, ...]
