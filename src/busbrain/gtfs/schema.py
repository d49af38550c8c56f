"""The GTFS tables busbrain reads and writes, declared once.

Each field has a kind that says how its text is parsed; the reader, the field-value
rule and the writer all work from this table, as gtfs-validator's schemas do.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    ID = "id"
    TEXT = "text"
    INT = "int"  # non-negative integer
    FLOAT = "float"
    LAT = "latitude"
    LON = "longitude"
    TIME = "time"  # HH:MM:SS, may pass 24:00:00 -> Int32 seconds
    DATE = "date"  # YYYYMMDD -> Date
    COLOR = "color"  # six hex digits
    ENUM = "enum"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: Kind
    required: bool = False
    values: tuple[int, ...] = ()  # for ENUM


@dataclass(frozen=True, slots=True)
class Table:
    name: str  # file name, e.g. "stops.txt"
    fields: tuple[Field, ...]
    key: tuple[str, ...]  # unique key ("" entries none)
    required: bool = False

    def field(self, name: str) -> Field | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None


def _f(
    name: str, kind: Kind = Kind.TEXT, required: bool = False, values: tuple[int, ...] = ()
) -> Field:
    return Field(name, kind, required, values)


AGENCY = Table(
    "agency.txt",
    (
        _f("agency_id", Kind.ID),
        _f("agency_name", required=True),
        _f("agency_url", required=True),
        _f("agency_timezone", required=True),
        _f("agency_lang"),
        _f("agency_phone"),
        _f("agency_fare_url"),
        _f("agency_email"),
    ),
    key=("agency_id",),
    required=True,
)

STOPS = Table(
    "stops.txt",
    (
        _f("stop_id", Kind.ID, required=True),
        _f("stop_code"),
        _f("stop_name"),
        _f("tts_stop_name"),
        _f("stop_desc"),
        _f("stop_lat", Kind.LAT),
        _f("stop_lon", Kind.LON),
        _f("zone_id", Kind.ID),
        _f("stop_url"),
        _f("location_type", Kind.ENUM, values=(0, 1, 2, 3, 4)),
        _f("parent_station", Kind.ID),
        _f("stop_timezone"),
        _f("wheelchair_boarding", Kind.ENUM, values=(0, 1, 2)),
        _f("level_id", Kind.ID),
        _f("platform_code"),
    ),
    key=("stop_id",),
    required=True,
)

ROUTES = Table(
    "routes.txt",
    (
        _f("route_id", Kind.ID, required=True),
        _f("agency_id", Kind.ID),
        _f("route_short_name"),
        _f("route_long_name"),
        _f("route_desc"),
        _f("route_type", Kind.INT, required=True),
        _f("route_url"),
        _f("route_color", Kind.COLOR),
        _f("route_text_color", Kind.COLOR),
        _f("route_sort_order", Kind.INT),
        _f("continuous_pickup", Kind.ENUM, values=(0, 1, 2, 3)),
        _f("continuous_drop_off", Kind.ENUM, values=(0, 1, 2, 3)),
    ),
    key=("route_id",),
    required=True,
)

TRIPS = Table(
    "trips.txt",
    (
        _f("route_id", Kind.ID, required=True),
        _f("service_id", Kind.ID, required=True),
        _f("trip_id", Kind.ID, required=True),
        _f("trip_headsign"),
        _f("trip_short_name"),
        _f("direction_id", Kind.ENUM, values=(0, 1)),
        _f("block_id", Kind.ID),
        _f("shape_id", Kind.ID),
        _f("wheelchair_accessible", Kind.ENUM, values=(0, 1, 2)),
        _f("bikes_allowed", Kind.ENUM, values=(0, 1, 2)),
    ),
    key=("trip_id",),
    required=True,
)

STOP_TIMES = Table(
    "stop_times.txt",
    (
        _f("trip_id", Kind.ID, required=True),
        _f("arrival_time", Kind.TIME),
        _f("departure_time", Kind.TIME),
        _f("stop_id", Kind.ID, required=True),
        _f("stop_sequence", Kind.INT, required=True),
        _f("stop_headsign"),
        _f("pickup_type", Kind.ENUM, values=(0, 1, 2, 3)),
        _f("drop_off_type", Kind.ENUM, values=(0, 1, 2, 3)),
        _f("continuous_pickup", Kind.ENUM, values=(0, 1, 2, 3)),
        _f("continuous_drop_off", Kind.ENUM, values=(0, 1, 2, 3)),
        _f("shape_dist_traveled", Kind.FLOAT),
        _f("timepoint", Kind.ENUM, values=(0, 1)),
    ),
    key=("trip_id", "stop_sequence"),
    required=True,
)

CALENDAR = Table(
    "calendar.txt",
    (
        _f("service_id", Kind.ID, required=True),
        *(
            _f(day, Kind.ENUM, required=True, values=(0, 1))
            for day in (
                "monday",
                "tuesday",
                "wednesday",
                "thursday",
                "friday",
                "saturday",
                "sunday",
            )
        ),
        _f("start_date", Kind.DATE, required=True),
        _f("end_date", Kind.DATE, required=True),
    ),
    key=("service_id",),
)

CALENDAR_DATES = Table(
    "calendar_dates.txt",
    (
        _f("service_id", Kind.ID, required=True),
        _f("date", Kind.DATE, required=True),
        _f("exception_type", Kind.ENUM, required=True, values=(1, 2)),
    ),
    key=("service_id", "date"),
)

SHAPES = Table(
    "shapes.txt",
    (
        _f("shape_id", Kind.ID, required=True),
        _f("shape_pt_lat", Kind.LAT, required=True),
        _f("shape_pt_lon", Kind.LON, required=True),
        _f("shape_pt_sequence", Kind.INT, required=True),
        _f("shape_dist_traveled", Kind.FLOAT),
    ),
    key=("shape_id", "shape_pt_sequence"),
)

FREQUENCIES = Table(
    "frequencies.txt",
    (
        _f("trip_id", Kind.ID, required=True),
        _f("start_time", Kind.TIME, required=True),
        _f("end_time", Kind.TIME, required=True),
        _f("headway_secs", Kind.INT, required=True),
        _f("exact_times", Kind.ENUM, values=(0, 1)),
    ),
    key=("trip_id", "start_time"),
)

FEED_INFO = Table(
    "feed_info.txt",
    (
        _f("feed_publisher_name", required=True),
        _f("feed_publisher_url", required=True),
        _f("feed_lang", required=True),
        _f("default_lang"),
        _f("feed_start_date", Kind.DATE),
        _f("feed_end_date", Kind.DATE),
        _f("feed_version"),
        _f("feed_contact_email"),
        _f("feed_contact_url"),
    ),
    key=(),
)

TABLES: tuple[Table, ...] = (
    AGENCY,
    STOPS,
    ROUTES,
    TRIPS,
    STOP_TIMES,
    CALENDAR,
    CALENDAR_DATES,
    SHAPES,
    FREQUENCIES,
    FEED_INFO,
)
BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
