"""服务监管 (service supervision): how the day's service went for riders, under
/api/v1/dispatch/service, for roles that read the module (`read:service`).

Read from the real-time side's record (`RealtimeHistory`: stop events and the predictions
made) against the day's timetable; the rules and their definitions are in
busbrain.oversight.service:

- GET /service/otp — on-time performance (early > 60 s before, late > 300 s after the
  scheduled departure; arrival at the last stop) by line, stop or hour, with data
  completeness; /service/adherence lists the observed calls behind it;
- GET /service/skips — 越站 (passed without stopping) and 甩站 (no event on a trip run
  past the stop);
- GET /service/dwells — 滞站 (dwell more than 120 s beyond the planned one);
- GET /service/crowding — 满载率 from the passenger counters' loads the live side stores
  (says "no passenger-counter data" when the day has none);
- GET /service/predictions — prediction accuracy by horizon band and method (MBTA).

`date` is the service day (YYYY-MM-DD; default today's by the server's clock); a day in
progress counts as scheduled only the calls due by now. `format=csv` answers the rows
as a CSV file (UTF-8 with a BOM, so spreadsheet programs read the Chinese).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response

from busbrain.access.roles import Permission
from busbrain.api.answers import kept_answer
from busbrain.api.appstate import state_or_503
from busbrain.api.arrivals import TimetableCache
from busbrain.api.auth import Caller, no_store, require
from busbrain.api.cache import NetworkCache
from busbrain.api.csvdownload import csv_download_of_records
from busbrain.api.dayrecord import DayRecord
from busbrain.api.predscores import BANDS, PredictionScores, made_window
from busbrain.domain.gtfstime import service_day_start
from busbrain.oversight.service import (
    DWELL_THRESHOLD_S,
    HORIZON_BANDS,
    RECENT_MADE_S,
    OtpBy,
    OtpWindow,
    accuracy_of_counts,
    adherence,
    crowding,
    long_dwells,
    on_time_performance,
    scheduled_calls,
    skipped_stops,
)
from busbrain.realtime.live import service_date_of
from busbrain.store.ports import RealtimeHistory

router = APIRouter(prefix="/api/v1/dispatch", tags=["dispatch"], dependencies=[Depends(no_store)])

ReaderDep = Annotated[Caller, Depends(require(Permission.READ_SERVICE))]
WINDOW = OtpWindow()
"""The on-time window served: TransitClock's defaults (no setting for it yet)."""
LIST_LIMIT = 500
CACHED_DAYS = 3
"""Days whose scheduled calls an app keeps (the page asks several endpoints per refresh;
the timetable does not change while serving: an import restarts the server)."""
_CALLS_LOCK = threading.Lock()


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"


class AdherenceStatus(StrEnum):
    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"


DateQ = Annotated[
    dt.date | None,
    Query(description="The service day, YYYY-MM-DD; default: today's (server clock)."),
]
RouteQ = Annotated[
    str | None, Query(description="Only this line (route_id).", min_length=1, max_length=200)
]
FormatQ = Annotated[Format, Query(description="json, or csv for a file of the rows.")]
LimitQ = Annotated[
    int, Query(ge=1, le=10_000, description="At most this many rows in a JSON list.")
]

_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such line (route_id)."},
    503: {"description": "Server without the real-time history or the timetable."},
}


@dataclass(frozen=True, slots=True)
class Day:
    """What every figure reads: the day's stop events and scheduled calls (of one line
    when asked), and now."""

    day: dt.date
    now_utc: dt.datetime
    events: pl.DataFrame
    calls: pl.DataFrame
    start_unix: float
    timetable: TimetableCache
    history: RealtimeHistory
    record: DayRecord
    route_id: str | None


def _history(request: Request) -> RealtimeHistory:
    history: RealtimeHistory = state_or_503(
        request,
        "history",
        "服务监管 is off: this server was started without the real-time history "
        "(stop events and predictions)",
    )
    return history


def _timetable(request: Request) -> TimetableCache:
    timetable: TimetableCache = state_or_503(
        request,
        "timetable",
        "服务监管 is off: this server was started without a timetable (schedule)",
    )
    return timetable


