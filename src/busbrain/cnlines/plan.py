"""Line-directions -> planned trips: WGS-84 positions, clustered poles, routes, shapes.

Every coordinate is converted to WGS-84 (BD-09 -> GCJ-02 -> WGS-84 for Baidu data), the
stops are clustered into poles and stations (`clustering`), lines are grouped into
routes by short name (`naming`), and each line-direction becomes one trip with its path
(`paths`): the source shape when given, else the line through its poles.

Routes are numbered R0001.. in sorted short-name order, trips `<route_id>_<n>` in
source order within a route. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from busbrain.cnlines import naming
from busbrain.cnlines import problems as p
from busbrain.cnlines.clustering import Sighting, StopLayout, layout_stops
from busbrain.cnlines.geometry import bearing_rad
from busbrain.cnlines.paths import TripPath, trip_path
from busbrain.cnlines.records import LineDirection, LonLat
from busbrain.domain.chinacoords import CoordSystem, to_wgs84
from busbrain.domain.notices import Notice, Severity


@dataclass(frozen=True, slots=True)
class PlannedTrip:
    """One template trip: its line-direction, ids, poles (layout indices) and path."""

    record: LineDirection
    route_id: str
    trip_id: str
    direction_id: int
    poles: tuple[int, ...]
    path: TripPath


@dataclass
class Plan:
    """The stop layout and the trips of a feed, with the notices planning raised."""

    layout: StopLayout
    trips: list[PlannedTrip]
    notices: list[Notice]


def _wgs_points(
    points: tuple[LonLat, ...], crs: CoordSystem, cache: dict[LonLat, LonLat]
) -> tuple[LonLat, ...]:
    out = []
    for point in points:
        if point not in cache:
            cache[point] = to_wgs84(point[0], point[1], crs)
        out.append(cache[point])
    return tuple(out)


def _headings(stops: tuple[LonLat, ...]) -> list[float | None]:
    """The bus's heading at each stop: from the stop before to the stop after (radians)."""
    last = len(stops) - 1
    return [bearing_rad(stops[max(k - 1, 0)], stops[min(k + 1, last)]) for k in range(last + 1)]


def _sightings(
    records: list[LineDirection], stops_wgs: list[tuple[LonLat, ...]]
) -> tuple[list[Sighting], list[list[int]]]:
    sightings: list[Sighting] = []
    per_line: list[list[int]] = []
    for record, stops in zip(records, stops_wgs, strict=True):
        indices = []
        for stop, (lon, lat), heading in zip(record.stops, stops, _headings(stops), strict=True):
            indices.append(len(sightings))
            sightings.append(Sighting(stop.name, lon, lat, heading))
        per_line.append(indices)
    return sightings, per_line


def _pole_sequence(
    record: LineDirection, poles: list[int], file: str, notices: list[Notice]
) -> list[int]:
    """The poles of a line in order, without a pole repeated right after itself."""
    out: list[int] = []
    for k, pole in enumerate(poles):
        if out and out[-1] == pole:
            message = (
                f"{record.title}: stop {record.stops[k].name} repeats the stop before it; merged"
            )
            notices.append(
                p.notice(p.REPEATED_STOP, message, file, record.line, severity=Severity.INFO)
            )
            continue
        out.append(pole)
    return out


def _direction_ids(records: list[LineDirection]) -> list[int]:
    """0 for the first direction of a route, 1 for the way back (loops stay 0)."""
    first = records[0]
    out = []
    for r in records:
        back = (r.origin, r.destination) != (first.origin, first.destination) and (
            r.origin == first.destination or r.destination == first.origin
        )
        out.append(1 if back else 0)
    return out


def _group_by_route(
    records: list[LineDirection], pole_seqs: list[list[int]], file: str, notices: list[Notice]
) -> dict[str, list[int]]:
    """Indices of usable records per route short name, one per distinct pole sequence.

    A second record with the same poles would be a second template trip, doubling the
    frequency the feed claims, so it is dropped.
    """
    by_route: dict[str, list[int]] = {}
    seen: dict[tuple[str, tuple[int, ...]], LineDirection] = {}
    for i, record in enumerate(records):
        short_name = naming.route_short_name(record.route_name)
        key = (short_name, tuple(pole_seqs[i]))
        if len(pole_seqs[i]) < 2:
            message = f"{record.title}: fewer than 2 distinct stops once clustered; skipped"
            notices.append(p.notice(p.TOO_FEW_STOPS, message, file, record.line))
        elif key in seen:
            message = f"{record.title}: same stops as line {seen[key].line}; skipped"
            notices.append(
                p.notice(
                    p.DUPLICATE_STOP_PATTERN, message, file, record.line, severity=Severity.INFO
                )
            )
        else:
            seen[key] = record
            by_route.setdefault(short_name, []).append(i)
    return by_route


def _plan_trips(
    records: list[LineDirection],
    pole_seqs: list[list[int]],
    layout: StopLayout,
    shapes_wgs: list[tuple[LonLat, ...]],
    file: str,
    notices: list[Notice],
) -> list[PlannedTrip]:
    by_route = _group_by_route(records, pole_seqs, file, notices)
    trips: list[PlannedTrip] = []
    for n, short_name in enumerate(sorted(by_route), start=1):
        members = by_route[short_name]
        route_id = f"R{n:04d}"
        directions = _direction_ids([records[i] for i in members])
        for k, (i, direction) in enumerate(zip(members, directions, strict=True), start=1):
            stops = [(layout.poles[q].lon, layout.poles[q].lat) for q in pole_seqs[i]]
            path = trip_path(stops, shapes_wgs[i])
            trips.append(
                PlannedTrip(
                    records[i], route_id, f"{route_id}_{k}", direction, tuple(pole_seqs[i]), path
                )
            )
    return trips


def plan_feed(records: list[LineDirection], crs: CoordSystem, file: str) -> Plan:
    """Trips and stop layout for clean `records` whose coordinates are in `crs`."""
    notices: list[Notice] = []
    cache: dict[LonLat, LonLat] = {}
    stops_wgs = [_wgs_points(tuple((s.lon, s.lat) for s in r.stops), crs, cache) for r in records]
    shapes_wgs = [_wgs_points(r.shape, crs, cache) for r in records]
    sightings, per_line = _sightings(records, stops_wgs)
    layout = layout_stops(sightings)
    pole_seqs = [
        _pole_sequence(r, [layout.pole_of[i] for i in idx], file, notices)
        for r, idx in zip(records, per_line, strict=True)
    ]
    trips = _plan_trips(records, pole_seqs, layout, shapes_wgs, file, notices)
    return Plan(layout, trips, notices)
