"""调度指挥's trip commands: cancel, short-turn (区间车), extra trip (加班车), hold (滞站)
and swap (换车), their list for a day, and revoking one (撤销).

Each command becomes a `TripChange` for today's service day (the app clock's), stored
with its audit entry in one transaction (`TripChanges`); one contradicting the day's
active changes (a trip cancelled twice, a cancelled trip short-turned) is a 409 with
nothing written. After each change the app's trip book is reloaded, so the GTFS-Realtime
feeds, the arrivals boards and the strip show it at once, and the live processor gets it
through the book's hand-off. A hold also sends the driver a JT/T 808 0x8300 text through
the gateway's outbox, as 发送消息 does (when the bus has a terminal). Acting needs
`send:commands`; reading the list `read:command`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field

from busbrain.access.records import AuditAction, AuditEntry
from busbrain.access.roles import Permission
from busbrain.api.appstate import state_or_503
from busbrain.api.arrivals import Call, calls_at
from busbrain.api.auth import Caller, client_address, no_store, now_utc, require
from busbrain.api.cache import NetworkCache
from busbrain.api.routes.dispatch_messages import TEXT_FLAGS
from busbrain.api.tripbook import TripBook
from busbrain.domain.errors import BadInputError
from busbrain.domain.gtfstime import format_time_s, parse_time_s, service_day_start
from busbrain.domain.live import LiveSnapshot
from busbrain.domain.terminals import CommandKind
from busbrain.domain.tripchanges import (
    KIND_NAMES_ZH,
    MAX_NOTE_CHARS,
    ChangeKind,
    TripChange,
    TripChangeConflict,
    extra_trip_id,
)
from busbrain.store.ports import CommandOutbox, NetworkQueries, TerminalRegistry, TripChanges

MAX_HOLD_MINUTES = 120
"""Longest hold a dispatcher may order in minutes (a longer wait is a cancellation)."""

router = APIRouter(prefix="/api/v1/dispatch", tags=["dispatch"], dependencies=[Depends(no_store)])

ReaderDep = Annotated[Caller, Depends(require(Permission.READ_COMMAND))]
SenderDep = Annotated[Caller, Depends(require(Permission.SEND_COMMANDS))]
TripPath = Annotated[str, Path(description="A trip_id of today's timetable.", max_length=200)]
VehiclePath = Annotated[str, Path(description="A bus's vehicle_id.", max_length=200)]
Note = Field(default="", max_length=MAX_NOTE_CHARS)

_ACTIONS = {
    ChangeKind.CANCEL: AuditAction.TRIP_CANCELLED,
    ChangeKind.SHORT_TURN: AuditAction.TRIP_SHORT_TURNED,
    ChangeKind.EXTRA: AuditAction.EXTRA_TRIP_ADDED,
    ChangeKind.HOLD: AuditAction.VEHICLE_HELD,
    ChangeKind.SWAP: AuditAction.VEHICLE_SWAPPED,
}


class CancelIn(BaseModel):
    note: str = Note


class ShortTurnIn(BaseModel):
    from_stop_sequence: int = Field(ge=0)
    to_stop_sequence: int = Field(ge=0)
    note: str = Note


class ExtraIn(BaseModel):
    start_time: str = Field(pattern=r"^[0-9]{1,2}:[0-5][0-9]:[0-5][0-9]$")
    """HH:MM:SS after the service day's start (may pass 24:00:00)."""
    vehicle_id: str | None = Field(default=None, max_length=200)
    note: str = Note


class HoldIn(BaseModel):
    stop_id: str = Field(min_length=1, max_length=200)
    until: str | None = Field(default=None, pattern=r"^[0-9]{1,2}:[0-5][0-9](:[0-5][0-9])?$")
    """Local time of today's service day, HH:MM or HH:MM:SS."""
    minutes: int | None = Field(default=None, ge=1, le=MAX_HOLD_MINUTES)
    note: str = Note


