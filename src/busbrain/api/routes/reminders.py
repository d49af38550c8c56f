"""Reminders over HTTP: create one, then listen on Server-Sent Events until it fires."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, model_validator

from busbrain.api.arrivals import board, calls_at
from busbrain.api.deps import CacheDep, QueriesDep
from busbrain.api.reminders import (
    EXPIRES_S,
    Reminder,
    ReminderBook,
    check_alight,
    check_arrival,
)

router = APIRouter(prefix="/api/v1/reminders", tags=["reminders"])


class ReminderIn(BaseModel):
    kind: Literal["arrival", "alight"] = "arrival"
    """arrival: my bus is coming to my stop; alight (下车提醒): my stop is coming up."""
    stop_id: str = Field(min_length=1, max_length=64)
    """The stop (station or pole): where I wait, or where I get off."""
    route_id: str | None = None
    direction_id: int | None = Field(default=None, ge=0, le=1)
    trip_id: str | None = None
    """The trip I am on (for alight)."""
    stops_away: int | None = Field(default=None, ge=0, le=30)
    minutes: float | None = Field(default=None, ge=0, le=120)
    basis: Literal["live", "schedule"] = "live"

    @model_validator(mode="after")
    def _one_condition(self) -> ReminderIn:
        if self.stops_away is None and self.minutes is None:
            raise ValueError("give stops_away or minutes (or both)")
        if self.kind == "arrival" and self.route_id is None:
            raise ValueError("route_id: an arrival reminder is for one line")
        if self.kind == "alight" and self.trip_id is None:
            raise ValueError("trip_id: a get-off reminder follows the trip being ridden")
        return self


def _evaluate(
    request: Request, cache: CacheDep, r: Reminder, now: float
) -> dict[str, object] | None:
    snapshot = request.app.state.live()
    if r.kind == "alight":
        return check_alight(r, snapshot, now)
    calls = calls_at(request.app.state.timetable, now)
    lines = board(set(r.stop_ids), now, calls, snapshot, cache.finder().route_names, per_line=3)
    return check_arrival(r, lines, now)


@router.post("", status_code=201)
def create(
    body: ReminderIn, request: Request, cache: CacheDep, queries: QueriesDep
) -> dict[str, object]:
    """Subscribe; then listen on /api/v1/reminders/{id}/events (SSE) for the one message."""
    finder = cache.finder()
    found = finder.resolve(body.stop_id)
    if found is None:
        raise HTTPException(404, detail=f"no stop or station {body.stop_id!r}")
    poles, name = found
    if body.route_id is not None and body.route_id not in finder.route_names:
        raise HTTPException(404, detail=f"no line {body.route_id!r}")
    if body.trip_id is not None and queries.find_trip(body.trip_id) is None:
        raise HTTPException(404, detail=f"no trip {body.trip_id!r}")
    now = float(request.app.state.clock())
    book: ReminderBook = request.app.state.reminders
    book.sweep(now)
    r = book.add(
        Reminder(
            "", body.kind, poles, name, body.route_id, body.direction_id, body.stops_away,
            body.minutes, body.basis, body.trip_id, now,
        )
    )  # fmt: skip
    return r.as_dict()


@router.get("/{reminder_id}")
def state(request: Request, reminder_id: Annotated[str, Path()]) -> dict[str, object]:
    r = request.app.state.reminders.get(reminder_id)
    if r is None:
        raise HTTPException(404, detail=f"no reminder {reminder_id!r}")
    out: dict[str, object] = r.as_dict()
    return out


@router.delete("/{reminder_id}", status_code=204)
def cancel(request: Request, reminder_id: Annotated[str, Path()]) -> None:
    if not request.app.state.reminders.remove(reminder_id):
        raise HTTPException(404, detail=f"no reminder {reminder_id!r}")


@router.get(
    "/{reminder_id}/events",
    response_class=StreamingResponse,
    responses={200: {"description": "text/event-stream: one `reminder` event, or `expired`."}},
)
async def events(
    request: Request, cache: CacheDep, reminder_id: Annotated[str, Path()]
) -> StreamingResponse:
    """Server-Sent Events: a comment every 15 s to keep the line open, then one `reminder`
    event when it holds (or at once, if it already fired), or `expired`."""
    book = request.app.state.reminders
    r = book.get(reminder_id)
    if r is None:
        raise HTTPException(404, detail=f"no reminder {reminder_id!r}")
    poll_s = float(request.app.state.reminder_poll_s)

    async def stream() -> AsyncIterator[bytes]:
        waited = 0.0
        while True:
            now = float(request.app.state.clock())
            if r.fired_unix is None:
                message = _evaluate(request, cache, r, now)
                if message is not None:
                    book.fire(r, message, now)
            if r.fired_unix is not None:
                data = json.dumps(r.as_dict(), ensure_ascii=False)
                yield f"event: reminder\ndata: {data}\n\n".encode()
                return
            if now - r.created_unix > EXPIRES_S:
                yield b"event: expired\ndata: {}\n\n"
                return
            if await request.is_disconnected():
                return
            await asyncio.sleep(poll_s)
            waited += poll_s
            if waited >= 15:
                waited = 0.0
                yield b": still waiting\n\n"

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )
