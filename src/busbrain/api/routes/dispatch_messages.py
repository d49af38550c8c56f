"""调度指挥's text messages to buses: POST and GET /api/v1/dispatch/messages.

A message goes to the buses named, or to every live bus of a line, as one JT/T 808
0x8300 text command per bus in the store's command outbox, addressed to the phone of the
bus's terminal (the terminal registry). The gateway sends each when the terminal is
online and records its outcome (acked, failed, timed out, offline); GET lists the latest
with that status. Sending needs `send:commands` and is written to the audit log (who,
when, from where, the text and the command ids). The commands are stamped with the
wall clock, which the gateway's timeouts count from (the app's clock may be the demo's
simulated one); the audit entry with the app's clock, like every other entry.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from busbrain.access.records import AuditAction, AuditEntry
from busbrain.access.roles import Permission
from busbrain.api.auth import Caller, client_address, no_store, now_utc, require
from busbrain.domain.live import LiveSnapshot
from busbrain.domain.terminals import Command, CommandKind
from busbrain.protocol.jt808.errors import LocalProtocolError
from busbrain.protocol.jt808.text import encode_text
from busbrain.store.ports import CommandOutbox, TerminalRegistry

MAX_TEXT_CHARS = 200
TEXT_FLAGS = 0x0C
"""0x8300 flags: show on the terminal's display and read aloud (TTS)."""

router = APIRouter(prefix="/api/v1/dispatch", tags=["dispatch"], dependencies=[Depends(no_store)])

ReaderDep = Annotated[Caller, Depends(require(Permission.READ_COMMAND))]
SenderDep = Annotated[Caller, Depends(require(Permission.SEND_COMMANDS))]


class MessageIn(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    vehicle_ids: list[str] | None = Field(default=None, min_length=1, max_length=2000)
    route_id: str | None = Field(default=None, max_length=200)


class MessageOut(BaseModel):
    command_id: int
    vehicle_id: str | None
    route_id: str | None
    phone: str
    text: str
    status: str
    """pending, sent, acked, failed, unsupported, timed_out or offline."""
    by: str | None
    created_utc: dt.datetime
    sent_utc: dt.datetime | None
    done_utc: dt.datetime | None
    detail: str | None


class SentOut(BaseModel):
    command_ids: list[int]
    messages: list[MessageOut]
    without_terminal: list[str]
    """Live buses of the line that no terminal in the registry belongs to (not sent)."""


class MessagesOut(BaseModel):
    messages: list[MessageOut]
    enabled: bool
    """False on a server started without a command outbox: nothing can be sent."""


def _out(c: Command) -> MessageOut:
    p = c.payload

    def text_of(key: str) -> str | None:
        value = p.get(key)
        return None if value is None else str(value)

    return MessageOut(
        command_id=c.command_id,
        vehicle_id=text_of("vehicle_id"),
        route_id=text_of("route_id"),
        phone=c.phone,
        text=str(p.get("text", "")),
        status=c.status.value,
        by=text_of("by"),
        created_utc=c.created_at,
        sent_utc=c.sent_at,
        done_utc=c.done_at,
        detail=c.detail,
    )


def _commands(request: Request) -> tuple[CommandOutbox, TerminalRegistry]:
    outbox: CommandOutbox | None = request.app.state.outbox
    terminals: TerminalRegistry | None = request.app.state.terminals
    if outbox is None or terminals is None:
        raise HTTPException(
            503, "commands are off: this server was started without a command outbox"
        )
    return outbox, terminals


def _targets(body: MessageIn, request: Request) -> list[tuple[str, str | None]]:
    """(vehicle_id, route_id) of each bus the message is for."""
    if (body.vehicle_ids is None) == (body.route_id is None):
        raise HTTPException(422, "give either vehicle_ids or route_id")
    snap: LiveSnapshot | None = request.app.state.live()
    live = {} if snap is None else {v.vehicle_id: v for v in snap.vehicles}
    if body.vehicle_ids is not None:
        ids = list(dict.fromkeys(body.vehicle_ids))
        return [(vid, live[vid].route_id if vid in live else None) for vid in ids]
    buses = sorted(v.vehicle_id for v in live.values() if v.route_id == body.route_id)
    if not buses:
        raise HTTPException(422, f"no live bus on line {body.route_id!r}")
    return [(vid, body.route_id) for vid in buses]


@router.post("/messages", status_code=201, responses={422: {"description": "Bad text or target."}})
def send_message(body: MessageIn, caller: SenderDep, request: Request) -> SentOut:
    """Send `text` (1–200 characters) to the buses in `vehicle_ids`, or to every live bus
    of the line `route_id`: one 0x8300 command per bus. A named bus without a terminal
    is a 422; on a line, such buses are listed in `without_terminal`."""
    outbox, terminals = _commands(request)
    text = body.text.strip()
    if not text:
        raise HTTPException(422, "the text is empty")
    try:
        encode_text(text, field="text")
    except LocalProtocolError as exc:
        raise HTTPException(422, "the text has characters a terminal cannot show (GBK)") from exc
    targets = _targets(body, request)
    phones = terminals.phones_of({vid for vid, _ in targets})
    missing = [vid for vid, _ in targets if vid not in phones]
    if body.vehicle_ids is not None and missing:
        raise HTTPException(422, f"no terminal for vehicle(s): {', '.join(missing)}")
    stamp = dt.datetime.now(dt.UTC)
    commands: list[tuple[str, CommandKind, dict[str, object]]] = [
        (
            phones[vid],
            CommandKind.TEXT,
            {
                "text": text,
                "flags": TEXT_FLAGS,
                "vehicle_id": vid,
                "route_id": route_id,
                "by": caller.user.username,
            },
        )
        for vid, route_id in targets
        if vid in phones
    ]

    def audit(ids: list[int]) -> AuditEntry:
        return AuditEntry(
            now_utc(request),
            caller.user.username,
            AuditAction.MESSAGE_SENT,
            body.route_id if body.route_id is not None else ",".join(v for v, _ in targets),
            {
                "text": text,
                "command_ids": ids,
                "vehicle_ids": [v for v, _ in targets if v in phones],
                "without_terminal": missing,
            },
            client_address(request),
        )

    # the commands and their audit entry in one transaction
    ids = outbox.enqueue_audited(commands, stamp, audit)
    sent = [c for c in (outbox.get(i) for i in ids) if c is not None]
    return SentOut(command_ids=ids, messages=[_out(c) for c in sent], without_terminal=missing)


@router.get("/messages")
def list_messages(
    _: ReaderDep,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> MessagesOut:
    """The latest text messages to buses, newest first, each with its delivery status
    (none, and `enabled` false, on a server without a command outbox)."""
    outbox: CommandOutbox | None = request.app.state.outbox
    if outbox is None:
        return MessagesOut(messages=[], enabled=False)
    recent = outbox.recent(CommandKind.TEXT, limit=limit)
    return MessagesOut(messages=[_out(c) for c in recent], enabled=True)