class SwapIn(BaseModel):
    to_vehicle_id: str = Field(min_length=1, max_length=200)
    note: str = Note


class ChangeOut(BaseModel):
    change_id: int
    kind: str
    kind_zh: str
    service_date: dt.date
    trip_id: str | None
    vehicle_id: str | None
    from_stop_sequence: int | None
    to_stop_sequence: int | None
    start_time: str | None
    """extra: HH:MM:SS after the service day's start."""
    new_trip_id: str | None
    stop_id: str | None
    until_utc: dt.datetime | None
    to_vehicle_id: str | None
    block_id: str | None
    note: str
    by: str
    at_utc: dt.datetime
    active: bool
    revoked_by: str | None
    revoked_utc: dt.datetime | None


class MadeOut(BaseModel):
    change: ChangeOut
    command_id: int | None = None
    """The 0x8300 text queued for the driver concerned (hold: the held bus; extra trip:
    the bus named; swap: the bus taking over, the bus it replaces is told too); None
    without outbox or terminal, or when no bus is named."""


class ChangesOut(BaseModel):
    service_date: dt.date
    changes: list[ChangeOut]
    """Newest first, revoked ones included (`active` false)."""
    version: int
    enabled: bool
    """False on a server started without a trip-change store: nothing can be changed."""


def _out(c: TripChange) -> ChangeOut:
    assert c.change_id is not None  # stored
    return ChangeOut(
        change_id=c.change_id,
        kind=c.kind.value,
        kind_zh=KIND_NAMES_ZH[c.kind],
        service_date=c.service_date,
        trip_id=c.trip_id,
        vehicle_id=c.vehicle_id,
        from_stop_sequence=c.from_stop_sequence,
        to_stop_sequence=c.to_stop_sequence,
        start_time=None if c.start_time_s is None else format_time_s(c.start_time_s),
        new_trip_id=c.new_trip_id,
        stop_id=c.stop_id,
        until_utc=c.until_utc,
        to_vehicle_id=c.to_vehicle_id,
        block_id=c.block_id,
        note=c.note,
        by=c.by,
        at_utc=c.at_utc,
        active=c.active,
        revoked_by=c.revoked_by,
        revoked_utc=c.revoked_utc,
    )


def _store(request: Request) -> TripChanges:
    store: TripChanges = state_or_503(
        request, "trip_changes", "trip changes are off: this server was started without them"
    )
    return store


def _book(request: Request) -> TripBook:
    book: TripBook = request.app.state.trip_book
    return book


def _today(request: Request) -> tuple[dt.date, float]:
    """Today's service day by the app's clock, and the unix time its GTFS day starts."""
    book = _book(request)
    day = book.day_of(float(request.app.state.clock()))
    return day, service_day_start(day, book.tz)


def _trip_calls(request: Request, trip_id: str) -> list[Call]:
    """The trip's calls in today's timetable (404 when it does not run today)."""
    calls = calls_at(request.app.state.timetable, float(request.app.state.clock()))
    found = calls.by_trip.get(trip_id)
    if not found:
        raise HTTPException(404, f"no trip {trip_id!r} in today's timetable")
    return found


def _live(request: Request) -> dict[str, tuple[str | None, str | None]]:
    """vehicle -> (trip, route) of every bus in the live picture."""
    snap: LiveSnapshot | None = request.app.state.live()
    return {} if snap is None else {v.vehicle_id: (v.trip_id, v.route_id) for v in snap.vehicles}


def _known_vehicle(request: Request, vehicle_id: str, what: str = "vehicle") -> None:
    """404 unless the bus is live or has a terminal in the registry."""
    if vehicle_id in _live(request):
        return
    terminals: TerminalRegistry | None = request.app.state.terminals
    if terminals is not None and vehicle_id in terminals.vehicle_ids():
        return
    raise HTTPException(404, f"no {what} {vehicle_id!r}: not live and not in the registry")


