"""运营监管 (operations): the day's 电子路单 (waybills) and each line's figures, for roles
that read the module (`read:operations`).

- GET /api/v1/dispatch/operations/summary?date= — per line: trips planned, run, missing
  (缺车), 正班率, 发车正点率, off route now (偏线), overlong layovers, revenue and dead
  km; with the lists of missing trips, off-route vehicles and overlong layovers.
  `format=csv` gives the per-line table as CSV.
- GET /api/v1/dispatch/operations/vehicles?date= — every vehicle that ran that day with
  its totals (the waybills without their trips).
- GET /api/v1/dispatch/operations/waybills?date=&vehicle_id=&driver_id= — the waybills
  with every trip and its driver (signed in by IC card at its departure); `driver_id`
  (the qualification certificate number) keeps the trips that driver drove, per
  vehicle; `format=csv` gives one row per trip.

The figures are computed on each request from the stop events the real-time side stored
(`app.state.history`), the day's timetable and, for today, the live picture; the rules
and their definitions are in busbrain.oversight.operations. `date` is the service day,
YYYY-MM-DD (default: today by the app's clock, in the timetable's time zone). Times in
JSON are ISO 8601 UTC; in CSV, local time of the city. Distances in km (0.01), durations
in seconds.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from busbrain.access.roles import Permission
from busbrain.api.answers import kept_answer
from busbrain.api.appstate import state_or_503
from busbrain.api.arrivals import TimetableCache
from busbrain.api.auth import Caller, no_store, require
from busbrain.api.cache import Finder, NetworkCache
from busbrain.api.csvdownload import csv_download, local_time, safe_name
from busbrain.api.dayrecord import DayRecord
from busbrain.api.ordering import natural_key
from busbrain.api.servicedays import parse_day
from busbrain.domain.live import LiveSnapshot
from busbrain.oversight.drivers import DriverRef, ShiftIndex
from busbrain.oversight.operations import (
    DayPlan,
    LineFigures,
    OperationsDay,
    VehicleWaybill,
    WaybillTrip,
    operations_day,
    plan_day,
)
from busbrain.realtime.live import service_date_of
from busbrain.store.ports import DriverShifts

router = APIRouter(prefix="/api/v1/dispatch", tags=["dispatch"], dependencies=[Depends(no_store)])

ReaderDep = Annotated[Caller, Depends(require(Permission.READ_OPERATIONS))]
DateQuery = Annotated[
    str | None,
    Query(description="The service day, YYYY-MM-DD (default: today).", max_length=20),
]
FormatQuery = Annotated[Literal["json", "csv"], Query(description="json (default) or csv.")]

PLANS_KEPT = 3
"""Days of timetable kept built (today, yesterday, one more looked at)."""


class _Plans:
    """The days' timetables as the rules want them, built once per day (the timetable
    does not change while serving: an import restarts the server)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._days: dict[dt.date, DayPlan] = {}

    def day(self, timetable: TimetableCache, cache: NetworkCache, day: dt.date) -> DayPlan:
        with self._lock:
            got = self._days.get(day)
            if got is None:
                got = plan_day(
                    day, timetable.schedule.trip_times_on(day), cache.patterns(), timetable.tz
                )
                recent = sorted(self._days, key=lambda d: abs((d - day).days))
                self._days = {d: self._days[d] for d in recent[: PLANS_KEPT - 1]}
                self._days[day] = got
            return got


_PLANS_LOCK = threading.Lock()


def _plans(request: Request) -> _Plans:
    """The app's plan cache, made on first use (kept on app.state, one per app)."""
    with _PLANS_LOCK:
        plans: _Plans | None = getattr(request.app.state, "operations_plans", None)
        if plans is None:
            plans = _Plans()
            request.app.state.operations_plans = plans
        return plans


def _history(request: Request) -> DayRecord:
    history: DayRecord = state_or_503(
        request,
        "record",
        "operations are off: this server was started without the real-time history (stop events)",
    )
    return history


def _timetable(request: Request) -> TimetableCache:
    timetable: TimetableCache = state_or_503(
        request, "timetable", "operations are off: this server was started without a timetable"
    )
    return timetable


