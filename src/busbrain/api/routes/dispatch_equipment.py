"""设备监管 (equipment supervision): terminal, GPS, passenger counter and card reader health,
for roles that read the module (`read:equipment`).

- GET /api/v1/dispatch/equipment/summary — online rate (now and over the service day)
  per line, per depot and in all, and how many terminals have each problem and each
  device fault (the JT/T 808 alarm word's fault bits: camera, GNSS antenna, power …).
- GET /api/v1/dispatch/equipment/terminals?problem=&route_id=&depot=&format= — one row
  per terminal: vehicle, phone, depot, line, online, last report age, GPS quality, clock
  skew, passenger counter, card reader and device faults; `format=csv` as a download.
- GET /api/v1/dispatch/equipment/alarms — buses in service whose terminal went silent.

The figures come from the equipment state the "equipment" consumer keeps in memory
(`app.state.devices`, busbrain.oversight.equipment, where the rules and thresholds are);
an app without one answers 503. Times in JSON are ISO 8601 UTC, in CSV local time of the
city; ages and skews in seconds; shares in percent (0.1).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from busbrain.access.roles import Permission
from busbrain.api.appstate import state_or_503
from busbrain.api.auth import Caller, no_store, require
from busbrain.api.cache import NetworkCache
from busbrain.api.csvdownload import csv_download, local_time
from busbrain.api.ordering import natural_key
from busbrain.oversight import equipment as eq
from busbrain.oversight.equipment import (
    Equipment,
    EquipmentReport,
    GroupRate,
    Problem,
    SilentAlarm,
    TerminalHealth,
)

router = APIRouter(prefix="/api/v1/dispatch", tags=["dispatch"], dependencies=[Depends(no_store)])

ReaderDep = Annotated[Caller, Depends(require(Permission.READ_EQUIPMENT))]
FormatQuery = Annotated[Literal["json", "csv"], Query(description="json (default) or csv.")]
_OFF = (
    "equipment supervision is off: this server was started without the equipment "
    "consumer (busbrain serve and busbrain demo start it)"
)


def _report(request: Request) -> EquipmentReport:
    devices: Equipment = state_or_503(request, "devices", _OFF)
    return devices.report(float(request.app.state.clock()))


def _line_names(request: Request) -> dict[str, str]:
    cache: NetworkCache = request.app.state.network_cache
    return cache.finder().route_names


def _iso(unix: float | None) -> str | None:
    return None if unix is None else dt.datetime.fromtimestamp(unix, dt.UTC).isoformat()


def _pct(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


def _secs(value: float | None) -> int | None:
    return None if value is None else round(value)


def _group(g: GroupRate, names: dict[str, str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if names is not None:
        out["route_id"] = g.key
        out["line"] = None if g.key is None else names.get(g.key, g.key)
    else:
        out["depot"] = g.key
    return out | {
        "in_service": g.in_service,
        "reporting": g.reporting,
        "online_rate_pct": _pct(g.rate),
        "day_samples": g.day_samples,
        "day_online_rate_pct": _pct(g.day_rate),
        "terminals": g.terminals,
        "online": g.online,
        "device_faults": g.device_faults,
    }


def _faults(r: TerminalHealth) -> list[dict[str, Any]]:
    return [
        {
            "code": code,
            "label_zh": eq.FAULT_BY_CODE[code].label_zh,
            "label_en": eq.FAULT_BY_CODE[code].label_en,
            "since_utc": _iso(since),
        }
        for code, since in zip(r.faults, r.faults_since_unix, strict=True)
    ]


def _terminal(r: TerminalHealth, names: dict[str, str]) -> dict[str, Any]:
    return {
        "vehicle_id": r.vehicle_id,
        "plate": r.plate,
        "phone": r.phone,
        "depot": r.depot,
        "route_id": r.route_id,
        "line": None if r.route_id is None else names.get(r.route_id, r.route_id),
        "trip_id": r.trip_id,
        "in_service": r.in_service,
        "online": r.online,
        "last_report_utc": _iso(r.last_report_unix),
        "last_report_age_s": _secs(r.last_report_age_s),
        "fixes": r.fixes,
        "invalid_fix_pct": _pct(r.invalid_fix_share),
        "low_satellite_pct": _pct(r.low_satellite_share),
        "satellites": r.satellites,
        "jumps": r.jumps,
        "stuck": r.stuck,
        "clock_skew_s": None if r.clock_skew_s is None else round(r.clock_skew_s, 1),
        "counter_last_utc": _iso(r.counter_last_unix),
        "counter_age_s": _secs(r.counter_age_s),
        "last_tap_utc": _iso(r.last_tap_unix),
        "unticketed_service_s": _secs(r.unticketed_service_s),
        "faults": _faults(r),
        "problems": [p.value for p in r.problems],
    }


def _alarm(a: SilentAlarm, names: dict[str, str]) -> dict[str, Any]:
    return {
        "vehicle_id": a.vehicle_id,
        "plate": a.plate,
        "phone": a.phone,
        "depot": a.depot,
        "route_id": a.route_id,
        "line": None if a.route_id is None else names.get(a.route_id, a.route_id),
        "trip_id": a.trip_id,
        "since_utc": _iso(a.since_unix),
        "age_s": _secs(a.age_s),
    }


RULES = {
    "reporting_within_s": eq.REPORTING_WITHIN_S,
    "silent_in_service_s": eq.SILENT_IN_SERVICE_S,
    "low_satellites": eq.LOW_SATELLITES,
    "poor_share_pct": round(100 * eq.POOR_SHARE),
    "quality_window_fixes": eq.QUALITY_WINDOW,
    "jump_speed_kmh": eq.JUMP_SPEED_KMH,
    "jump_min_m": eq.JUMP_MIN_M,
    "stuck_speed_kmh": eq.STUCK_SPEED_KMH,
    "clock_skew_limit_s": eq.CLOCK_SKEW_LIMIT_S,
    "counter_silent_s": eq.COUNTER_SILENT_S,
    "card_lag_s": eq.CARD_LAG_S,
    "card_min_service_s": eq.CARD_MIN_SERVICE_S,
}
"""The thresholds, as the page states them."""


@router.get("/equipment/summary", responses={503: {"description": "No equipment state."}})
def summary(_: ReaderDep, request: Request) -> dict[str, Any]:
    """Online rate now (`online_rate_pct`: buses in service whose terminal reported in the
    last `reporting_within_s` ÷ buses in service) and over the service day
    (`day_online_rate_pct`, sampled every minute), per line (buses on its trips now), per
    depot and in all; terminals known and online now; how many terminals have each
    problem (`device_fault`: a device-fault bit in the latest live fix's alarm word) and
    each device fault (`faults`, by code, with `fault_labels` in Chinese and English);
    the silent-in-service alarms' count; the rules' thresholds."""
    report = _report(request)
    names = _line_names(request)
    lines = sorted(
        report.lines,
        key=lambda g: (g.key is None, natural_key(names.get(g.key or "", g.key or ""))),
    )
    return {
        "now_utc": _iso(report.now_unix),
        "service_day": report.service_day.isoformat(),
        "rules": RULES,
        "totals": _group(report.totals, None) | {"depot": None},
        "lines": [_group(g, names) for g in lines],
        "depots": [_group(g, None) for g in report.depots],
        "problems": {p.value: n for p, n in report.problems.items()},
        "faults": dict(report.faults),
        "fault_labels": {f.code: {"zh": f.label_zh, "en": f.label_en} for f in eq.DEVICE_FAULTS},
        "alarms": len(report.alarms),
        "taps_checked_utc": _iso(report.taps_checked_unix),
    }


CSV_COLUMNS = [
    "vehicle_id", "plate", "phone", "depot", "route_id", "line", "trip_id", "in_service",
    "online", "last_report", "last_report_age_s", "fixes", "invalid_fix_pct",
    "low_satellite_pct", "satellites", "jumps", "stuck", "clock_skew_s", "counter_last",
    "counter_age_s", "last_tap", "unticketed_service_s", "faults", "faults_since", "problems",
]  # fmt: skip


@router.get(
    "/equipment/terminals",
    responses={422: {"description": "Unknown problem."}, 503: {"description": "No state."}},
)
def terminals(
    _: ReaderDep,
    request: Request,
    problem: Annotated[
        Problem | None, Query(description="Only terminals with this problem.")
    ] = None,
    route_id: Annotated[
        str | None, Query(description="Only buses on this line's trips now.", max_length=200)
    ] = None,
    depot: Annotated[str | None, Query(description="Only this depot.", max_length=200)] = None,
    format: FormatQuery = "json",
) -> Any:
    """Every terminal heard (those with problems first): `online` (session open),
    `last_report_age_s`, over its last `quality_window_fixes` live fixes the share
    without a valid fix and with too few satellites, jumps and stuck fixes, the median
    `clock_skew_s` (received − device time: positive, the terminal's clock is behind),
    the passenger counter's last count and the last stored tap, `faults` (the device
    faults set in the alarm word of its latest live fix: `code`, `label_zh`, `label_en`,
    `since_utc` when this server first saw it set), and `problems`. In the CSV, `faults`
    are the codes and `faults_since` their start times, in the same order."""
    report = _report(request)
    names = _line_names(request)
    rows = [
        r
        for r in report.terminals
        if (problem is None or problem in r.problems)
        and (route_id is None or (r.in_service and r.route_id == route_id))
        and (depot is None or r.depot == depot)
    ]
    out = [_terminal(r, names) for r in rows]
    if format == "csv":
        tz = eq.CHINA if request.app.state.timetable is None else request.app.state.timetable.tz
        csv_rows = []
        for d in out:
            d["last_report"] = local_time(d["last_report_utc"], tz)
            d["counter_last"] = local_time(d["counter_last_utc"], tz)
            d["last_tap"] = local_time(d["last_tap_utc"], tz)
            d["faults_since"] = "; ".join(local_time(f["since_utc"], tz) for f in d["faults"])
            d["faults"] = " ".join(f["code"] for f in d["faults"])
            d["problems"] = " ".join(d["problems"])
            csv_rows.append(["" if d[c] is None else d[c] for c in CSV_COLUMNS])
        return csv_download(
            f"equipment-{report.service_day.isoformat()}.csv", CSV_COLUMNS, csv_rows
        )
    return {"now_utc": _iso(report.now_unix), "count": len(out), "terminals": out}


@router.get("/equipment/alarms", responses={503: {"description": "No equipment state."}})
def alarms(_: ReaderDep, request: Request) -> dict[str, Any]:
    """Buses in service (on a trip now, or silent since they were) whose terminal has
    sent no report for more than `silent_in_service_s`, the longest silent first:
    `since_utc` their last report (null: never heard by this server), `age_s` since."""
    report = _report(request)
    names = _line_names(request)
    return {
        "now_utc": _iso(report.now_unix),
        "silent_in_service_s": eq.SILENT_IN_SERVICE_S,
        "alarms": [_alarm(a, names) for a in report.alarms],
    }