def _make(request: Request, caller: Caller, change: TripChange) -> TripChange:
    """Store `change` with its audit entry and refresh the trip book (409 on conflict)."""
    detail = {k: v for k, v in _out_fields(change).items() if v not in (None, "")}
    audit = AuditEntry(
        now_utc(request),
        caller.user.username,
        _ACTIONS[change.kind],
        change.target(),
        detail,
        client_address(request),
    )
    try:
        stored = _store(request).add(change, audit=audit)
    except TripChangeConflict as exc:
        raise HTTPException(409, str(exc)) from exc
    except BadInputError as exc:
        raise HTTPException(422, str(exc)) from exc
    _book(request).reload(change.service_date)
    return stored


def _out_fields(c: TripChange) -> dict[str, object]:
    return {
        "trip_id": c.trip_id,
        "vehicle_id": c.vehicle_id,
        "from_stop_sequence": c.from_stop_sequence,
        "to_stop_sequence": c.to_stop_sequence,
        "start_time": None if c.start_time_s is None else format_time_s(c.start_time_s),
        "new_trip_id": c.new_trip_id,
        "stop_id": c.stop_id,
        "until_utc": None if c.until_utc is None else c.until_utc.isoformat(),
        "to_vehicle_id": c.to_vehicle_id,
        "block_id": c.block_id,
        "note": c.note,
    }


def _new(
    request: Request, caller: Caller, kind: ChangeKind, note: str, **fields: Any
) -> TripChange:
    """A change of `kind` for today's service day, given now by the caller."""
    day, _ = _today(request)
    base = TripChange(kind, day, caller.user.username, now_utc(request), note=note.strip())
    return dataclasses.replace(base, **fields)


_RESPONSES: dict[int | str, dict[str, str]] = {
    404: {"description": "Unknown trip, bus or stop."},
    409: {"description": "Contradicts one of today's active changes."},
    422: {"description": "A parameter is wrong (named in the answer)."},
}


@router.post("/trips/{trip_id}/cancel", status_code=201, responses=_RESPONSES)
def cancel_trip(trip_id: TripPath, body: CancelIn, caller: SenderDep, request: Request) -> MadeOut:
    """Cancel one of today's trips: feeds publish it CANCELED, boards mark it 已取消, and
    no bus is matched to it."""
    _store(request)
    _trip_calls(request, trip_id)
    return MadeOut(
        change=_out(
            _make(
                request,
                caller,
                _new(request, caller, ChangeKind.CANCEL, body.note, trip_id=trip_id),
            )
        )
    )


@router.post("/trips/{trip_id}/short-turn", status_code=201, responses=_RESPONSES)
def short_turn_trip(
    trip_id: TripPath, body: ShortTurnIn, caller: SenderDep, request: Request
) -> MadeOut:
    """Run a trip as a 区间车: it serves only its stops with stop_sequence
    `from_stop_sequence`..`to_stop_sequence`; the others are SKIPPED in the feed and
    marked on the boards."""
    _store(request)
    sequences = [c.stop_sequence for c in _trip_calls(request, trip_id)]
    for name in ("from_stop_sequence", "to_stop_sequence"):
        if getattr(body, name) not in sequences:
            raise HTTPException(
                422, f"{name}: trip {trip_id} has no stop_sequence {getattr(body, name)}"
            )
    if body.to_stop_sequence <= body.from_stop_sequence:
        raise HTTPException(422, "to_stop_sequence: must be after from_stop_sequence")
    if body.from_stop_sequence == sequences[0] and body.to_stop_sequence == sequences[-1]:
        raise HTTPException(422, "to_stop_sequence: the range is the whole trip")
    change = _new(
        request, caller, ChangeKind.SHORT_TURN, body.note, trip_id=trip_id,
        from_stop_sequence=body.from_stop_sequence, to_stop_sequence=body.to_stop_sequence,
    )  # fmt: skip
    return MadeOut(change=_out(_make(request, caller, change)))