def _operations(request: Request, date: str | None) -> tuple[OperationsDay, TimetableCache]:
    """The rules run over the asked day's record as of the app's clock."""
    history = _history(request)
    timetable = _timetable(request)
    cache: NetworkCache = request.app.state.network_cache
    now = float(request.app.state.clock())
    day = parse_day(date, service_date_of(now, timetable.tz))
    plan = _plans(request).day(timetable, cache, day)
    snap: LiveSnapshot | None = request.app.state.live()
    live = snap if snap is not None and service_date_of(snap.made_at, timetable.tz) == day else None
    events = history.stop_events(day, day)
    shifts: DriverShifts | None = request.app.state.drivers
    result = operations_day(
        events,
        plan,
        now=now,
        live=live,
        stop_positions=cache.finder().pole_latlon,
        drivers=None if shifts is None else ShiftIndex(shifts.shifts(day, day)),
    )
    return result, timetable


def _iso(unix: float | None) -> str | None:
    return None if unix is None else dt.datetime.fromtimestamp(unix, dt.UTC).isoformat()


def _km(metres: float | None) -> float | None:
    return None if metres is None else round(metres / 1000, 2)


def _pct(rate: float | None) -> float | None:
    return None if rate is None else round(100 * rate, 1)


def _secs(value: float | None) -> int | None:
    return None if value is None else round(value)


def _line_name(finder: Finder, route_id: str | None) -> str | None:
    return None if not route_id else finder.route_names.get(route_id, route_id)


def _stop_name(finder: Finder, stop_id: str) -> str:
    station = finder.station_of(stop_id)
    return station.name if station else stop_id


def _figures(fig: LineFigures, finder: Finder) -> dict[str, Any]:
    return {
        "route_id": fig.route_id or None,
        "line": _line_name(finder, fig.route_id),
        "trips_planned": fig.trips_planned,
        "departures_due": fig.departures_due,
        "trips_run": fig.trips_run,
        "trips_missing": fig.trips_missing,
        "trips_unobserved": fig.trips_unobserved,
        "finishes_due": fig.finishes_due,
        "trips_completed": fig.trips_completed,
        "completion_pct": _pct(fig.completion_rate),
        "departures_observed": fig.departures_observed,
        "departures_on_time": fig.departures_on_time,
        "departures_early": fig.departures_early,
        "departures_late": fig.departures_late,
        "on_time_departure_pct": _pct(fig.on_time_departure_rate),
        "extra_trips": fig.extra_trips,
        "off_route": fig.off_route,
        "overlong_layovers": fig.overlong_layovers,
        "revenue_km": _km(fig.revenue_m),
        "dead_km": _km(fig.dead_m),
    }


def _labels(request: Request) -> dict[str, str]:
    """What each live bus shows riders (plate or fleet number), by vehicle_id."""
    snap: LiveSnapshot | None = request.app.state.live()
    return {} if snap is None else {v.vehicle_id: v.label for v in snap.vehicles if v.label}


def _trip(t: WaybillTrip, finder: Finder) -> dict[str, Any]:
    return {
        "trip_id": t.trip_id,
        "route_id": t.route_id,
        "line": _line_name(finder, t.route_id),
        "direction_id": t.direction_id,
        "block_id": t.block_id,
        "in_timetable": t.in_timetable,
        "planned_departure_utc": _iso(t.planned_departure_unix),
        "actual_departure_utc": _iso(t.actual_departure_unix),
        "departure_delay_s": _secs(t.departure_delay_s),
        "departure_on_time": t.departure_on_time,
        "planned_arrival_utc": _iso(t.planned_arrival_unix),
        "actual_arrival_utc": _iso(t.actual_arrival_unix),
        "arrival_delay_s": _secs(t.arrival_delay_s),
        "from_stop": _stop_name(finder, t.first_stop_id),
        "to_stop": _stop_name(finder, t.last_stop_id),
        "stops_seen": t.stops_seen,
        "stops_planned": t.stops_planned,
        "completed": t.completed,
        "revenue_km": _km(t.revenue_m),
        "dead_km": _km(t.dead_m),
        "layover_s": _secs(t.layover_s),
        "scheduled_layover_s": _secs(t.scheduled_layover_s),
        "layover_overlong": t.layover_overlong,
        "driver": _driver(t.driver),
    }


