"""A line's stops and buses, the live buses, and a trip's calls, under /api/v1.

The line view is what a rider's line page draws: for each direction, the stops of its
main pattern in order (stations, with names and pinyin) and each live bus placed between
stops (`next_stop_sequence`: the stop it is heading for or standing at; `strip_at`: where
it is along the strip in stop numbers, 2.0 at the second stop, 2.5 halfway from there to
the third), and today's departures from the first stop.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request

from busbrain.api.arrivals import calls_at, crowding
from busbrain.api.cache import Finder
from busbrain.api.deps import CacheDep, QueriesDep
from busbrain.domain.geo import haversine_m
from busbrain.domain.live import LiveSnapshot, StopStatus, VehicleLive
from busbrain.domain.names import pinyin_of
from busbrain.domain.network import Pattern

router = APIRouter(prefix="/api/v1", tags=["lines"])


def _snapshot(request: Request) -> LiveSnapshot | None:
    snap: LiveSnapshot | None = request.app.state.live()
    return snap


def _vehicle(v: VehicleLive, now: float, names: dict[str, str]) -> dict[str, object]:
    return {
        "vehicle_id": v.vehicle_id,
        "label": v.label,
        "lat": v.lat,
        "lon": v.lon,
        "bearing": v.bearing,
        "speed_kmh": None if v.speed_ms is None else round(v.speed_ms * 3.6, 1),
        "route_id": v.route_id,
        "line": None if v.route_id is None else names.get(v.route_id, v.route_id),
        "direction_id": v.direction_id,
        "trip_id": v.trip_id,
        "next_stop_id": v.stop_id,
        "next_stop_sequence": v.stop_sequence,
        "status": v.status.value,
        "delay_s": None if v.delay_s is None else round(v.delay_s),
        "off_route": v.off_route,
        "fix_age_s": round(now - v.fix_unix),
        "crowding": crowding(v.occupancy_percent),
    }


def strip_at(v: VehicleLive, strip: list[str], finder: Finder) -> float | None:
    """Where `v` is along a line's stop strip, in stop numbers (1-based, fractional between
    stops), from the stop it heads for and its distances to that stop and the one before.

    A stop id may come twice on a loop: the occurrence nearest the trip's stop_sequence
    wins. None when the bus's next stop is not on this strip (a variant's own stop)."""
    if v.stop_id is None:
        return None
    hits = [k for k, sid in enumerate(strip) if sid == v.stop_id]
    if not hits:
        return None
    seq = v.stop_sequence if v.stop_sequence is not None else hits[0] + 1
    k = min(hits, key=lambda i: abs(i + 1 - seq))
    if v.status == StopStatus.STOPPED_AT or k == 0:
        return float(k + 1)
    here = finder.pole_latlon.get(strip[k])
    before = finder.pole_latlon.get(strip[k - 1])
    if here is None or before is None:
        return float(k + 1)
    to_next = haversine_m(v.lat, v.lon, *here)
    from_prev = haversine_m(v.lat, v.lon, *before)
    total = to_next + from_prev
    share = 0.5 if total <= 0 else from_prev / total
    return round(k + min(max(share, 0.0), 0.99), 3)


@router.get("/vehicles")
def vehicles(request: Request, cache: CacheDep) -> dict[str, object]:
    """Every live bus: position, line, trip, the stop it is heading for, delay, report age."""
    snap = _snapshot(request)
    now = float(request.app.state.clock())
    names = cache.finder().route_names
    return {
        "snapshot_unix": None if snap is None else round(snap.made_at),
        "vehicles": [] if snap is None else [_vehicle(v, now, names) for v in snap.vehicles],
    }


@router.get("/routes/{route_id}")
def route_detail(
    request: Request,
    cache: CacheDep,
    route_id: Annotated[str, Path(description="The line's route_id.")],
) -> dict[str, object]:
    """Both directions of a line: stops in order, live buses between them, and today's
    departures from the first stop (unix seconds)."""
    finder = cache.finder()
    if route_id not in finder.route_names:
        raise HTTPException(404, detail=f"no line {route_id!r}")
    patterns = [p for p in cache.patterns() if p.route_id == route_id]
    snap = _snapshot(request)
    now = float(request.app.state.clock())
    calls = calls_at(request.app.state.timetable, now)
    directions = []
    by_dir: dict[int, list[Pattern]] = {}
    for p in patterns:
        by_dir.setdefault(int(p.direction_id or 0), []).append(p)
    for direction, pats in sorted(by_dir.items()):
        main = max(pats, key=lambda p: len(p.stops))
        stops = []
        for k, ps in enumerate(main.stops, start=1):
            st = finder.station_of(ps.stop_id)
            name = st.name if st else ps.stop_id
            latlon = finder.pole_latlon.get(ps.stop_id)
            stops.append(
                {
                    "index": k,
                    "stop_id": ps.stop_id,
                    "station_id": st.station_id if st else None,
                    "name": name,
                    "pinyin": pinyin_of(name),
                    "dist_m": round(ps.dist_m, 1),
                    "lat": None if latlon is None else latlon[0],
                    "lon": None if latlon is None else latlon[1],
                }
            )
        strip = [ps.stop_id for ps in main.stops]
        buses = []
        if snap is not None:
            for v in snap.vehicles:
                if v.route_id == route_id and int(v.direction_id or 0) == direction:
                    bus = _vehicle(v, now, finder.route_names)
                    bus["strip_at"] = strip_at(v, strip, finder)
                    buses.append(bus)
        departures: list[int] = []
        if main.stops:
            first = main.stops[0].stop_id
            departures = sorted(
                round(c.arrival_unix)
                for c in calls.by_stop.get(first, [])
                if c.route_id == route_id and c.direction_id == direction and c.stop_sequence == 1
            )
        directions.append(
            {
                "direction_id": direction,
                "headsign": main.headsign,
                "stops": stops,
                "buses": buses,
                "departures_unix": departures,
            }
        )
    live = 0
    for d in directions:
        buses_in = d["buses"]
        assert isinstance(buses_in, list)
        live += len(buses_in)
    return {
        "route_id": route_id,
        "line": finder.route_names[route_id],
        "directions": directions,
        "live_buses": live,
        "now_unix": round(now),
    }


@router.get("/trips/{trip_id}")
def trip_detail(
    request: Request,
    queries: QueriesDep,
    cache: CacheDep,
    trip_id: Annotated[str, Path(description="A trip_id of the network.")],
) -> dict[str, object]:
    """A trip's calls today: scheduled times, and the live bus's predictions when one
    runs it."""
    trip = queries.find_trip(trip_id)
    if trip is None:
        raise HTTPException(404, detail=f"no trip {trip_id!r}")
    now = float(request.app.state.clock())
    calls = calls_at(request.app.state.timetable, now)
    scheduled = calls.by_trip.get(trip_id, [])
    snap = _snapshot(request)
    bus = next((v for v in (snap.vehicles if snap else ()) if v.trip_id == trip_id), None)
    predicted = {p.stop_sequence: p for p in bus.predictions} if bus is not None else {}
    finder = cache.finder()
    return {
        "trip_id": trip_id,
        "route_id": trip.route_id,
        "line": finder.route_names.get(trip.route_id, trip.route_id),
        "direction_id": trip.direction_id,
        "headsign": trip.headsign,
        "runs_today": bool(scheduled),
        "vehicle": None if bus is None else _vehicle(bus, now, finder.route_names),
        "calls": [
            {
                "stop_sequence": c.stop_sequence,
                "stop_id": c.stop_id,
                "name": (st.name if (st := finder.station_of(c.stop_id)) else c.stop_id),
                "scheduled_unix": round(c.arrival_unix),
                "predicted_unix": round(predicted[c.stop_sequence].arrival_unix)
                if c.stop_sequence in predicted
                else None,
            }
            for c in scheduled
        ],
    }
