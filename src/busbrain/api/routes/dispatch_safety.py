"""安全监管 (safety): the alarm queue and driving behaviour, under /api/v1/dispatch.

The queue holds the alarms the gateway raised (JT/T 808 alarm bits, 苏标 ADAS 0x64 and
DMS 0x65 items), stored by the alarm consumer (busbrain.runner.alarms). Safety officers
(`decide:alarms`) acknowledge (确认), assign (指派) and resolve (处理, with a note) them;
every decision is written with its audit entry (who, when, from where) in one
transaction. Everyone who reads the module (`read:safety`) sees the queue, most severe
first, then newest. Invalid moves (resolving a resolved alarm) are 409.

Attachments: an alarm shows the terminal's alarm id (苏标) and `attachment_count` (files
the terminal announced). The gateway asks for them (0x9208) and keeps what the terminal
uploads (0x1210 ... 0x1212) in its attachments folder; the alarm consumer records each
file by phone and terminal alarm id. GET /alarms/{id} lists them (`attachments`, one
alarm only: the queue does not) and GET /alarms/{id}/attachments/{name} serves one.

GET /safety/behaviour scores each vehicle's week from the stored positions (speeding
against the limit where the bus was, harsh braking and acceleration) and its
driver-behaviour alarms, per vehicle; and, when drivers signed in with their IC cards
that week (the server's driver shifts), per driver: each kilometre, event and alarm goes
to the driver signed in at its time. The rules and the formula are in
busbrain.oversight.safety.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path as FsPath
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from busbrain.access.accounts import normalise_username
from busbrain.access.records import AuditEntry
from busbrain.access.roles import Permission
from busbrain.api.appstate import state_or_503
from busbrain.api.auth import Caller, client_address, get_access, no_store, now_utc, require
from busbrain.domain.gtfstime import timezone_of
from busbrain.oversight.drivers import DriverShift
from busbrain.oversight.safety import (
    ACTIVE_STATUSES,
    Alarm,
    AlarmAction,
    AlarmFile,
    AlarmStatus,
    AlarmTransitionError,
    Decision,
    Severity,
    SpeedLimits,
    behaviour_scores,
    distance_km,
    distance_steps,
    driver_behaviour_scores,
    harsh_events,
    speeding_episodes,
    week_bounds,
)
from busbrain.store.ports import AlarmStore, DriverShifts

MAX_NOTE_CHARS = 500
DEFAULT_SPEED_LIMITS = SpeedLimits()
"""60 km/h everywhere: what speeding is judged against until the operator gives a table
(setting `speed_limits`, a CSV: see busbrain.oversight.safety.parse_speed_limits)."""


def _speed_limits(request: Request) -> SpeedLimits:
    limits: SpeedLimits | None = getattr(request.app.state, "speed_limits", None)
    return DEFAULT_SPEED_LIMITS if limits is None else limits


router = APIRouter(prefix="/api/v1/dispatch", tags=["dispatch"], dependencies=[Depends(no_store)])

ReaderDep = Annotated[Caller, Depends(require(Permission.READ_SAFETY))]
DeciderDep = Annotated[Caller, Depends(require(Permission.DECIDE_ALARMS))]
AlarmPk = Annotated[int, Path(ge=1, description="The alarm's id in the queue.")]

SEVERITY_NAMES = {Severity.LOW: "low", Severity.MEDIUM: "medium", Severity.HIGH: "high"}
SEVERITY_OF_NAME = {name: sev for sev, name in SEVERITY_NAMES.items()}
STATUS_FILTERS = {
    "active": ACTIVE_STATUSES,
    **{st.value: frozenset({st}) for st in AlarmStatus},
}


class PositionOut(BaseModel):
    lat: float
    lon: float


FILE_TYPES = {0: "image", 1: "audio", 2: "video", 3: "text", 4: "other"}
INLINE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".mp4": "video/mp4",
    ".wav": "audio/wav",
}
"""Content types served inline; any other file is a download (application/octet-stream),
so an uploaded file can never run as a page of the console."""


class AttachmentOut(BaseModel):
    name: str
    """The file's name as the terminal gave it."""
    file_type: str
    """image, audio, video, text or other."""
    size_bytes: int
    complete: bool
    """False while the terminal has not sent every byte."""
    received_utc: dt.datetime
    url: str
    """Where to fetch it (read:safety)."""