def _names(request: Request) -> tuple[dict[str, str], NetworkCache]:
    cache: NetworkCache = request.app.state.network_cache
    return cache.finder().route_names, cache


def _stop_name(cache: NetworkCache, stop_id: str | None) -> str | None:
    if stop_id is None:
        return None
    station = cache.finder().station_of(stop_id)
    return stop_id if station is None else station.name


def _calls(request: Request, timetable: TimetableCache, day: dt.date, start: float) -> pl.DataFrame:
    """The day's scheduled calls, built once per app and day (a few kept)."""
    with _CALLS_LOCK:
        cache: dict[dt.date, pl.DataFrame] | None = getattr(
            request.app.state, "service_calls", None
        )
        if cache is None:
            cache = request.app.state.service_calls = {}
        found = cache.get(day)
    if found is not None:
        return found
    frame = scheduled_calls(timetable.schedule.trip_times_on(day), day, start)
    with _CALLS_LOCK:
        while len(cache) >= CACHED_DAYS:
            cache.pop(next(iter(cache)))
        cache[day] = frame
    return frame


def _load(request: Request, date: dt.date | None, route_id: str | None) -> Day:
    history = _history(request)
    record: DayRecord = request.app.state.record
    timetable = _timetable(request)
    names, _ = _names(request)
    if route_id is not None and route_id not in names:
        raise HTTPException(404, f"no line route_id={route_id!r}")
    now = float(request.app.state.clock())
    day = date if date is not None else service_date_of(now, timetable.tz)
    start = service_day_start(day, timetable.tz)
    calls = _calls(request, timetable, day, start)
    routes = None if route_id is None else {route_id}
    if route_id is not None:
        calls = calls.filter(pl.col("route_id") == route_id)
    return Day(
        day=day,
        now_utc=dt.datetime.fromtimestamp(now, dt.UTC),
        events=record.stop_events(day, day, routes),
        calls=calls,
        start_unix=start,
        timetable=timetable,
        history=history,
        record=record,
        route_id=route_id,
    )