def _driver(d: DriverRef | None) -> dict[str, Any] | None:
    return None if d is None else {"driver_id": d.driver_id, "name": d.name}


def _vehicle(
    w: VehicleWaybill, labels: dict[str, str], *, trips: list[Any] | None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "vehicle_id": w.vehicle_id,
        "label": labels.get(w.vehicle_id),
        "driver": w.driver,
        "drivers": [_driver(d) for d in w.drivers],
        "trips_run": len(w.trips),
        "trips_completed": w.trips_completed,
        "revenue_km": _km(w.revenue_m),
        "dead_km": _km(w.dead_m),
        "overlong_layovers": sum(t.layover_overlong for t in w.trips),
    }
    if trips is not None:
        out["trips"] = trips
    return out


@router.get(
    "/operations/summary",
    responses={422: {"description": "Bad date."}, 503: {"description": "No history."}},
)
@kept_answer
def summary(
    _: ReaderDep, request: Request, date: DateQuery = None, format: FormatQuery = "json"
) -> Any:
    """Each line's day so far: `completion_pct` (正班率: trips that reached their last stop
    ÷ trips whose scheduled arrival is more than `grace_s` past), `on_time_departure_pct`
    (发车正点率: departures from the first stop within −`on_time_early_s` … +`on_time_late_s`
    of schedule ÷ departures seen there), `trips_missing` (缺车: scheduled departure more
    than `grace_s` past and no vehicle on the trip), `off_route` (偏线, now; today only)
    and `overlong_layovers` (more than `layover_extra_s` over the scheduled layover), with
    the lists of each."""
    ops, _timetable = _operations(request, date)
    cache: NetworkCache = request.app.state.network_cache
    finder = cache.finder()
    lines = sorted(ops.lines, key=lambda f: natural_key(_line_name(finder, f.route_id) or ""))
    figures = [_figures(f, finder) for f in lines]
    if format == "csv":
        header = list(figures[0]) if figures else list(_figures(ops.totals, finder))
        return csv_download(
            f"operations-{ops.day.isoformat()}.csv",
            header,
            [list(f.values()) for f in figures],
        )
    labels = _labels(request)
    r = ops.rules
    return {
        "date": ops.day.isoformat(),
        "now_utc": _iso(ops.now_unix),
        "observed_from_utc": _iso(ops.observed_from_unix),
        "live": ops.live,
        "rules": {
            "on_time_early_s": r.on_time_early_s,
            "on_time_late_s": r.on_time_late_s,
            "grace_s": r.grace_s,
            "layover_extra_s": r.layover_extra_s,
        },
        "totals": _figures(ops.totals, finder) | {"route_id": None, "line": None},
        "lines": figures,
        "missing": [
            {
                "trip_id": m.trip_id,
                "route_id": m.route_id,
                "line": _line_name(finder, m.route_id),
                "direction_id": m.direction_id,
                "block_id": m.block_id,
                "planned_departure_utc": _iso(m.planned_departure_unix),
                "overdue_s": _secs(m.overdue_s),
            }
            for m in ops.missing
        ],
        "off_route": [
            {
                "vehicle_id": o.vehicle_id,
                "label": o.label,
                "route_id": o.route_id,
                "line": _line_name(finder, o.route_id),
                "trip_id": o.trip_id,
                "lat": o.lat,
                "lon": o.lon,
                "fix_utc": _iso(o.fix_unix),
            }
            for o in ops.off_route
        ],
        "overlong_layovers": [
            {
                "vehicle_id": o.vehicle_id,
                "label": labels.get(o.vehicle_id),
                "route_id": o.route_id,
                "line": _line_name(finder, o.route_id),
                "trip_id": o.trip_id,
                "after_trip_id": o.after_trip_id,
                "stop_id": o.stop_id,
                "stop": _stop_name(finder, o.stop_id),
                "arrived_utc": _iso(o.arrived_unix),
                "departed_utc": _iso(o.departed_unix),
                "layover_s": _secs(o.layover_s),
                "scheduled_layover_s": _secs(o.scheduled_layover_s),
                "excess_s": _secs(o.excess_s),
            }
            for o in ops.overlong_layovers
        ],
    }


