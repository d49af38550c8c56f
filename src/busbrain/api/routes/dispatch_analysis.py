"""数据分析 (analysis): ridership, running times, mileage and profiles over a span of
service days, for roles that read the module (`read:analysis`: managers and admins).

- GET /api/v1/dispatch/analysis/ridership?from=&to=&by=line|stop|hour|channel|line_hour
  &route_id= — boardings (taps) and fare revenue grouped `by`, optionally of one line;
- GET /analysis/running-times?from=&to=&route_id=&direction_id= — per segment of the
  line's direction: runs, median and 85th percentile running time (s), over the span and
  per hour of the service day;
- GET /analysis/mileage?from=&to=&by=line|vehicle — revenue km and trips;
- GET /analysis/profile?from=&to=&route_id=&direction_id= — boardings per stop along the
  line, and the riders on board per segment: counted by the passenger counters when the
  span has counts, else, for a single day, from the OD inference.

Every one answers `format=csv` too (UTF-8 with a BOM, so a spreadsheet shows 汉字). `from`
and `to` are service days, YYYY-MM-DD, both included (default: today by the app's clock,
in the network's time zone), at most MAX_DAYS apart. Read from the store's fare taps
(`app.state.fares`) and stop events (`app.state.history`) on each request; the
definitions are in busbrain.oversight.analysis. Money in yuan (0.01), distances km
(0.01), durations seconds, shares percent (0.1).
"""

from __future__ import annotations

import datetime as dt
import threading
from enum import StrEnum
from typing import Annotated, Any, Literal

import numpy as np
import polars as pl
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from busbrain.access.roles import Permission
from busbrain.api.answers import kept_answer
from busbrain.api.appstate import state_or_503
from busbrain.api.arrivals import TimetableCache
from busbrain.api.auth import Caller, no_store, require
from busbrain.api.cache import Finder, NetworkCache
from busbrain.api.csvdownload import csv_download, safe_name
from busbrain.api.dayrecord import DayRecord
from busbrain.api.ordering import natural_key
from busbrain.api.servicedays import parse_day
from busbrain.domain.geo import to_local_m
from busbrain.domain.gtfstime import timezone_of
from busbrain.oversight.analysis import (
    BOARDING_EVENT_SCHEMA,
    Grouping,
    board_taps,
    boardings_profile,
    counted_load_profile,
    load_profile,
    mileage,
    pattern_segments,
    pattern_stops,
    ridership,
    running_times,
    segment_runs,
    trip_mileage,
)
from busbrain.planning.od.infer import infer_od
from busbrain.planning.od.inputs import day_starts, tap_inputs, visits_of
from busbrain.realtime.live import service_date_of
from busbrain.store.ports import FareTapReader

router = APIRouter(prefix="/api/v1/dispatch", tags=["dispatch"], dependencies=[Depends(no_store)])

ReaderDep = Annotated[Caller, Depends(require(Permission.READ_ANALYSIS))]
FromQuery = Annotated[
    str | None,
    Query(
        alias="from", description="First service day, YYYY-MM-DD (default: today).", max_length=20
    ),
]
ToQuery = Annotated[
    str | None,
    Query(description="Last service day, YYYY-MM-DD, included (default: `from`).", max_length=20),
]
FormatQuery = Annotated[Literal["json", "csv"], Query(description="json (default) or csv.")]
RouteQuery = Annotated[str, Query(description="The line (route_id).", max_length=200)]
DirectionQuery = Annotated[int, Query(ge=0, le=1, description="0 outbound (上行), 1 inbound.")]

MAX_DAYS = 31
"""The longest span one request reads (a month: the stop events and taps of a city's
month are read in seconds; a year is a planning job, `busbrain plan od`)."""
OD_KEPT = 4
"""Single-day OD inferences kept (the profile's loads): a few days looked at in turn."""


class RidershipBy(StrEnum):
    LINE = "line"
    STOP = "stop"
    HOUR = "hour"
    CHANNEL = "channel"
    LINE_HOUR = "line_hour"


class MileageBy(StrEnum):
    LINE = "line"
    VEHICLE = "vehicle"


def _tz(request: Request) -> dt.tzinfo:
    timetable: TimetableCache | None = request.app.state.timetable
    if timetable is not None:
        return timetable.tz
    return timezone_of([a.timezone for a in request.app.state.queries.list_agencies()])