class AlarmOut(BaseModel):
    id: int
    phone: str
    vehicle_id: str | None
    kind: str
    """The gateway's code: "overspeed", "adas.forward_collision", "dms.phone_call", ..."""
    level: int | None
    """苏标 level (1 or 2); null for JT/T 808 alarm bits."""
    severity: str
    """low, medium or high."""
    raised_utc: dt.datetime
    cleared_utc: dt.datetime | None
    """When the terminal ended the alarm (its flag fell); null while it lasts."""
    position: PositionOut | None
    alarm_id: str | None
    """The terminal's alarm id (苏标), which its attachment uploads name."""
    attachment_count: int | None
    """Files the terminal holds for the alarm, when the gateway reports it; else null."""
    details: dict[str, Any]
    status: str
    """open, acknowledged, assigned or resolved."""
    assignee: str | None
    decided_by: str | None
    decided_utc: dt.datetime | None
    note: str | None
    attachments: list[AttachmentOut] = []
    """The files uploaded for it (only in GET /alarms/{id})."""


class AlarmsOut(BaseModel):
    alarms: list[AlarmOut]
    enabled: bool
    """False on a server started without an alarm store: no alarms are kept."""


class AssignIn(BaseModel):
    assignee: str = Field(min_length=1, max_length=64)


class ResolveIn(BaseModel):
    note: str = Field(min_length=1, max_length=MAX_NOTE_CHARS)


def _attachment_out(alarm_pk: int, f: AlarmFile) -> AttachmentOut:
    return AttachmentOut(
        name=f.file_name,
        file_type=FILE_TYPES.get(f.file_type, "other"),
        size_bytes=f.size_bytes,
        complete=f.complete,
        received_utc=f.received_utc,
        url=f"/api/v1/dispatch/alarms/{alarm_pk}/attachments/{quote(f.file_name, safe='')}",
    )


def _files(store: AlarmStore, a: Alarm) -> list[AlarmFile]:
    return [] if a.alarm_id is None else store.files(a.phone, a.alarm_id)


def _out(a: Alarm) -> AlarmOut:
    count = a.details.get("attachment_count")
    return AlarmOut(
        id=a.alarm_pk,
        phone=a.phone,
        vehicle_id=a.vehicle_id,
        kind=a.kind,
        level=a.level,
        severity=SEVERITY_NAMES[a.severity],
        raised_utc=a.raised_utc,
        cleared_utc=a.cleared_utc,
        position=None if a.lat is None or a.lon is None else PositionOut(lat=a.lat, lon=a.lon),
        alarm_id=a.alarm_id,
        attachment_count=count if isinstance(count, int) else None,
        details=dict(a.details),
        status=a.status.value,
        assignee=a.assignee,
        decided_by=a.decided_by,
        decided_utc=a.decided_utc,
        note=a.note,
    )


def _store(request: Request) -> AlarmStore:
    store: AlarmStore = state_or_503(
        request, "alarms", "alarms are off: this server was started without an alarm store"
    )
    return store


