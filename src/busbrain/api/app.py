"""The app factory: one FastAPI app per network, no globals."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from busbrain import __version__
from busbrain.access.passwords import Passwords
from busbrain.api.answers import LIVE_ANSWER_S, Answers
from busbrain.api.arrivals import TimetableCache
from busbrain.api.auth import DispatchAccess
from busbrain.api.cache import NetworkCache
from busbrain.api.dayrecord import DayRecord
from busbrain.api.headers import SecurityHeadersMiddleware
from busbrain.api.predscores import PredictionScores
from busbrain.api.reminders import ReminderBook
from busbrain.api.routes import (
    dispatch_analysis,
    dispatch_audit,
    dispatch_command,
    dispatch_equipment,
    dispatch_fleet,
    dispatch_login,
    dispatch_messages,
    dispatch_operations,
    dispatch_safety,
    dispatch_service,
    dispatch_trips,
    dispatch_users,
    gtfsrt,
    health,
    lines,
    network,
    reminders,
    stops,
    webconfig,
)
from busbrain.api.routes import fares as fare_routes
from busbrain.api.routes.fares import FareUpload
from busbrain.api.routes.webconfig import TileConfig
from busbrain.api.tripbook import ChangeSink, TripBook
from busbrain.api.web import DEFAULT_WEB_DIR, mount_web
from busbrain.domain.gtfstime import timezone_of
from busbrain.domain.live import LiveSnapshot
from busbrain.oversight.equipment import Equipment
from busbrain.oversight.safety import SpeedLimits
from busbrain.store.ports import (
    AlarmStore,
    CommandOutbox,
    DriverShifts,
    FareTapReader,
    NetworkQueries,
    RealtimeHistory,
    ScheduleQueries,
    TerminalRegistry,
    TripChanges,
    UserStore,
)

DEFAULT_SESSION_HOURS = 12.0


def create_app(
    queries: NetworkQueries,
    *,
    title: str = "busbrain",
    web_dir: Path | None = None,
    live: Callable[[], LiveSnapshot | None] | None = None,
    fare_upload: FareUpload | None = None,
    schedule: ScheduleQueries | None = None,
    clock: Callable[[], float] = time.time,
    tiles: TileConfig | None = None,
    users: UserStore | None = None,
    session_hours: float = DEFAULT_SESSION_HOURS,
    passwords: Passwords | None = None,
    outbox: CommandOutbox | None = None,
    terminals: TerminalRegistry | None = None,
    history: RealtimeHistory | None = None,
    alarms: AlarmStore | None = None,
    fares: FareTapReader | None = None,
    devices: Equipment | None = None,
    trip_changes: TripChanges | None = None,
    on_trip_changes: ChangeSink | None = None,
    drivers: DriverShifts | None = None,
    speed_limits: SpeedLimits | None = None,
    attachments_dir: Path = Path("var/attachments"),
    record_refresh_s: float = 10.0,
) -> FastAPI:
    """The HTTP app serving `queries`: JSON under /api/v1, the rider app at /, the map at
    /map, the dispatch console at /dispatch.

    `web_dir` is the folder with index.html, static/ and node_modules/ (default: the
    package's own `web` folder). `live` returns the current live picture (None while
    nothing is live), read on every GTFS-Realtime request under /gtfs-rt; without it those
    feeds are always empty. `fare_upload` takes fare batches at POST
    /api/v1/fares/batches (without it, or without its token, that answers 503).
    `schedule` gives the arrivals boards their timetable; `clock` is their "now". `tiles`
    is the map page's base map (GET /api/v1/web/config; the content security policy then
    lets images come from its tile servers); without it the map has none. `users` holds
    the dispatch console's accounts, sessions and audit log (the console at /dispatch,
    its API under /api/v1/dispatch; without it that API answers 503); a session lasts
    `session_hours` by `clock`; `passwords` checks passwords (default: argon2id with
    argon2-cffi's parameters; tests pass cheaper ones). `outbox` and `terminals` (the
    store's command outbox and terminal registry) let 调度指挥 send text messages to buses
    through the gateway (without them, /api/v1/dispatch/messages answers 503). `history`
    is the real-time side's record (stop events, positions, predictions) that the
    console's supervision modules read (without it they answer 503). `alarms` is 安全监管's
    alarm queue (without it the queue is empty and decisions answer 503). `fares` is the
    stored fare taps that 数据分析's ridership reads (without it, those answer 503).
    `devices` is 设备监管's equipment state, fed by its consumer (without it that module
    answers 503). `trip_changes` keeps 调度指挥's trip changes (cancel, short-turn, extra
    trip, hold, swap; without it those answer 503), which the feeds and boards apply;
    `on_trip_changes` gets the day's active changes after each one (the live processor's
    hand-off). `drivers` holds who drove which bus when (驾驶员考勤, from the drivers' IC
    card sign-ins): 运营监管's waybills name each trip's driver and 安全监管 scores
    driving per driver from it (without it, per vehicle and with no driver).
    `speed_limits` are the limits 安全监管 judges speeding against (default 60 km/h).
    `attachments_dir` is where the gateway keeps the alarms' uploaded files (its
    `attachments_dir`), served to 安全监管 by alarm. The console keeps the recent days'
    stop events and loads in memory and reads what was written since at most every
    `record_refresh_s` seconds (api/dayrecord.py; tests pass 0 to see each write). The
    interactive docs pages (/docs, /redoc) are off: they load their scripts from a CDN,
    which this offline server cannot reach; the schema stays at /openapi.json.
    """
    app = FastAPI(title=title, version=__version__, docs_url=None, redoc_url=None)
    app.state.queries = queries
    app.state.network_cache = NetworkCache(queries)
    app.state.live = _nothing_live if live is None else live
    app.state.fare_upload = fare_upload
    app.state.timetable = (
        None
        if schedule is None
        else TimetableCache(schedule, timezone_of([a.timezone for a in queries.list_agencies()]))
    )
    app.state.clock = clock
    app.state.tiles = tiles
    app.state.dispatch = (
        None
        if users is None
        else DispatchAccess(users, Passwords() if passwords is None else passwords, session_hours)
    )
    app.state.outbox = outbox
    app.state.terminals = terminals
    app.state.history = history
    app.state.answers = Answers(record_refresh_s)
    app.state.live_answers = Answers(min(record_refresh_s, LIVE_ANSWER_S))
    app.state.record = (
        None
        if history is None
        else DayRecord(
            history,
            clock,
            timezone_of([a.timezone for a in queries.list_agencies()]),
            refresh_s=record_refresh_s,
        )
    )
    app.state.prediction_scores = (
        None if app.state.record is None else PredictionScores(app.state.record)
    )
    app.state.alarms = alarms
    app.state.attachments_dir = attachments_dir
    app.state.devices = devices
    app.state.fares = fares
    app.state.trip_changes = trip_changes
    app.state.drivers = drivers
    app.state.speed_limits = speed_limits
    app.state.trip_book = TripBook(
        trip_changes,
        app.state.timetable,
        timezone_of([a.timezone for a in queries.list_agencies()]),
        on_trip_changes,
    )
    app.state.arrival_boards = {}  # arrivals boards, reused briefly (routes/stops.py)
    app.state.reminders = ReminderBook()
    app.state.reminder_poll_s = 2.0
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(
        SecurityHeadersMiddleware, img_origins=() if tiles is None else tiles.origins()
    )
    app.include_router(health.router)
    app.include_router(network.router)
    app.include_router(stops.router)
    app.include_router(lines.router)
    app.include_router(reminders.router)
    app.include_router(gtfsrt.router)
    app.include_router(fare_routes.router)
    app.include_router(webconfig.router)
    app.include_router(dispatch_login.router)
    app.include_router(dispatch_users.router)
    app.include_router(dispatch_audit.router)
    app.include_router(dispatch_command.router)
    app.include_router(dispatch_messages.router)
    app.include_router(dispatch_trips.router)
    app.include_router(dispatch_operations.router)
    app.include_router(dispatch_service.router)
    app.include_router(dispatch_safety.router)
    app.include_router(dispatch_equipment.router)
    app.include_router(dispatch_analysis.router)
    app.include_router(dispatch_fleet.router)
    mount_web(app, DEFAULT_WEB_DIR if web_dir is None else web_dir)
    return app


def _nothing_live() -> LiveSnapshot | None:
    """The live source of an app started without one: nothing is ever live."""
    return None