@router.get(
    "/operations/vehicles",
    responses={422: {"description": "Bad date."}, 503: {"description": "No history."}},
)
@kept_answer
def vehicles(_: ReaderDep, request: Request, date: DateQuery = None) -> dict[str, Any]:
    """Every vehicle seen on a trip that day, with its trips run and completed, revenue and
    dead km and overlong layovers (its waybill without the trips)."""
    ops, _timetable = _operations(request, date)
    labels = _labels(request)
    return {
        "date": ops.day.isoformat(),
        "vehicles": [_vehicle(w, labels, trips=None) for w in ops.waybills],
    }


CSV_TRIP_COLUMNS = [
    "vehicle_id", "driver", "driver_id", "trip_id", "route_id", "line", "direction_id", "block_id",
    "in_timetable", "planned_departure", "actual_departure", "departure_delay_s",
    "departure_on_time", "planned_arrival", "actual_arrival", "arrival_delay_s",
    "from_stop", "to_stop", "stops_seen", "stops_planned", "completed", "revenue_km",
    "dead_km", "layover_s", "scheduled_layover_s", "layover_overlong",
]  # fmt: skip


@router.get(
    "/operations/waybills",
    responses={
        404: {"description": "The vehicle ran no trip that day."},
        422: {"description": "Bad date."},
        503: {"description": "No history."},
    },
)
@kept_answer
def waybills(
    _: ReaderDep,
    request: Request,
    date: DateQuery = None,
    vehicle_id: Annotated[
        str | None, Query(description="One vehicle's waybill (default: all).", max_length=200)
    ] = None,
    driver_id: Annotated[
        str | None,
        Query(description="One driver's trips (certificate number).", max_length=40),
    ] = None,
    format: FormatQuery = "json",
) -> Any:
    """The 电子路单: per vehicle, each trip in the order run, with planned and actual
    departure (first stop) and arrival (last stop), delays (s), revenue and dead km, and
    the layover before it (s, against the scheduled one). `driver` is always null: the
    driver who was signed in at each trip's departure (`driver`: driver_id, the
    certificate number, and name; null when nobody was); a vehicle's `driver` joins its
    drivers' names. With `driver_id`, only the trips that driver drove. 404 when
    `vehicle_id` ran no trip that day, or `driver_id` drove none."""
    ops, timetable = _operations(request, date)
    cache: NetworkCache = request.app.state.network_cache
    finder = cache.finder()
    chosen = list(ops.waybills)
    if vehicle_id is not None:
        one = ops.waybill(vehicle_id)
        if one is None:
            raise HTTPException(
                404, f"vehicle_id {vehicle_id!r} ran no trip on {ops.day.isoformat()}"
            )
        chosen = [one]
    if driver_id is not None:
        chosen = [
            w
            for w in ops.driver_waybills(driver_id)
            if w.vehicle_id in {c.vehicle_id for c in chosen}
        ]
        if not chosen:
            raise HTTPException(
                404, f"driver_id {driver_id!r} drove no trip on {ops.day.isoformat()}"
            )
    if format == "csv":
        tz = timetable.tz
        rows = []
        for w in chosen:
            for t in w.trips:
                d = _trip(t, finder) | {"vehicle_id": w.vehicle_id}
                d["driver_id"] = None if t.driver is None else t.driver.driver_id
                d["driver"] = None if t.driver is None else t.driver.name
                for key in ("departure", "arrival"):
                    d[f"planned_{key}"] = local_time(d[f"planned_{key}_utc"], tz)
                    d[f"actual_{key}"] = local_time(d[f"actual_{key}_utc"], tz)
                rows.append(["" if d[c] is None else d[c] for c in CSV_TRIP_COLUMNS])
        who = f"-{vehicle_id}" if vehicle_id is not None else ""
        return csv_download(
            f"waybills-{ops.day.isoformat()}{safe_name(who)}.csv", CSV_TRIP_COLUMNS, rows
        )
    labels = _labels(request)
    return {
        "date": ops.day.isoformat(),
        "vehicles": [
            _vehicle(w, labels, trips=[_trip(t, finder) for t in w.trips]) for w in chosen
        ],
    }