@router.get("/alarms", responses={422: {"description": "Unknown status or severity."}})
def list_alarms(
    _: ReaderDep,
    request: Request,
    status: Annotated[
        str | None, Query(description="open, acknowledged, assigned, resolved, or active")
    ] = None,
    severity: Annotated[str | None, Query(description="low, medium or high")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AlarmsOut:
    """The alarm queue: most severe first, then newest first; `status=active` is every
    alarm not resolved yet."""
    store: AlarmStore | None = request.app.state.alarms
    if status is not None and status not in STATUS_FILTERS:
        raise HTTPException(422, f"unknown status {status!r}: use {', '.join(STATUS_FILTERS)}")
    if severity is not None and severity not in SEVERITY_OF_NAME:
        raise HTTPException(422, f"unknown severity {severity!r}: use low, medium or high")
    if store is None:
        return AlarmsOut(alarms=[], enabled=False)
    found = store.alarms(
        statuses=None if status is None else STATUS_FILTERS[status],
        severity=None if severity is None else SEVERITY_OF_NAME[severity],
        limit=limit,
    )
    return AlarmsOut(alarms=[_out(a) for a in found], enabled=True)


@router.get("/alarms/{alarm_pk}", responses={404: {"description": "No such alarm."}})
def get_alarm(_: ReaderDep, request: Request, alarm_pk: AlarmPk) -> AlarmOut:
    """One alarm, with its details and the decisions taken on it."""
    store = _store(request)
    found = store.alarm(alarm_pk)
    if found is None:
        raise HTTPException(404, f"no alarm {alarm_pk}")
    out = _out(found)
    out.attachments = [_attachment_out(alarm_pk, f) for f in _files(store, found)]
    return out


@router.get(
    "/alarms/{alarm_pk}/attachments/{name}",
    response_class=FileResponse,
    responses={404: {"description": "No such alarm, file, or the file is gone."}},
)
def get_attachment(
    _: ReaderDep,
    request: Request,
    alarm_pk: AlarmPk,
    name: Annotated[str, Path(max_length=255, description="The file's name, as listed.")],
) -> FileResponse:
    """One uploaded file of the alarm: images, video and audio inline, anything else as a
    download. Served from the attachments folder only (the stored path is joined safely)."""
    store = _store(request)
    found = store.alarm(alarm_pk)
    if found is None:
        raise HTTPException(404, f"no alarm {alarm_pk}")
    file = next((f for f in _files(store, found) if f.file_name == name), None)
    if file is None:
        raise HTTPException(404, f"alarm {alarm_pk} has no attachment {name!r}")
    root = FsPath(request.app.state.attachments_dir).resolve()
    path = (root / file.path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise HTTPException(404, f"attachment {name!r} is not on this server")
    media = INLINE_TYPES.get(path.suffix.lower())
    if media is not None:
        return FileResponse(path, media_type=media, content_disposition_type="inline")
    return FileResponse(path, media_type="application/octet-stream", filename=path.name)


def _decide(
    request: Request,
    caller: Caller,
    alarm_pk: int,
    action: AlarmAction,
    *,
    assignee: str | None = None,
    note: str | None = None,
) -> AlarmOut:
    """Apply a decision with its audit entry; 404 unknown alarm, 409 a move that does not
    apply to the alarm's status."""
    store = _store(request)
    found = store.alarm(alarm_pk)
    if found is None:
        raise HTTPException(404, f"no alarm {alarm_pk}")
    now = now_utc(request)
    who = caller.user.username
    detail: dict[str, Any] = {
        "kind": found.kind,
        "vehicle_id": found.vehicle_id,
        "phone": found.phone,
        "severity": SEVERITY_NAMES[found.severity],
        "from_status": found.status.value,
    }
    if assignee is not None:
        detail["assignee"] = assignee
    if note is not None:
        detail["note"] = note
    audit = AuditEntry(now, who, action.value, f"alarm/{alarm_pk}", detail, client_address(request))
    decision = Decision(action, who, now, assignee=assignee, note=note)
    try:
        decided = store.decide(alarm_pk, decision, audit=audit)
    except AlarmTransitionError as exc:
        raise HTTPException(409, f"alarm {alarm_pk}: {exc}") from exc
    if decided is None:
        raise HTTPException(404, f"no alarm {alarm_pk}")
    return _out(decided)


@router.post(
    "/alarms/{alarm_pk}/acknowledge",
    responses={404: {"description": "No such alarm."}, 409: {"description": "Not open."}},
)
def acknowledge_alarm(caller: DeciderDep, request: Request, alarm_pk: AlarmPk) -> AlarmOut:
    """确认: someone has seen the alarm and is on it (only an open alarm)."""
    return _decide(request, caller, alarm_pk, AlarmAction.ACKNOWLEDGE)


@router.post(
    "/alarms/{alarm_pk}/assign",
    responses={
        404: {"description": "No such alarm."},
        409: {"description": "Resolved already."},
        422: {"description": "Unknown or disabled user."},
    },
)
def assign_alarm(
    body: AssignIn, caller: DeciderDep, request: Request, alarm_pk: AlarmPk
) -> AlarmOut:
    """指派: hand the alarm to a user of the console (by username) to follow up; an
    assigned alarm may be handed on."""
    username = normalise_username(body.assignee)
    user = get_access(request).users.find_user(username)
    if user is None or user.disabled:
        raise HTTPException(422, f"no active user {username!r} to assign the alarm to")
    return _decide(request, caller, alarm_pk, AlarmAction.ASSIGN, assignee=username)


@router.post(
    "/alarms/{alarm_pk}/resolve",
    responses={404: {"description": "No such alarm."}, 409: {"description": "Resolved already."}},
)
def resolve_alarm(
    body: ResolveIn, caller: DeciderDep, request: Request, alarm_pk: AlarmPk
) -> AlarmOut:
    """处理: close the alarm with a note (1–500 characters) of what was found and done."""
    note = body.note.strip()
    if not note:
        raise HTTPException(422, "the note is empty: say what was found and done")
    return _decide(request, caller, alarm_pk, AlarmAction.RESOLVE, note=note)


@router.get("/safety/behaviour")
def behaviour(
    _: ReaderDep,
    request: Request,
    week: Annotated[
        dt.date | None, Query(description="Any day of the week (local); default: this week")
    ] = None,
    vehicle_id: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    """Driving behaviour per vehicle over one week (Monday to Sunday, local time): km
    driven, speeding episodes, harsh braking and acceleration (from the stored
    positions), driver-behaviour alarms, and the score (100 minus 2 × points per
    100 km; none below 20 km), per vehicle. When drivers signed in that week, `per` is
    "driver" and `drivers` scores each driver (km, events and alarms while signed in;
    rows with a null driver_id: a vehicle with nobody signed in); else `per` is
    "vehicle" and `drivers` is empty. Worst score first."""
    store = _store(request)
    tz = timezone_of([a.timezone for a in request.app.state.queries.list_agencies()])
    day = week if week is not None else now_utc(request).astimezone(tz).date()
    start, end = week_bounds(day, tz)
    wanted = None if vehicle_id is None else {vehicle_id}
    positions = store.positions(start, end, wanted)
    alarms = [
        a
        for a in store.alarms_between(start, end)
        if vehicle_id is None or (a.vehicle_id or a.phone) == vehicle_id
    ]
    limits = _speed_limits(request)
    events = speeding_episodes(positions, limits) + harsh_events(positions)
    scores = behaviour_scores(distance_km(positions), events, alarms)
    shift_store: DriverShifts | None = getattr(request.app.state, "drivers", None)
    local = (start.astimezone(tz).date(), (end - dt.timedelta(seconds=1)).astimezone(tz).date())
    shifts = [] if shift_store is None else shift_store.shifts(*local)
    by_driver = (
        driver_behaviour_scores(distance_steps(positions), events, alarms, shifts) if shifts else []
    )
    names = {s.driver_id: s.driver_name for s in shifts}
    return {
        "per": "driver" if shifts else "vehicle",
        "drivers": [
            {
                "driver_id": d.driver_id,
                "name": d.driver_name,
                "vehicle_id": d.vehicle_id,
                "vehicles": list(d.vehicles),
                "km": d.km,
                "events": dict(d.events),
                "points": d.points,
                "score": d.score,
            }
            for d in by_driver
        ],
        "week_start": start.astimezone(tz).date().isoformat(),
        "week_start_utc": start,
        "week_end_utc": end,
        "speed_limit_kmh": limits.default_kmh,
        "speed_limits": {
            "default_kmh": limits.default_kmh,
            "routes": dict(limits.by_route),
            "zones": [{"name": z.name, "limit_kmh": z.limit_kmh} for z in limits.zones],
        },
        "vehicles": [
            {
                "vehicle_id": sc.vehicle_id,
                "km": sc.km,
                "events": dict(sc.events),
                "points": sc.points,
                "score": sc.score,
            }
            for sc in scores
        ],
        "events": [
            {
                "vehicle_id": e.vehicle_id,
                "kind": e.kind,
                "start_utc": e.start_utc,
                "end_utc": e.end_utc,
                "peak": e.peak,
                "limit_kmh": e.limit_kmh,
                "position": {"lat": e.lat, "lon": e.lon},
            }
            | _driver_of(shifts, names, e.vehicle_id, e.start_utc)
            for e in sorted(events, key=lambda e: e.start_utc, reverse=True)[:200]
        ],
    }


def _driver_of(
    shifts: list[DriverShift], names: dict[str, str | None], vehicle_id: str, t: dt.datetime
) -> dict[str, Any]:
    """The driver signed in on `vehicle_id` at `t`, as an event's driver_id and driver."""
    s = next((s for s in reversed(shifts) if s.vehicle_id == vehicle_id and s.covers(t)), None)
    return {
        "driver_id": None if s is None else s.driver_id,
        "driver": None if s is None else names.get(s.driver_id),
    }