def _day(name: str, text: str | None, default: dt.date) -> dt.date:
    """A service day parameter as operations parses it; 422 naming `name`."""
    try:
        return parse_day(text, default)
    except HTTPException:
        raise HTTPException(
            422, f"{name} must be a service day as YYYY-MM-DD, not {text!r}"
        ) from None


def _span(request: Request, start: str | None, end: str | None) -> tuple[dt.date, dt.date]:
    """(from, to), both included: 422 when `to` is before `from` or the span is longer than
    MAX_DAYS."""
    today = service_date_of(float(request.app.state.clock()), _tz(request))
    first = _day("from", start, today)
    last = _day("to", end, first)
    if last < first:
        raise HTTPException(422, f"to ({last}) is before from ({first})")
    if (last - first).days + 1 > MAX_DAYS:
        raise HTTPException(
            422, f"from {first} to {last} is {(last - first).days + 1} days: at most {MAX_DAYS}"
        )
    return first, last


def _history(request: Request) -> DayRecord:
    history: DayRecord = state_or_503(
        request, "record", "analysis is off: this server was started without the real-time history"
    )
    return history


def _fares(request: Request) -> FareTapReader:
    fares: FareTapReader = state_or_503(
        request, "fares", "ridership is off: this server was started without the fare taps store"
    )
    return fares


def _finder(request: Request) -> Finder:
    cache: NetworkCache = request.app.state.network_cache
    return cache.finder()


def _known_route(request: Request, route_id: str | None) -> None:
    if route_id is not None and route_id not in _finder(request).route_names:
        raise HTTPException(404, f"route_id {route_id!r} is not a line of the network")


def _stops(request: Request, route_id: str | None = None) -> pl.DataFrame:
    cache: NetworkCache = request.app.state.network_cache
    return pattern_stops(p for p in cache.patterns() if route_id is None or p.route_id == route_id)


def _line(finder: Finder, route_id: str | None) -> str | None:
    return None if route_id is None else finder.route_names.get(route_id, route_id)


def _stop(finder: Finder, stop_id: str | None) -> str | None:
    if stop_id is None:
        return None
    station = finder.station_of(stop_id)
    return station.name if station else stop_id


def _headsign(request: Request, route_id: str, direction_id: int) -> str | None:
    cache: NetworkCache = request.app.state.network_cache
    return cache.headsigns().get((route_id, direction_id))


def _r(value: float | None, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)


def _span_head(first: dt.date, last: dt.date) -> dict[str, Any]:
    return {"from": first.isoformat(), "to": last.isoformat()}


def _line_head(
    request: Request, first: dt.date, last: dt.date, route_id: str, direction_id: int
) -> dict[str, Any]:
    """The span and the line's direction that a per-line answer is about."""
    return _span_head(first, last) | {
        "route_id": route_id,
        "line": _line(_finder(request), route_id),
        "direction_id": direction_id,
        "headsign": _headsign(request, route_id, direction_id),
    }


def _segment(finder: Finder, r: dict[str, Any]) -> dict[str, Any]:
    """A segment's ends: from_stop_id, from_stop, to_stop_id, to_stop."""
    return {
        "from_stop_id": r["from_stop_id"],
        "from_stop": _stop(finder, r["from_stop_id"]),
        "to_stop_id": r["to_stop_id"],
        "to_stop": _stop(finder, r["to_stop_id"]),
    }


def _line_responses(unavailable: str) -> dict[int | str, dict[str, Any]]:
    """The errors of an endpoint about one line's direction; `unavailable`: its 503."""
    return {
        404: {"description": "Unknown route_id."},
        422: {"description": "Bad from, to, span or direction_id."},
        503: {"description": unavailable},
    }


def _download(name: str, rows: list[dict[str, Any]], header: list[str]) -> Response:
    """The rows as operations' CSV download, never cached (a returned Response does not
    get the router's no-store header)."""
    return csv_download(
        name, header, [["" if r.get(c) is None else r[c] for c in header] for r in rows]
    )


def _span_name(what: str, first: dt.date, last: dt.date, route_id: str | None = None) -> str:
    days = first.isoformat() if first == last else f"{first.isoformat()}_{last.isoformat()}"
    line = "" if route_id is None else f"-{safe_name(route_id)}"
    return f"analysis-{what}{line}-{days}.csv"