def _iso(t: dt.datetime | None) -> str | None:
    return None if t is None else t.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _rounded(row: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready values: times as ISO UTC, shares to 4 places, seconds to 0.1 s."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dt.datetime):
            out[key] = _iso(value)
        elif isinstance(value, dt.date):
            out[key] = value.isoformat()
        elif isinstance(value, float):
            out[key] = round(value, 4 if key.endswith(("share", "completeness", "factor")) else 1)
        else:
            out[key] = value
    return out


def _rows(
    frame: pl.DataFrame, request: Request, *, limit: int | None = None
) -> list[dict[str, Any]]:
    """The frame's rows, with the line's and the stop's names beside their ids."""
    names, cache = _names(request)
    rows = frame.head(limit).to_dicts() if limit is not None else frame.to_dicts()
    out = []
    for r in rows:
        r = _rounded(r)
        extra: dict[str, Any] = {}
        if "route_id" in r:
            extra["line"] = names.get(r["route_id"], r["route_id"])
        if "stop_id" in r:
            extra["stop"] = _stop_name(cache, r["stop_id"])
        out.append(_insert_after(r, extra))
    return out


def _insert_after(row: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`row` with `line` just after route_id and `stop` just after stop_id."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        out[key] = value
        if key == "route_id" and "line" in extra:
            out["line"] = extra["line"]
        if key == "stop_id" and "stop" in extra:
            out["stop"] = extra["stop"]
    return out


def _csv(rows: list[dict[str, Any]], what: str, d: Day) -> Response:
    """The rows as the CSV file busbrain-<what>[-<line>]-<day>.csv."""
    line = "" if d.route_id is None else "-" + "".join(c for c in d.route_id if c.isalnum())
    return csv_download_of_records(rows, f"busbrain-{what}{line}-{d.day.isoformat()}.csv")


def _head(d: Day) -> dict[str, Any]:
    return {"date": d.day.isoformat(), "route_id": d.route_id, "as_of_utc": _iso(d.now_utc)}


@router.get("/service/otp", responses=_RESPONSES)
@kept_answer
def get_otp(
    _: ReaderDep,
    request: Request,
    date: DateQ = None,
    by: Annotated[OtpBy, Query(description="Group by line, stop or hour.")] = OtpBy.LINE,
    route_id: RouteQ = None,
    format: FormatQ = Format.JSON,
) -> Any:
    """On-time performance of the day: `total` and one group per line, stop or hour
    (GTFS hour of the scheduled departure: 24 and up are after midnight), each with
    scheduled, observed, early / on_time / late counts and shares (of observed),
    completeness (observed ÷ scheduled by now) and mean_deviation_s (positive late)."""
    d = _load(request, date, route_id)
    groups = on_time_performance(d.events, d.calls, by, window=WINDOW, as_of_utc=d.now_utc)
    rows = _rows(groups, request)
    if format is Format.CSV:
        return _csv(rows, f"otp-by-{by.value}", d)
    total = on_time_performance(d.events, d.calls, None, window=WINDOW, as_of_utc=d.now_utc)
    return {
        **_head(d),
        "by": by.value,
        "window": {
            "early_s": WINDOW.early_s,
            "late_s": WINDOW.late_s,
            "measured_at": "departure",
            "last_stop": f"arrival ({WINDOW.last_stop.value})",
        },
        "total": _rounded(total.row(0, named=True)),
        "groups": rows,
    }


@router.get("/service/adherence", responses=_RESPONSES)
@kept_answer
def get_adherence(
    _: ReaderDep,
    request: Request,
    date: DateQ = None,
    route_id: RouteQ = None,
    status: Annotated[
        AdherenceStatus | None, Query(description="Only early, on_time or late calls.")
    ] = None,
    limit: LimitQ = LIST_LIMIT,
    format: FormatQ = Format.JSON,
) -> Any:
    """The observed calls behind OTP, latest deviation first for late ones: trip, stop,
    vehicle, scheduled and actual time, deviation_s and deviation_min (positive late),
    status."""
    d = _load(request, date, route_id)
    adh = adherence(d.events, d.calls, WINDOW)
    if status is not None:
        adh = adh.filter(pl.col("status") == status.value)
    adh = adh.with_columns((pl.col("deviation_s") / 60).round(1).alias("deviation_min")).sort(
        pl.col("deviation_s").abs(), "trip_id", "stop_sequence", descending=[True, False, False]
    )
    if format is Format.CSV:
        return _csv(_rows(adh, request), "adherence", d)
    return {**_head(d), "count": adh.height, "calls": _rows(adh, request, limit=limit)}


@router.get("/service/skips", responses=_RESPONSES)
@kept_answer
def get_skips(
    _: ReaderDep,
    request: Request,
    date: DateQ = None,
    route_id: RouteQ = None,
    limit: LimitQ = LIST_LIMIT,
    format: FormatQ = Format.JSON,
) -> Any:
    """越站 (`kind` passed: went by without stopping, `at_utc` when) and 甩站 (`kind`
    missed: no record at a stop of a trip seen before and after it), per line and each."""
    d = _load(request, date, route_id)
    skips = skipped_stops(d.events, d.calls)
    rows = _rows(skips, request, limit=None if format is Format.CSV else limit)
    if format is Format.CSV:
        return _csv(rows, "skips", d)
    by_line = (
        skips.group_by("route_id")
        .agg(
            (pl.col("kind") == "passed").sum().cast(pl.Int64).alias("passed"),
            (pl.col("kind") == "missed").sum().cast(pl.Int64).alias("missed"),
        )
        .sort("route_id", nulls_last=True)
    )
    return {
        **_head(d),
        "totals": {
            "passed": int((skips["kind"] == "passed").sum()),
            "missed": int((skips["kind"] == "missed").sum()),
        },
        "by_line": _rows(by_line, request),
        "skips": rows,
    }


@router.get("/service/dwells", responses=_RESPONSES)
@kept_answer
def get_dwells(
    _: ReaderDep,
    request: Request,
    date: DateQ = None,
    route_id: RouteQ = None,
    threshold_s: Annotated[
        float, Query(gt=0, le=3600, description="滞站 beyond the planned dwell by more than this.")
    ] = DWELL_THRESHOLD_S,
    limit: LimitQ = LIST_LIMIT,
    format: FormatQ = Format.JSON,
) -> Any:
    """滞站: dwells more than `threshold_s` (default 120 s) beyond the planned dwell, at
    stops other than the trip's first and last, longest excess first."""
    d = _load(request, date, route_id)
    dwells = long_dwells(d.events, d.calls, threshold_s)
    if format is Format.CSV:
        return _csv(_rows(dwells, request), "dwells", d)
    by_line = dwells.group_by("route_id").agg(pl.len().alias("dwells")).sort("route_id")
    return {
        **_head(d),
        "threshold_s": threshold_s,
        "count": dwells.height,
        "by_line": _rows(by_line, request),
        "dwells": _rows(dwells, request, limit=limit),
    }


@router.get("/service/crowding", responses=_RESPONSES)
@kept_answer
def get_crowding(
    _: ReaderDep,
    request: Request,
    date: DateQ = None,
    route_id: RouteQ = None,
    format: FormatQ = Format.JSON,
) -> Any:
    """满载率 (onboard ÷ rated capacity, per trip its max-load section) from the
    passenger counters (JT/T 1078 0x1005): riders on board leaving each stop where the
    doors opened, as the live processor counted them (`RealtimeHistory.passenger_loads`;
    between such stops the load does not change). A day without counts answers
    `available` false with the note "no passenger-counter data": nothing is made up."""
    d = _load(request, date, route_id)
    counted = d.record.passenger_loads(d.day, d.day, None if route_id is None else {route_id})
    loads = None if counted.is_empty() else counted.rename({"onboard_after": "onboard"})
    report = crowding(loads, d.calls)
    if format is Format.CSV:
        return _csv(_rows(report.by_trip, request), "crowding", d)
    return {
        **_head(d),
        "available": report.available,
        "note": report.note if not report.available else None,
        "source": "passenger_counter" if report.available else None,
        "stops_counted": counted.height,
        "by_line": _rows(report.by_line, request),
        "trips": _rows(report.by_trip, request),
    }


@router.get("/service/predictions", responses=_RESPONSES)
@kept_answer
def get_predictions(
    _: ReaderDep,
    request: Request,
    date: DateQ = None,
    route_id: RouteQ = None,
    format: FormatQ = Format.JSON,
) -> Any:
    """Prediction accuracy per method and horizon band (how far ahead the rider was told:
    0–3, 3–6, 6–12, 12–30 min): n, mae_s, bias_s and the p10/p50/p90 of the error
    (predicted − actual arrival, s), and the share accurate by MBTA's rule (the bus came
    at most `early_min` before or `late_min` after the predicted time). Errors are
    counted to the second; today's predictions made in the last two hours are counted
    again at most once a minute."""
    d = _load(request, date, route_id)
    window = made_window(d.timetable, d.day)
    if window is not None:
        lo, hi = window
        scores: PredictionScores = request.app.state.prediction_scores
        counts = scores.counts(d.day, lo, hi)
        if counts is None:  # not a recent day: counted from the store in one go
            counts = d.history.prediction_error_counts(d.day, lo, hi, BANDS, RECENT_MADE_S)
        if d.route_id is not None:
            counts = counts.filter(pl.col("route_id") == d.route_id)
        table = accuracy_of_counts(counts)
    else:
        table = pl.DataFrame()
    rows = [_rounded(r) for r in table.to_dicts()]
    if format is Format.CSV:
        return _csv(rows, "predictions", d)
    return {
        **_head(d),
        "bands": [
            {
                "band": b.label,
                "from_min": b.lo_s / 60,
                "to_min": b.hi_s / 60,
                "early_min": b.early_s / 60,
                "late_min": b.late_s / 60,
            }
            for b in HORIZON_BANDS
        ],
        "methods": sorted({r["method"] for r in rows}),
        "rows": rows,
    }
