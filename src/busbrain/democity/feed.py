"""Assemble the demo city's GTFS feed, and write it."""

from __future__ import annotations

import functools
import math
import random
from pathlib import Path

from busbrain.democity.blocks import assign_blocks
from busbrain.democity.city import City, RouteInfo, build_city
from busbrain.democity.service import calendar_date_rows, calendar_rows
from busbrain.democity.tables import (
    Row,
    agency_rows,
    feed_info_rows,
    route_rows,
    shape_rows,
    stop_ids,
    stop_rows,
)
from busbrain.democity.timetable import (
    WEEKDAY,
    WEEKEND,
    ScheduledTrip,
    departures,
    free_times,
    plan_line,
    run_trip,
    stop_dwells,
)
from busbrain.domain.gtfstime import format_time_s
from busbrain.gtfs.rowwriter import write_rows_feed

DEFAULT_SEED = 416
"""Seed of the default demo feed (Jinzhou's telephone area code is 0416)."""

Tables = dict[str, list[Row]]

_clock = functools.cache(format_time_s)
"""`format_time_s`, memoised: the same few thousand times of day recur across trips."""


def _headsigns(city: City, route: RouteInfo) -> tuple[str, str]:
    """Headsigns of directions 0 and 1: the name of the terminal each one runs to."""
    line = route.line
    if line.kind != "loop":
        return line.destination, line.origin
    first = city.poles[route.patterns[0].poles[0]].station
    name = city.stations[first].name
    return name, name


def _route_trips(
    city: City, route: RouteInfo, rng: random.Random
) -> list[tuple[str, list[ScheduledTrip], list[int]]]:
    """(service_id, trips, bus of each trip) for each service day of one route."""
    plan = plan_line(route.line.kind, route.patterns[0].stop_dist[-1], rng)
    runs, dwells = [], []
    for pattern in route.patterns:
        at = [city.poles[p].pos for p in pattern.poles]
        runs.append(free_times(pattern, at, plan.free_speed_mps))
        dwells.append(stop_dwells(len(pattern.poles), rng))
    out = []
    for day in (WEEKDAY, WEEKEND):
        trips = [
            run_trip(route.patterns[d], d, start, runs[d], dwells[d], day)
            for d in (0, 1)
            for start in departures(plan, day, d)
        ]
        out.append((day.service_id, trips, assign_blocks(trips)))
    return out


def _trip_tables(city: City, ids: dict[int, str], seed: int) -> tuple[list[Row], list[Row]]:
    """trips.txt and stop_times.txt rows for every route and service day."""
    rng = random.Random(f"democity-timetable-{seed}")
    trip_rows: list[Row] = []
    time_rows: list[Row] = []
    for route in city.routes:
        signs = _headsigns(city, route)
        for service, trips, buses in _route_trips(city, route, rng):
            width = max(2, int(math.log10(max(buses) + 1)) + 1)
            count = [0, 0]
            for trip, bus in zip(trips, buses, strict=True):
                count[trip.direction] += 1
                trip_id = f"{route.route_id}_{service}_{trip.direction}_{count[trip.direction]:03d}"
                trip_rows.append(
                    {
                        "route_id": route.route_id,
                        "service_id": service,
                        "trip_id": trip_id,
                        "trip_headsign": signs[trip.direction],
                        "direction_id": trip.direction,
                        "block_id": f"{service}_{route.route_id}_{bus + 1:0{width}d}",
                        "shape_id": trip.pattern.shape_id,
                    }
                )
                time_rows.extend(_stop_times(trip_id, trip, ids))
    return trip_rows, time_rows


def _stop_times(trip_id: str, trip: ScheduledTrip, ids: dict[int, str]) -> list[Row]:
    pattern = trip.pattern
    return [
        {
            "trip_id": trip_id,
            "arrival_time": _clock(arrive),
            "departure_time": _clock(depart),
            "stop_id": ids[pole],
            "stop_sequence": k,
            "shape_dist_traveled": dist,
        }
        for k, ((arrive, depart), pole, dist) in enumerate(
            zip(trip.times, pattern.poles, pattern.stop_dist, strict=True), start=1
        )
    ]


def build_demo_feed(seed: int = DEFAULT_SEED) -> Tables:
    """GTFS tables as rows, keyed by file name ("stops.txt": [...], ...).

    Deterministic: the same seed gives the same rows. No I/O, no clock.
    """
    city = build_city(seed)
    ids = stop_ids(city)
    trips, stop_times = _trip_tables(city, ids, seed)
    return {
        "agency.txt": agency_rows(),
        "feed_info.txt": feed_info_rows(seed),
        "stops.txt": stop_rows(city, ids),
        "routes.txt": route_rows(city),
        "trips.txt": trips,
        "stop_times.txt": stop_times,
        "shapes.txt": shape_rows(city),
        "calendar.txt": calendar_rows(),
        "calendar_dates.txt": calendar_date_rows(),
    }


def write_demo_feed(out: Path, seed: int = DEFAULT_SEED) -> Path:
    """Build and write the feed to `out` (a .zip path or a folder); returns the path."""
    return write_rows_feed(build_demo_feed(seed), Path(out))