@router.get(
    "/analysis/ridership",
    responses={
        404: {"description": "Unknown route_id."},
        422: {"description": "Bad from, to or span."},
        503: {"description": "No fare taps store (or no history, to group by line or stop)."},
    },
)
@kept_answer
def get_ridership(
    _: ReaderDep,
    request: Request,
    start: FromQuery = None,
    to: ToQuery = None,
    by: Annotated[RidershipBy, Query(description="What to count by.")] = RidershipBy.LINE,
    route_id: Annotated[
        str | None, Query(description="One line only (default: all).", max_length=200)
    ] = None,
    format: FormatQuery = "json",
) -> Any:
    """Boardings (one per fare tap) and fare revenue over the span, grouped `by` line,
    boarding stop, hour of the service day (0–27; 24 is 00:xx after midnight), payment
    channel, or line × hour. A tap's line and stop come from its bus's stop events (the
    call whose window holds the tap); taps near no call are `unmatched`: counted in
    `taps`, shown as a row with a null route_id or stop_id, and left out when a
    `route_id` is asked."""
    first, last = _span(request, start, to)
    _known_route(request, route_id)
    fares = _fares(request)
    grouping = Grouping(by.value)
    needs_calls = route_id is not None or grouping not in (Grouping.HOUR, Grouping.CHANNEL)
    taps = fares.taps(first, last)
    tz = _tz(request)
    events = (
        _history(request).stop_events(first, last)
        if needs_calls
        else pl.DataFrame(schema=BOARDING_EVENT_SCHEMA)
    )
    boarded = board_taps(taps, events, tz)
    unmatched = boarded.get_column("route_id").null_count() if needs_calls else None
    if route_id is not None:
        boarded = boarded.filter(pl.col("route_id") == route_id)
    table = ridership(boarded, grouping)
    finder = _finder(request)
    rows: list[dict[str, Any]] = []
    for r in table.iter_rows(named=True):
        row: dict[str, Any] = {}
        if "route_id" in r:
            row |= {"route_id": r["route_id"], "line": _line(finder, r["route_id"])}
        if "stop_id" in r:
            row |= {"stop_id": r["stop_id"], "stop": _stop(finder, r["stop_id"])}
        if "hour" in r:
            row["hour"] = r["hour"]
        if "channel" in r:
            row["channel"] = r["channel"]
        row |= {
            "boardings": r["boardings"],
            "fare_yuan": _r(r["fare_fen"] / 100, 2),
            "share_pct": _r(100 * r["share"], 1),
        }
        rows.append(row)
    if by in (RidershipBy.LINE, RidershipBy.LINE_HOUR):
        rows.sort(key=lambda x: (x["route_id"] is None, natural_key(x["line"] or "")))
        if by == RidershipBy.LINE_HOUR:
            rows.sort(
                key=lambda x: (x["route_id"] is None, natural_key(x["line"] or ""), x["hour"])
            )
    if format == "csv":
        header = list(rows[0]) if rows else ["boardings", "fare_yuan", "share_pct"]
        return _download(_span_name(f"ridership-{by.value}", first, last, route_id), rows, header)
    return _span_head(first, last) | {
        "by": by.value,
        "route_id": route_id,
        "days": boarded.get_column("service_date").n_unique(),
        "taps": boarded.height,
        "unmatched": unmatched if route_id is None else None,
        "fare_yuan": _r(int(boarded.get_column("fare_fen").sum() or 0) / 100, 2),
        "rows": rows,
    }


@router.get("/analysis/running-times", responses=_line_responses("No history."))
@kept_answer
def get_running_times(
    _: ReaderDep,
    request: Request,
    route_id: RouteQuery,
    start: FromQuery = None,
    to: ToQuery = None,
    direction_id: DirectionQuery = 0,
    format: FormatQuery = "json",
) -> Any:
    """Running time of each segment of the line's direction (arrival at a stop − departure
    from the stop before it, consecutive stops of the trip's pattern), in stop order:
    `segments` over the span, and `hours` per hour of the service day of the departure:
    runs, median_s, p85_s (85th percentile). CSV: one row per segment and hour."""
    first, last = _span(request, start, to)
    _known_route(request, route_id)
    events = _history(request).stop_events(first, last, {route_id})
    events = events.filter(pl.col("direction_id") == direction_id)
    stops = _stops(request, route_id)
    overall, hourly = running_times(segment_runs(events, stops, _tz(request)))
    lengths = pattern_segments(stops).select(
        "route_id", "direction_id", "from_stop_id", "to_stop_id", "length_m"
    )
    overall = overall.join(
        lengths, on=["route_id", "direction_id", "from_stop_id", "to_stop_id"], how="left"
    )
    finder = _finder(request)

    def seg(r: dict[str, Any]) -> dict[str, Any]:
        out = _segment(finder, r)
        if "hour" in r:
            out["hour"] = r["hour"]
        if "length_m" in r:
            out["length_m"] = _r(r["length_m"], 0)
        return out | {
            "runs": r["runs"],
            "median_s": _r(r["median_s"], 1),
            "p85_s": _r(r["p85_s"], 1),
        }

    segments = [seg(r) for r in overall.sort("idx").iter_rows(named=True)]
    hours = [seg(r) for r in hourly.iter_rows(named=True)]
    if format == "csv":
        header = ["from_stop_id", "from_stop", "to_stop_id", "to_stop", "hour", "runs",
                  "median_s", "p85_s"]  # fmt: skip
        return _download(
            _span_name(f"running-times-d{direction_id}", first, last, route_id), hours, header
        )
    return _line_head(request, first, last, route_id, direction_id) | {
        "segments": segments,
        "hours": hours,
    }