@router.post("/trips/{trip_id}/extra", status_code=201, responses=_RESPONSES)
def extra_trip(trip_id: TripPath, body: ExtraIn, caller: SenderDep, request: Request) -> MadeOut:
    """Add a 加班车: a copy of trip `trip_id` starting at `start_time` (HH:MM:SS of
    today's service day), named `<trip>+xHHMM`, optionally run by `vehicle_id`."""
    _store(request)
    calls = _trip_calls(request, trip_id)
    try:
        start = parse_time_s(body.start_time)
    except ValueError as exc:
        raise HTTPException(422, f"start_time: {exc}") from exc
    if start >= 48 * 3600:
        raise HTTPException(422, "start_time: beyond the service day")
    if body.vehicle_id is not None:
        _known_vehicle(request, body.vehicle_id)
    change = _new(
        request, caller, ChangeKind.EXTRA, body.note, trip_id=trip_id, start_time_s=start,
        new_trip_id=extra_trip_id(trip_id, start), vehicle_id=body.vehicle_id,
    )  # fmt: skip
    stored = _make(request, caller, change)
    command_id = None
    if body.vehicle_id is not None:
        first = calls[0]
        hhmm = f"{int(start // 3600) % 24:02d}:{int(start % 3600 // 60):02d}"
        line, stop = _line(request, first.route_id), _stop(request, first.stop_id)
        text = f"调度指令：加开{line}加班车，{hhmm}由{stop}发车"
        command_id = _tell_driver(request, caller, body.vehicle_id, text)
    return MadeOut(change=_out(stored), command_id=command_id)


def _line(request: Request, route_id: str | None) -> str:
    names = request.app.state.network_cache.finder().route_names
    return str(names.get(route_id, route_id or ""))


def _stop(request: Request, stop_id: str) -> str:
    station = request.app.state.network_cache.finder().station_of(stop_id)
    return stop_id if station is None else str(station.name)


@router.post("/vehicles/{vehicle_id}/hold", status_code=201, responses=_RESPONSES)
def hold_vehicle(
    vehicle_id: VehiclePath, body: HoldIn, caller: SenderDep, request: Request
) -> MadeOut:
    """Hold a bus (滞站) at `stop_id` until `until` (local HH:MM[:SS] today) or for
    `minutes` (1–120); the driver gets the instruction as a 0x8300 text."""
    _store(request)
    if (body.until is None) == (body.minutes is None):
        raise HTTPException(422, "until, minutes: give one of them")
    _known_vehicle(request, vehicle_id)
    cache: NetworkCache = request.app.state.network_cache
    found = cache.finder().resolve(body.stop_id)
    if found is None:
        raise HTTPException(404, f"no stop {body.stop_id!r}")
    now = now_utc(request)
    if body.minutes is not None:
        until = now + dt.timedelta(minutes=body.minutes)
    else:
        _, day_start = _today(request)
        text = str(body.until)
        text = text if text.count(":") == 2 else f"{text}:00"
        until = dt.datetime.fromtimestamp(day_start + parse_time_s(text), dt.UTC)
        if not now < until <= now + dt.timedelta(minutes=MAX_HOLD_MINUTES):
            raise HTTPException(422, f"until: must be within the next {MAX_HOLD_MINUTES} minutes")
    change = _new(
        request, caller, ChangeKind.HOLD, body.note, vehicle_id=vehicle_id,
        stop_id=body.stop_id, until_utc=until,
    )  # fmt: skip
    stored = _make(request, caller, change)
    local = until.astimezone(_book(request).tz).strftime("%H:%M")
    command_id = _tell_driver(request, caller, vehicle_id, f"调度指令：请在{found[1]}滞站至{local}")
    return MadeOut(change=_out(stored), command_id=command_id)


