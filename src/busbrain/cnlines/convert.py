"""Line-direction records -> GTFS tables: the conversion, end to end.

1. Every coordinate is converted to WGS-84 (BD-09 -> GCJ-02 -> WGS-84 for Baidu data).
2. Same-name stop positions are clustered into poles (one per side of the road, 50 m)
   and same-name poles within 300 m grouped under a parent station (location_type=1);
   see `clustering`.
3. One route per route short name (see `naming`), one template trip and one shape per
   line-direction: the source shape when given, else the line through its stops;
   distances in metres. See `plan`.
4. **The times are estimates**: the sources have no timetable, so each trip's stop times
   come from its distance at a fixed speed (default 18 km/h including dwell) from 06:00,
   with timepoint=0 (approximate), and a frequencies.txt row (default every 10 min,
   06:00-22:00, exact_times=0) makes it a headway service. Service "ALL" runs every day
   from `start_date` to `end_date`. See `schedule`.

Identifiers are deterministic: routes R0001.. in sorted short-name order, poles S00001..
and stations ST0001.. in sorted (name, position) order, trips and shapes
`<route_id>_<n>` in source order within a route. Pure: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from busbrain.cnlines.options import FeedOptions
from busbrain.cnlines.plan import plan_feed
from busbrain.cnlines.records import LineDirection
from busbrain.cnlines.tables import Row, feed_tables
from busbrain.domain.chinacoords import CoordSystem
from busbrain.domain.errors import BadInputError
from busbrain.domain.notices import Notice


@dataclass
class ConversionResult:
    """GTFS tables ({"stops.txt": rows, ...}), the notices raised, and counts."""

    tables: dict[str, list[dict[str, object]]]
    notices: list[Notice]
    stats: dict[str, int]


def _stats(tables: dict[str, list[Row]], records: int, notices: list[Notice]) -> dict[str, int]:
    stops = tables["stops.txt"]
    return {
        "line_directions_in": records,
        "routes": len(tables["routes.txt"]),
        "trips": len(tables["trips.txt"]),
        "stops": sum(1 for r in stops if r["location_type"] == 0),
        "stations": sum(1 for r in stops if r["location_type"] == 1),
        "stop_times": len(tables["stop_times.txt"]),
        "shape_points": len(tables["shapes.txt"]),
        "notices": len(notices),
    }


def build_feed(
    records: list[LineDirection], crs: CoordSystem, options: FeedOptions, file: str
) -> ConversionResult:
    """GTFS tables for clean `records` (see `cleanup.clean`) whose coordinates are in `crs`."""
    if options.start_date > options.end_date:
        raise BadInputError(f"start_date {options.start_date} is after end_date {options.end_date}")
    plan = plan_feed(records, crs, file)
    tables = feed_tables(plan, records, options, file)
    return ConversionResult(tables, plan.notices, _stats(tables, len(records), plan.notices))