@router.get(
    "/analysis/mileage",
    responses={422: {"description": "Bad from, to or span."}, 503: {"description": "No history."}},
)
@kept_answer
def get_mileage(
    _: ReaderDep,
    request: Request,
    start: FromQuery = None,
    to: ToQuery = None,
    by: Annotated[MileageBy, Query(description="Per line or per vehicle.")] = MileageBy.LINE,
    format: FormatQuery = "json",
) -> Any:
    """Revenue mileage (营运里程, km: along each trip's pattern from the first to the last
    stop seen) and trips run, per line or per vehicle; `unmeasured` trips match no pattern
    and are not in the km."""
    first, last = _span(request, start, to)
    trips = trip_mileage(_history(request).stop_events(first, last), _stops(request))
    key = "route_id" if by == MileageBy.LINE else "vehicle_id"
    table = mileage(trips, key)
    finder = _finder(request)
    rows: list[dict[str, Any]] = []
    for r in table.iter_rows(named=True):
        head = (
            {"route_id": r["route_id"], "line": _line(finder, r["route_id"])}
            if by == MileageBy.LINE
            else {"vehicle_id": r["vehicle_id"]}
        )
        rows.append(
            head
            | {
                "trips": r["trips"],
                "revenue_km": _r((r["revenue_m"] or 0.0) / 1000, 2),
                "unmeasured": r["unmeasured"],
            }
        )
    if by == MileageBy.LINE:
        rows.sort(key=lambda x: natural_key(x["line"] or ""))
    if format == "csv":
        header = list(rows[0]) if rows else ["trips", "revenue_km", "unmeasured"]
        return _download(_span_name(f"mileage-{by.value}", first, last), rows, header)
    total_m = float(trips.get_column("revenue_m").sum() or 0.0) if trips.height else 0.0
    return _span_head(first, last) | {
        "by": by.value,
        "trips": trips.height,
        "revenue_km": _r(total_m / 1000, 2),
        "unmeasured": trips.get_column("revenue_m").null_count() if trips.height else 0,
        "rows": rows,
    }


