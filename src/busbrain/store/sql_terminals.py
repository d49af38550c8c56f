"""The terminal registry and the command outbox in a SQL store."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, case, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from busbrain.access.records import AuditEntry
from busbrain.domain.errors import StoreError
from busbrain.domain.terminals import (
    Command,
    CommandKind,
    CommandStatus,
    RegisterResult,
    TerminalRecord,
)
from busbrain.store import schema as s
from busbrain.store.ports import TerminalInfo
from busbrain.store.sql_users import append_audit


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _record(r: Any) -> TerminalRecord:
    return TerminalRecord(
        phone=r.phone,
        plate=r.plate,
        plate_colour=r.plate_colour,
        vehicle_id=r.vehicle_id,
        depot=r.depot,
        auth_code=r.auth_code,
        registered_at=_utc(r.registered_at),
    )


class SqlTerminalRegistry:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def find_terminal(self, phone: str) -> TerminalRecord | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(s.terminal).where(s.terminal.c.phone == phone)).first()
        return None if r is None else _record(r)

    def register(
        self,
        phone: str,
        info: TerminalInfo,
        *,
        auth_code: str,
        now: dt.datetime,
        open_registration: bool,
    ) -> RegisterResult:
        t = s.terminal.c
        reported = {
            "maker": info.maker,
            "model": info.model,
            "terminal_id": info.terminal_id,
            "auth_code": auth_code,
            "registered_at": now,
        }
        with self.engine.begin() as conn:
            known = conn.execute(select(t.phone).where(t.phone == phone)).first()
            if known is None:
                if not open_registration:
                    return RegisterResult.TERMINAL_NOT_IN_DATABASE
                conn.execute(
                    insert(s.terminal).values(
                        phone=phone, plate=info.plate, plate_colour=info.plate_colour, **reported
                    )
                )
                return RegisterResult.OK
            conn.execute(update(s.terminal).where(t.phone == phone).values(**reported))
        return RegisterResult.OK

    def authenticate(self, phone: str, auth_code: str) -> bool:
        record = self.find_terminal(phone)
        return record is not None and record.auth_code is not None and record.auth_code == auth_code

    def unregister(self, phone: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(s.terminal).where(s.terminal.c.phone == phone).values(auth_code=None)
            )

    def vehicle_ids(self) -> set[str]:
        """Every vehicle id the registry knows (terminals without one are left out)."""
        t = s.terminal.c
        with self.engine.connect() as conn:
            return {
                r[0] for r in conn.execute(select(t.vehicle_id).where(t.vehicle_id.is_not(None)))
            }

    def phones_of(self, vehicle_ids: set[str]) -> dict[str, str]:
        """vehicle_id -> phone for the vehicles asked for (the registry is one row per
        bus: read it whole rather than build a long IN (...) clause)."""
        if not vehicle_ids:
            return {}
        t = s.terminal.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.vehicle_id, t.phone).where(t.vehicle_id.is_not(None)).order_by(t.phone)
            ).all()
        found: dict[str, str] = {}
        for vehicle_id, phone in rows:
            if vehicle_id in vehicle_ids:
                found.setdefault(vehicle_id, phone)
        return found

    def upsert_terminals(self, records: list[TerminalRecord]) -> int:
        t = s.terminal.c
        try:
            with self.engine.begin() as conn:
                for rec in records:
                    values = {
                        "plate": rec.plate,
                        "plate_colour": rec.plate_colour,
                        "vehicle_id": rec.vehicle_id,
                        "depot": rec.depot,
                    }
                    done = conn.execute(
                        update(s.terminal).where(t.phone == rec.phone).values(**values)
                    )
                    if done.rowcount == 0:
                        conn.execute(insert(s.terminal).values(phone=rec.phone, **values))
        except SQLAlchemyError as exc:
            raise StoreError(f"terminal import failed, registry unchanged: {exc}") from exc
        return len(records)


def _command(r: Any) -> Command:
    return Command(
        command_id=r.command_id,
        phone=r.phone,
        kind=CommandKind(r.kind),
        payload=json.loads(r.payload),
        status=CommandStatus(r.status),
        created_at=_utc(r.created_at) or dt.datetime.min.replace(tzinfo=dt.UTC),
        sent_at=_utc(r.sent_at),
        done_at=_utc(r.done_at),
        serial=r.serial,
        detail=r.detail,
    )


class SqlCommandOutbox:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def enqueue(
        self, phone: str, kind: CommandKind, payload: dict[str, object], now: dt.datetime
    ) -> int:
        with self.engine.begin() as conn:
            return _insert_command(conn, phone, kind, payload, now)

    def enqueue_audited(
        self,
        commands: list[tuple[str, CommandKind, dict[str, object]]],
        now: dt.datetime,
        audit: Callable[[list[int]], AuditEntry],
    ) -> list[int]:
        with self.engine.begin() as conn:
            ids = [_insert_command(conn, *command, now) for command in commands]
            append_audit(conn, audit(ids))
            return ids

    def pending(self, phones: set[str] | None = None, limit: int = 100) -> list[Command]:
        """Pending commands, oldest first. Few are ever pending, while `phones` (every
        terminal online) may hold thousands: so filter here, not in an IN (...) clause."""
        c = s.command_outbox.c
        if phones is not None and not phones:
            return []
        query = select(s.command_outbox).where(c.status == CommandStatus.PENDING.value)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(c.command_id)).all()
        found = [_command(r) for r in rows if phones is None or r.phone in phones]
        return found[:limit]

    def mark_sent(self, command_id: int, serial: int, now: dt.datetime) -> None:
        """Record the send; a command already finished (a quick answer) keeps its outcome."""
        status = s.command_outbox.c.status
        pending = CommandStatus.PENDING.value
        self._set(
            command_id,
            status=case((status == pending, CommandStatus.SENT.value), else_=status),
            serial=serial,
            sent_at=now,
        )

    def finish(
        self, command_id: int, status: CommandStatus, now: dt.datetime, detail: str | None = None
    ) -> None:
        self._set(command_id, status=status.value, done_at=now, detail=detail)

    def get(self, command_id: int) -> Command | None:
        c = s.command_outbox.c
        with self.engine.connect() as conn:
            r = conn.execute(select(s.command_outbox).where(c.command_id == command_id)).first()
        return None if r is None else _command(r)

    def recent(self, kind: CommandKind, *, limit: int = 50) -> list[Command]:
        c = s.command_outbox.c
        query = (
            select(s.command_outbox)
            .where(c.kind == kind.value)
            .order_by(c.command_id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [_command(r) for r in conn.execute(query).all()]

    def _set(self, command_id: int, **values: object) -> None:
        c = s.command_outbox.c
        with self.engine.begin() as conn:
            conn.execute(
                update(s.command_outbox).where(c.command_id == command_id).values(**values)
            )


def _insert_command(
    conn: Connection, phone: str, kind: CommandKind, payload: dict[str, object], now: dt.datetime
) -> int:
    result = conn.execute(
        insert(s.command_outbox)
        .values(
            phone=phone,
            kind=kind.value,
            payload=json.dumps(payload, ensure_ascii=False),
            status=CommandStatus.PENDING.value,
            created_at=now,
        )
        .returning(s.command_outbox.c.command_id)
    )
    return int(result.scalar_one())
