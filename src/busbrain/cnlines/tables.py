"""A planned feed -> GTFS tables as plain rows (for `write_rows_feed`).

Poles are S00001.. and stations ST0001.. in sorted (name, position) order; a station is
written only when two or more of its poles are used. Shape and stop distances are in
metres with centimetre precision. The stop times are estimates: see `schedule`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from busbrain.cnlines import naming
from busbrain.cnlines.clustering import StopLayout
from busbrain.cnlines.options import FeedOptions
from busbrain.cnlines.plan import Plan, PlannedTrip
from busbrain.cnlines.records import LineDirection
from busbrain.cnlines.schedule import SERVICE_ID, calendar_row, frequency_row, stop_time_rows
from busbrain.domain.gtfstime import format_date

AGENCY_ID = "A1"
Row = dict[str, object]


@dataclass(frozen=True, slots=True)
class _StopIds:
    pole: dict[int, str]
    station: dict[int, str]


def _stop_ids(layout: StopLayout, trips: list[PlannedTrip]) -> _StopIds:
    """Ids of the poles trips use, and of stations grouping two or more of them."""
    used = sorted({q for t in trips for q in t.poles})
    pole = {q: f"S{n:05d}" for n, q in enumerate(used, start=1)}
    children: Counter[int] = Counter()
    for q in used:
        station_index = layout.station_of[q]
        if station_index is not None:
            children[station_index] += 1
    kept = sorted(s for s, count in children.items() if count >= 2)
    station = {s: f"ST{n:04d}" for n, s in enumerate(kept, start=1)}
    return _StopIds(pole, station)


def _stop_rows(layout: StopLayout, ids: _StopIds) -> list[Row]:
    rows: list[Row] = []
    for s, station_id in ids.station.items():
        place = layout.stations[s]
        rows.append(_place_row(station_id, place.name, place.lon, place.lat, 1, None))
    for q, stop_id in ids.pole.items():
        pole, station_index = layout.poles[q], layout.station_of[q]
        parent = None if station_index is None else ids.station.get(station_index)
        rows.append(_place_row(stop_id, pole.name, pole.lon, pole.lat, 0, parent))
    return rows


def _place_row(
    stop_id: str, name: str, lon: float, lat: float, location_type: int, parent: str | None
) -> Row:
    return {
        "stop_id": stop_id,
        "stop_name": name,
        "stop_lat": f"{lat:.6f}",
        "stop_lon": f"{lon:.6f}",
        "location_type": location_type,
        "parent_station": parent,
    }


def _route_notes(records: list[LineDirection]) -> dict[str, str]:
    """route_desc per route short name: the first note (former name...) any record gives."""
    notes: dict[str, str] = {}
    for record in records:
        desc = naming.route_desc(record.route_name)
        if desc:
            notes.setdefault(naming.route_short_name(record.route_name), desc)
    return notes


def _route_rows(trips: list[PlannedTrip], notes: dict[str, str]) -> list[Row]:
    """One row per route, named after its first trip."""
    rows: dict[str, Row] = {}
    for t in trips:
        if t.route_id in rows:
            continue
        name = t.record.route_name
        short_name = naming.route_short_name(name)
        rows[t.route_id] = {
            "route_id": t.route_id,
            "agency_id": AGENCY_ID,
            "route_short_name": short_name,
            "route_long_name": naming.route_long_name(t.record.origin, t.record.destination),
            "route_desc": notes.get(short_name),
            "route_type": naming.route_type(name),
        }
    return list(rows.values())


def _trip_row(t: PlannedTrip) -> Row:
    return {
        "route_id": t.route_id,
        "service_id": SERVICE_ID,
        "trip_id": t.trip_id,
        "trip_headsign": t.record.destination,
        "direction_id": t.direction_id,
        "shape_id": t.trip_id,
    }


def _shape_rows(t: PlannedTrip) -> list[Row]:
    return [
        {
            "shape_id": t.trip_id,
            "shape_pt_lat": f"{lat:.6f}",
            "shape_pt_lon": f"{lon:.6f}",
            "shape_pt_sequence": seq,
            "shape_dist_traveled": f"{cm / 100:.2f}",
        }
        for seq, ((lon, lat), cm) in enumerate(zip(t.path.points, t.path.point_cm, strict=True), 1)
    ]


def _head_rows(options: FeedOptions, file: str) -> dict[str, list[Row]]:
    agency: Row = {
        "agency_id": AGENCY_ID,
        "agency_name": options.agency_name,
        "agency_url": options.agency_url,
        "agency_timezone": options.timezone,
        "agency_lang": options.lang,
    }
    feed_info: Row = {
        "feed_publisher_name": options.agency_name,
        "feed_publisher_url": options.agency_url,
        "feed_lang": options.lang,
        "feed_start_date": format_date(options.start_date),
        "feed_end_date": format_date(options.end_date),
        "feed_version": f"converted from {file}; times estimated",
        "feed_contact_url": options.agency_url,
    }
    return {"agency.txt": [agency], "feed_info.txt": [feed_info]}


def feed_tables(
    plan: Plan, records: list[LineDirection], options: FeedOptions, file: str
) -> dict[str, list[Row]]:
    """All GTFS tables of `plan`; `records` are the line-directions it was planned from."""
    trips, layout, notes = plan.trips, plan.layout, _route_notes(records)
    ids = _stop_ids(layout, trips)
    tables = _head_rows(options, file)
    tables["stops.txt"] = _stop_rows(layout, ids)
    tables["routes.txt"] = _route_rows(trips, notes)
    tables["trips.txt"] = [_trip_row(t) for t in trips]
    tables["stop_times.txt"] = [
        row
        for t in trips
        for row in stop_time_rows(
            t.trip_id, [ids.pole[q] for q in t.poles], t.path.stop_cm, options.pattern
        )
    ]
    tables["shapes.txt"] = [row for t in trips for row in _shape_rows(t)]
    tables["calendar.txt"] = [calendar_row(options.start_date, options.end_date)]
    tables["frequencies.txt"] = [frequency_row(t.trip_id, options.pattern) for t in trips]
    return tables