class _OdLoads:
    """Single-day OD inferences (segment_loads), kept while the day's taps and stop events
    stay as they were (same counts)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._days: dict[tuple[dt.date, int, int], tuple[pl.DataFrame, float]] = {}

    def get(self, key: tuple[dt.date, int, int], build: Any) -> tuple[pl.DataFrame, float]:
        with self._lock:
            got = self._days.get(key)
        if got is None:
            got = build()
            with self._lock:
                kept = list(self._days)[-(OD_KEPT - 1) :]
                self._days = {k: self._days[k] for k in kept} | {key: got}
        return got


_OD_LOCK = threading.Lock()


def _od_cache(request: Request) -> _OdLoads:
    with _OD_LOCK:
        got: _OdLoads | None = getattr(request.app.state, "analysis_od", None)
        if got is None:
            got = _OdLoads()
            request.app.state.analysis_od = got
        return got


def _od_segment_loads(
    request: Request, day: dt.date, taps: pl.DataFrame, events: pl.DataFrame
) -> tuple[pl.DataFrame, float]:
    """The day's segment loads and represented share from the OD inference
    (busbrain.planning.od.infer_od: reader clocks, boarding stops, trip chaining,
    expansion), as `busbrain plan od` infers them, without passenger counters."""
    finder = _finder(request)
    ids = list(finder.pole_latlon)
    lat = np.array([finder.pole_latlon[s][0] for s in ids])
    lon = np.array([finder.pole_latlon[s][1] for s in ids])
    x, y = to_local_m(lat, lon, float(lat.mean()), float(lon.mean()))
    stops = pl.DataFrame({"stop_id": ids, "x": x, "y": y, "zone": ["-"] * len(ids)})
    visits = visits_of(events)
    days = day_starts([day], _tz(request))
    tap_frame = tap_inputs(taps.with_row_index("tap_id"))
    result = infer_od(tap_frame, visits, stops, days)
    return result.segment_loads, float(result.rates.get("represented_share", 0.0))


@router.get("/analysis/profile", responses=_line_responses("No fare taps store or no history."))
@kept_answer
def get_profile(
    _: ReaderDep,
    request: Request,
    route_id: RouteQuery,
    start: FromQuery = None,
    to: ToQuery = None,
    direction_id: DirectionQuery = 0,
    format: FormatQuery = "json",
) -> Any:
    """Along the line's direction, in stop order: `stops`, the boardings at each stop over
    the span and per trip run (taps, not loads); and `load`, the riders on board per
    segment (mean and highest over the trips run), with `load_source`:
    "passenger_counter" when the passenger counters counted the line's direction in the
    span (`trips` per segment: the runs counted), else "od_inference" for a single day:
    inferred by trip chaining and expanded to every boarding (`represented_share` of the
    day's boardings made it into the inference). `load` is null for a span without
    counts, or a day without counts or taps; the CSV has the stops and, when there is a
    load, the load of the segment leaving each stop."""
    first, last = _span(request, start, to)
    _known_route(request, route_id)
    fares = _fares(request)
    history = _history(request)
    taps = fares.taps(first, last)
    events = history.stop_events(first, last)
    tz = _tz(request)
    stops = _stops(request, route_id)
    boarded = board_taps(taps, events, tz)
    prof = boardings_profile(boarded, events, stops, route_id, direction_id)
    finder = _finder(request)
    load: list[dict[str, Any]] | None = None
    represented: float | None = None
    source: str | None = None
    counted = counted_load_profile(
        history.passenger_loads(first, last, {route_id}), stops, route_id, direction_id
    )
    if counted.height:
        source = "passenger_counter"
        load = [
            _segment(finder, r)
            | {
                "mean_load": _r(r["mean_load"], 1),
                "max_load": _r(r["max_load"], 1),
                "boardings": _r(r["boardings"], 2),
                "alightings": _r(r["alightings"], 2),
                "trips": r["trips"],
            }
            for r in counted.iter_rows(named=True)
        ]
    elif first == last and taps.height and events.height:
        source = "od_inference"
        key = (first, taps.height, events.height)
        seg, represented = _od_cache(request).get(
            key, lambda: _od_segment_loads(request, first, taps, events)
        )
        table = load_profile(seg, route_id, direction_id)
        load = [
            _segment(finder, r)
            | {
                "mean_load": _r(r["mean_load"], 1),
                "max_load": _r(r["max_load"], 1),
                "boardings": _r(r["boardings"], 2),
                "alightings": _r(r["alightings"], 2),
            }
            for r in table.iter_rows(named=True)
        ]
    stop_rows = [
        {
            "stop_id": r["stop_id"],
            "stop": _stop(finder, r["stop_id"]),
            "dist_km": _r(r["dist_m"] / 1000, 2),
            "boardings": r["boardings"],
            "per_trip": _r(r["per_trip"], 2),
        }
        for r in prof.iter_rows(named=True)
    ]
    if format == "csv":
        leaving = {x["from_stop_id"]: x for x in load or []}
        rows = [
            s
            | {
                "mean_load": leaving.get(s["stop_id"], {}).get("mean_load"),
                "max_load": leaving.get(s["stop_id"], {}).get("max_load"),
            }
            for s in stop_rows
        ]
        header = ["stop_id", "stop", "dist_km", "boardings", "per_trip"]
        if load is not None:
            header += ["mean_load", "max_load"]
        return _download(
            _span_name(f"profile-d{direction_id}", first, last, route_id), rows, header
        )
    trips = (
        events.filter((pl.col("route_id") == route_id) & (pl.col("direction_id") == direction_id))
        .select("service_date", "trip_id", "vehicle_id")
        .unique()
        .height
    )
    return _line_head(request, first, last, route_id, direction_id) | {
        "trips": trips,
        "boardings": int(sum(s["boardings"] for s in stop_rows)),
        "stops": stop_rows,
        "load": load,
        "load_source": source,
        "represented_share_pct": None if represented is None else _r(100 * represented, 1),
    }
