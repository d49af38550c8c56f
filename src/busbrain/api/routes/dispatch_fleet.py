"""调度指挥's live map of all buses, the Marey diagram, and the console's live push, for
roles that read the module (`read:command`).

- GET /api/v1/dispatch/fleet — every live bus in one compact answer (one row per bus under
  `fields`, ~100 bytes a bus: 1,000 buses fit in ~110 KB before gzip): position, bearing,
  line, direction, trip, delay and adherence (early below −60 s, late above +300 s), the
  strip's headway and 串车/大间隔 flag, next stop, load, report age and stale/off-route.
- GET /api/v1/dispatch/lines/{route_id}/marey?date=&direction_id=&start=&end= — the
  time-space diagram of a line's direction (busbrain.api.marey): stops by distance along
  the main pattern (metres), planned and actual times per trip (unix seconds), live buses.
- WebSocket /api/v1/dispatch/ws — a message `{"type": "snapshot", "made_at", "vehicles"}`
  whenever a new live snapshot is out, at most one a second per socket; a socket that
  sent `{"subscribe": ["fleet"]}` gets the fleet answer in it as `fleet`. It is logged in
  by the session cookie (or bearer token) as the HTTP routes are; closes 4401 without a
  session (or when it ends), 4403 without read:command or from another site's page.

The fleet answer is built once per snapshot and serialized once, shared by every socket
and every GET until the next snapshot: the cost is one build a second however many
consoles watch (about 0.1 s of one core for 1,000 buses, in a worker thread).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlsplit

import anyio
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, WebSocket
from fastapi.requests import HTTPConnection
from starlette.websockets import WebSocketDisconnect, WebSocketState

from busbrain.access.roles import Permission
from busbrain.api.appstate import state_or_503
from busbrain.api.arrivals import DayCalls, TimetableCache, day_calls
from busbrain.api.auth import TOUCH_EVERY, Caller, caller_of, no_store, require
from busbrain.api.cache import NetworkCache
from busbrain.api.dayrecord import DayRecord
from busbrain.api.jsonenc import dumps
from busbrain.api.marey import dist_along, main_pattern, marey_trips
from busbrain.api.routes.dispatch_command import line_strip
from busbrain.api.routes.lines import strip_at
from busbrain.api.servicedays import parse_day
from busbrain.domain.gtfstime import service_day_start
from busbrain.domain.live import LiveSnapshot, VehicleLive
from busbrain.realtime.headways import adherence
from busbrain.realtime.live import service_date_of

http = APIRouter(prefix="/api/v1/dispatch", tags=["dispatch"], dependencies=[Depends(no_store)])
router = APIRouter()
"""Everything this module serves (the HTTP routes and the WebSocket), for app.py."""

ReaderDep = Annotated[Caller, Depends(require(Permission.READ_COMMAND))]

STALE_S = 120.0
"""A bus whose last report is older than this (seconds) is stale (the map's rule too)."""
FIELDS = (
    "vehicle_id", "label", "lat", "lon", "bearing", "route_id", "direction_id", "trip_id",
    "delay_s", "adherence", "spacing", "headway_s", "ahead_vehicle_id", "next_stop_id",
    "occupancy_percent", "fix_age_s", "stale", "off_route",
)  # fmt: skip
"""The columns of each row of the fleet answer's `buses`."""
PUSH_EVERY_S = 1.0
"""A socket gets at most one message a second."""
LOOK_EVERY_S = 0.2
"""How often a socket looks for a new snapshot (reading app.state.live() costs nothing)."""
SESSION_CHECK_S = TOUCH_EVERY.total_seconds()
"""How often an open socket checks that its session still holds (seconds)."""
MAREY_DEFAULT_S = 2 * 3600.0


# --- the fleet ---------------------------------------------------------------------------


def _latest(app_state: Any) -> LiveSnapshot | None:
    snap: LiveSnapshot | None = app_state.live()
    return snap


def _state_request(connection: HTTPConnection) -> Request:
    """A plain Request on the same app, for the strip's builders (they read only
    request.app.state) when the caller is a WebSocket."""
    if isinstance(connection, Request):
        return connection
    return Request({"type": "http", "app": connection.app, "headers": [], "method": "GET"})


def _strip_facts(request: Request, vehicles: list[VehicleLive]) -> dict[str, dict[str, Any]]:
    """The strip's view of each bus on a known line (adherence, headway, spacing), by
    vehicle_id: the same numbers 线路模拟图 shows, one line_strip per line with buses."""
    cache: NetworkCache = request.app.state.network_cache
    names = cache.finder().route_names
    out: dict[str, dict[str, Any]] = {}
    for route_id in sorted({v.route_id for v in vehicles if v.route_id in names}):
        assert route_id is not None
        for d in line_strip(request, route_id)["directions"]:
            for bus in d["buses"]:
                out[bus["vehicle_id"]] = bus
    return out


def _round(value: float | None, digits: int = 0) -> float | int | None:
    if value is None:
        return None
    return round(value) if digits == 0 else round(value, digits)


def fleet_payload(connection: HTTPConnection, snap: LiveSnapshot | None) -> dict[str, Any]:
    """The fleet answer for `snap` (see the module's docstring): rows in FIELDS order,
    with the names of the lines and next stops the rows use. Ages are counted from the
    snapshot's `made_at`, so the answer is the same for every reader of that snapshot."""
    request = _state_request(connection)
    cache: NetworkCache = request.app.state.network_cache
    finder = cache.finder()
    vehicles = [] if snap is None else list(snap.vehicles)
    made_at = None if snap is None else snap.made_at
    facts = _strip_facts(request, vehicles)
    colours = {r.route_id: r.color for r in cache.routes()}
    rows: list[list[Any]] = []
    lines: dict[str, dict[str, str]] = {}
    stops: dict[str, str] = {}
    counts = {"early": 0, "on_time": 0, "late": 0, "unknown": 0, "bunched": 0, "gapped": 0}
    counts |= {"stale": 0, "off_route": 0}
    for v in vehicles:
        bus = facts.get(v.vehicle_id, {})
        kind = bus.get("adherence") or adherence(v.delay_s).value
        spacing = bus.get("spacing", "unknown")
        age = None if made_at is None else max(0.0, made_at - v.fix_unix)
        stale = age is not None and age > STALE_S
        if v.route_id is not None and v.route_id not in lines:
            lines[v.route_id] = {
                "line": finder.route_names.get(v.route_id, v.route_id),
                "color": colours.get(v.route_id, "#64748b"),
            }
        if v.stop_id is not None and v.stop_id not in stops:
            station = finder.station_of(v.stop_id)
            stops[v.stop_id] = station.name if station else v.stop_id
        counts[kind] += 1
        counts["bunched"] += spacing == "bunched"
        counts["gapped"] += spacing == "gapped"
        counts["stale"] += stale
        counts["off_route"] += v.off_route
        rows.append(
            [
                v.vehicle_id, v.label, round(v.lat, 5), round(v.lon, 5), _round(v.bearing),
                v.route_id, v.direction_id, v.trip_id, _round(v.delay_s), kind, spacing,
                bus.get("headway_s"), bus.get("ahead_vehicle_id"), v.stop_id,
                v.occupancy_percent, _round(age), int(stale), int(v.off_route),
            ]
        )  # fmt: skip
    return {
        "made_at": None if made_at is None else round(made_at, 3),
        "count": len(rows),
        "counts": counts,
        "stale_after_s": STALE_S,
        "fields": list(FIELDS),
        "buses": rows,
        "lines": lines,
        "stops": stops,
    }


@dataclasses.dataclass(slots=True)
class _Built:
    made_at: float | None
    snapshot: LiveSnapshot | None
    fleet: bytes
    """The fleet answer, serialized."""
    push_plain: str
    """The push message without the fleet."""
    push_fleet: str
    """The push message with the fleet in it."""


class FleetCache:
    """The fleet answer and push messages of the latest snapshot, built once (under a
    lock, so readers arriving together wait for the one build) and shared."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: _Built | None = None

    def get(self, connection: HTTPConnection, snap: LiveSnapshot | None) -> _Built:
        with self._lock:
            got = self._built
            if got is not None and got.snapshot is snap:
                return got
            fleet = dumps(fleet_payload(connection, snap))
            made_at = None if snap is None else round(snap.made_at, 3)
            count = 0 if snap is None else len(snap.vehicles)
            head = f'{{"type":"snapshot","made_at":{dumps(made_at).decode()},"vehicles":{count}'
            got = _Built(
                made_at, snap, fleet, head + "}", head + ',"fleet":' + fleet.decode() + "}"
            )
            self._built = got
            return got


_CACHES_LOCK = threading.Lock()


def _fleet_cache(connection: HTTPConnection) -> FleetCache:
    """The app's fleet cache, made on first use (one per app, on app.state)."""
    state = connection.app.state
    with _CACHES_LOCK:
        found: FleetCache | None = getattr(state, "dispatch_fleet_cache", None)
        if found is None:
            found = FleetCache()
            state.dispatch_fleet_cache = found
        return found


@http.get("/fleet")
def get_fleet(_: ReaderDep, request: Request) -> Response:
    """Every live bus, one row each in `fields` order: position (WGS-84, 5 decimals),
    bearing (°), line, direction, trip, `delay_s`, `adherence` (early/on_time/late/
    unknown), `spacing` and `headway_s` to `ahead_vehicle_id` (as the strip has them),
    next stop, `occupancy_percent`, `fix_age_s` at the snapshot, `stale` (report older
    than `stale_after_s`) and `off_route` (0/1). `lines` and `stops` name what rows use;
    `counts` sums them up."""
    built = _fleet_cache(request).get(request, _latest(request.app.state))
    # a Response returned as is skips the router's no_store: say it here
    return Response(
        built.fleet, media_type="application/json", headers={"Cache-Control": "no-store"}
    )


# --- the Marey diagram ------------------------------------------------------------------


def _history(request: Request) -> DayRecord:
    history: DayRecord = state_or_503(
        request,
        "record",
        "the Marey diagram is off: this server was started without the real-time "
        "history (stop events)",
    )
    return history


def _day_calls(timetable: TimetableCache | None, day: dt.date, now: float) -> DayCalls:
    """The day's timetable: the shared cache's for today and yesterday; another day is
    built for this answer only (asking for it must not evict today's)."""
    if timetable is None:
        return DayCalls(day=None)
    today = service_date_of(now, timetable.tz)
    if abs((day - today).days) <= 1:
        return timetable.day(day)
    start = service_day_start(day, timetable.tz)
    return day_calls(timetable.schedule.trip_times_on(day), day, start)


@http.get("/lines/{route_id}/marey", responses={404: {"description": "No such line."}})
def get_marey(
    _: ReaderDep,
    request: Request,
    route_id: Annotated[str, Path(description="The line's route_id.", max_length=200)],
    date: Annotated[
        str | None, Query(description="Service day YYYY-MM-DD (default today).", max_length=20)
    ] = None,
    direction_id: Annotated[int, Query(ge=0, le=1, description="0 or 1.")] = 0,
    start: Annotated[
        float | None, Query(description="Window start, unix seconds (default: whole day).")
    ] = None,
    end: Annotated[float | None, Query(description="Window end, unix seconds.")] = None,
) -> dict[str, Any]:
    """The line's direction as a time-space diagram: `stops` in order with `dist_m`
    (metres along the main pattern); per trip, `planned` (timetable arrival), `arrival`
    and `departure` (stop events) at each stop in unix seconds, null where none; trips
    with a time inside [`start`, `end`] only, when given. `live` places today's live
    buses (`dist_m` along the line at `at`). 503 without the real-time history."""
    history = _history(request)
    cache: NetworkCache = request.app.state.network_cache
    finder = cache.finder()
    if route_id not in finder.route_names:
        raise HTTPException(404, detail=f"no line {route_id!r}")
    pattern = main_pattern(cache.patterns(), route_id, direction_id)
    if pattern is None:
        raise HTTPException(404, detail=f"line {route_id!r} has no direction {direction_id}")
    timetable: TimetableCache | None = request.app.state.timetable
    now = float(request.app.state.clock())
    today = service_date_of(now, dt.UTC if timetable is None else timetable.tz)
    day = parse_day(date, today)
    window = None if start is None and end is None else (start or 0.0, end or float("inf"))
    events = history.stop_events(day, day, {route_id})
    trips = marey_trips(pattern, _day_calls(timetable, day, now).by_trip, events, window)
    snap = _latest(request.app.state) if day == today else None
    strip = [ps.stop_id for ps in pattern.stops]
    live = []
    for v in () if snap is None else snap.vehicles:
        if v.route_id != route_id or int(v.direction_id or 0) != direction_id:
            continue
        dist = dist_along(pattern, strip_at(v, strip, finder))
        live.append(
            {
                "vehicle_id": v.vehicle_id,
                "label": v.label,
                "trip_id": v.trip_id,
                "at": round(v.fix_unix),
                "dist_m": None if dist is None else round(dist, 1),
                "delay_s": _round(v.delay_s),
                "adherence": adherence(v.delay_s).value,
            }
        )
    directions = sorted(
        {int(p.direction_id or 0) for p in cache.patterns() if p.route_id == route_id}
    )
    return {
        "route_id": route_id,
        "line": finder.route_names[route_id],
        "date": day.isoformat(),
        "direction_id": direction_id,
        "directions": [
            {"direction_id": d, "headsign": cache.headsigns().get((route_id, d))}
            for d in directions
        ],
        "headsign": pattern.headsign,
        "now_unix": round(now),
        "window": None if window is None else [start, end],
        "stops": [
            {
                "stop_id": ps.stop_id,
                "name": (st.name if (st := finder.station_of(ps.stop_id)) else ps.stop_id),
                "dist_m": round(ps.dist_m, 1),
            }
            for ps in pattern.stops
        ],
        "trips": [t.as_json() for t in trips],
        "live": live,
    }


# --- the live push -----------------------------------------------------------------------


def _same_site(ws: WebSocket) -> bool:
    """A browser's socket comes from a page of this server (no Origin: not a browser)."""
    origin = ws.headers.get("origin")
    if not origin:
        return True
    return urlsplit(origin).netloc.lower() == ws.headers.get("host", "").lower()


def _socket_check(ws: WebSocket) -> int | None:
    """The close code the socket deserves now (4401 no session, 4403 no permission or
    another site's page), or None when it may listen."""
    if not _same_site(ws):
        return 4403
    try:
        caller = caller_of(ws)
    except HTTPException as error:
        return 4401 if error.status_code == 401 else 4403
    return None if Permission.READ_COMMAND in caller.permissions else 4403


async def _listen(ws: WebSocket, wants: set[str]) -> None:
    """Reads the client's subscriptions until it goes: `{"subscribe": ["fleet"]}`."""
    while True:
        try:
            message = await ws.receive_json()
        except WebSocketDisconnect:
            return
        except ValueError:
            continue  # not JSON: ignored
        asked = message.get("subscribe") if isinstance(message, dict) else None
        if isinstance(asked, list):
            wants.clear()
            wants.update(str(x) for x in asked if x == "fleet")


async def _push(ws: WebSocket, wants: set[str], cache: FleetCache) -> None:
    """Sends each new snapshot's message (the shared, pre-serialized one), at most one
    a second; checks the session every SESSION_CHECK_S and closes 4401 when it ended."""
    sent_made_at: float | None = -1.0
    sent_with_fleet = False
    sent_at = 0.0
    checked_at = time.monotonic()
    clock: Callable[[], float] = time.monotonic
    while True:
        now = clock()
        if now - checked_at >= SESSION_CHECK_S:
            checked_at = now
            code = await anyio.to_thread.run_sync(_socket_check, ws)
            if code is not None:
                await ws.close(code)
                return
        snap = _latest(ws.app.state)
        made_at = None if snap is None else round(snap.made_at, 3)
        fleet = "fleet" in wants
        news = made_at != sent_made_at or (fleet and not sent_with_fleet)
        if news and now - sent_at >= PUSH_EVERY_S:
            built = await anyio.to_thread.run_sync(cache.get, ws, snap)
            await ws.send_text(built.push_fleet if fleet else built.push_plain)
            sent_made_at, sent_with_fleet, sent_at = built.made_at, fleet, clock()
        await asyncio.sleep(LOOK_EVERY_S)


async def dispatch_socket(ws: WebSocket) -> None:
    """The console's live push (see the module's docstring)."""
    await ws.accept()
    code = await anyio.to_thread.run_sync(_socket_check, ws)
    if code is not None:
        await ws.close(code)
        return
    wants: set[str] = set(ws.query_params.get("subscribe", "").split(",")) & {"fleet"}
    cache = _fleet_cache(ws)
    try:
        async with anyio.create_task_group() as tasks:

            async def push_then_stop() -> None:
                await _push(ws, wants, cache)
                tasks.cancel_scope.cancel()

            tasks.start_soon(push_then_stop)
            await _listen(ws, wants)
            tasks.cancel_scope.cancel()
    except (WebSocketDisconnect, RuntimeError):
        pass  # the client went while we were sending
    connected = WebSocketState.CONNECTED
    if ws.application_state == connected and ws.client_state == connected:
        with contextlib.suppress(RuntimeError):
            await ws.close()


router.include_router(http)
router.add_api_websocket_route("/api/v1/dispatch/ws", dispatch_socket)