def _tell_driver(request: Request, caller: Caller, vehicle_id: str, text: str) -> int | None:
    """Queue `text` for the bus's terminal as 发送消息 does; None without outbox or terminal."""
    outbox: CommandOutbox | None = request.app.state.outbox
    terminals: TerminalRegistry | None = request.app.state.terminals
    if outbox is None or terminals is None:
        return None
    phone = terminals.phones_of({vehicle_id}).get(vehicle_id)
    if phone is None:
        return None
    payload: dict[str, object] = {
        "text": text,
        "flags": TEXT_FLAGS,
        "vehicle_id": vehicle_id,
        "route_id": _live(request).get(vehicle_id, (None, None))[1],
        "by": caller.user.username,
    }
    return outbox.enqueue(phone, CommandKind.TEXT, payload, dt.datetime.now(dt.UTC))


@router.post("/vehicles/{vehicle_id}/swap", status_code=201, responses=_RESPONSES)
def swap_vehicle(
    vehicle_id: VehiclePath, body: SwapIn, caller: SenderDep, request: Request
) -> MadeOut:
    """换车: bus `to_vehicle_id` takes over this bus's block (路牌, from the trip it is
    live on) from now; the live processor plans the new bus on it."""
    _store(request)
    if body.to_vehicle_id == vehicle_id:
        raise HTTPException(422, "to_vehicle_id: must be another bus")
    _known_vehicle(request, vehicle_id)
    _known_vehicle(request, body.to_vehicle_id, "vehicle (to_vehicle_id)")
    trip_id = _live(request).get(vehicle_id, (None, None))[0]
    queries: NetworkQueries = request.app.state.queries
    trip = None if trip_id is None else queries.find_trip(trip_id)
    change = _new(
        request, caller, ChangeKind.SWAP, body.note, vehicle_id=vehicle_id, trip_id=trip_id,
        to_vehicle_id=body.to_vehicle_id, block_id=None if trip is None else trip.block_id,
    )  # fmt: skip
    stored = _make(request, caller, change)
    line = _line(request, None if trip is None else trip.route_id)
    command_id = _tell_driver(
        request, caller, body.to_vehicle_id, f"调度指令：请接替{vehicle_id}运营{line}"
    )
    _tell_driver(request, caller, vehicle_id, f"调度指令：{body.to_vehicle_id}接替本车运营{line}")
    return MadeOut(change=_out(stored), command_id=command_id)


@router.get("/trip-changes")
def list_changes(
    _: ReaderDep,
    request: Request,
    date: Annotated[dt.date | None, Query(description="Service day, YYYY-MM-DD (today).")] = None,
) -> ChangesOut:
    """A service day's trip changes, newest first, revoked ones included (none, and
    `enabled` false, on a server without a trip-change store)."""
    day = date if date is not None else _today(request)[0]
    store: TripChanges | None = request.app.state.trip_changes
    found = [] if store is None else store.changes_on(day, include_revoked=True)
    return ChangesOut(
        service_date=day,
        changes=[_out(c) for c in reversed(found)],
        version=_book(request).version,
        enabled=store is not None,
    )


@router.delete("/trip-changes/{change_id}", responses=_RESPONSES)
def revoke_change(
    change_id: Annotated[int, Path(ge=1)], caller: SenderDep, request: Request
) -> MadeOut:
    """撤销: undo a change (kept in the list as revoked); 409 when already revoked."""
    store = _store(request)
    found = store.change(change_id)
    if found is None:
        raise HTTPException(404, f"no trip change {change_id}")
    now = now_utc(request)
    audit = AuditEntry(
        now, caller.user.username, AuditAction.TRIP_CHANGE_REVOKED, found.target(),
        {"change_id": change_id, "kind": found.kind.value}, client_address(request),
    )  # fmt: skip
    try:
        revoked = store.revoke(change_id, caller.user.username, now, audit=audit)
    except TripChangeConflict as exc:
        raise HTTPException(409, str(exc)) from exc
    if revoked is None:
        raise HTTPException(404, f"no trip change {change_id}")
    _book(request).reload(revoked.service_date)
    return MadeOut(change=_out(revoked))
