"""安全监管's alarm queue in a SQL store (`AlarmStore`).

Raised alarms are keyed by their event's id (`event_key`, unique), so the bus delivering
an event twice stores one alarm. A decision (acknowledge, assign, resolve) reads the
alarm's row, checks the move with `busbrain.oversight.safety.next_status`, updates the
row only if its status is still the one read, and appends the audit entry, all in one
transaction: no decision goes unrecorded, and two officers deciding the same alarm at the
same moment cannot both win (the second gets AlarmTransitionError).

Times are stored as UTC (on SQLite as SQLAlchemy's sortable text, as sql_users does).

The `alarm` table is declared in `schema.py` with the others; migration 0006 creates it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

import polars as pl
from sqlalchemy import (
    Connection,
    Engine,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from busbrain.access.records import AuditEntry
from busbrain.domain.errors import StoreError
from busbrain.oversight.safety import (
    Alarm,
    AlarmAction,
    AlarmEnded,
    AlarmFile,
    AlarmStatus,
    Decision,
    NewAlarm,
    Severity,
    next_status,
)
from busbrain.store import schema as s
from busbrain.store.sql_users import append_audit
from busbrain.store.times import from_db, to_utc

MAX_PAGE = 1000
KEYS_PER_QUERY = 500
"""Event keys looked up per query (well under SQLite's limit on bound parameters)."""

alarm = s.alarm
alarm_attachment = s.alarm_attachment

POSITION_SCHEMA: dict[str, pl.DataType] = {
    "vehicle_id": pl.String(),
    "ts_utc": pl.Datetime("us", "UTC"),
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "speed_kmh": pl.Float64(),
    "route_id": pl.String(),
}


def _alarm(r: Any) -> Alarm:
    raised = from_db(r.raised_utc)
    assert raised is not None  # NOT NULL
    return Alarm(
        alarm_pk=r.alarm_pk,
        event_key=r.event_key,
        phone=r.phone,
        vehicle_id=r.vehicle_id,
        kind=r.kind,
        level=r.level,
        severity=Severity(r.severity),
        raised_utc=raised,
        cleared_utc=from_db(r.cleared_utc),
        lat=r.lat,
        lon=r.lon,
        alarm_id=r.alarm_id,
        details=json.loads(r.details),
        status=AlarmStatus(r.status),
        assignee=r.assignee,
        decided_by=r.decided_by,
        decided_utc=from_db(r.decided_utc),
        note=r.note,
    )


def _row(a: NewAlarm) -> dict[str, object]:
    return {
        "event_key": a.event_key,
        "phone": a.phone,
        "vehicle_id": a.vehicle_id,
        "kind": a.kind,
        "level": a.level,
        "severity": int(a.severity),
        "raised_utc": to_utc(a.raised_utc, f"alarm {a.event_key}"),
        "cleared_utc": None,
        "lat": a.lat,
        "lon": a.lon,
        "alarm_id": a.alarm_id,
        "details": json.dumps(dict(a.details), ensure_ascii=False, sort_keys=True, default=str),
        "status": AlarmStatus.OPEN.value,
    }


def _chunks(keys: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(keys), KEYS_PER_QUERY):
        yield keys[i : i + KEYS_PER_QUERY]


class SqlAlarmStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add_events(self, raised: list[NewAlarm], ended: list[AlarmEnded]) -> tuple[int, int]:
        rows = {a.event_key: _row(a) for a in raised}  # checks every time before writing
        ends = [(e, to_utc(e.cleared_utc, f"end of {e.kind} on {e.phone}")) for e in ended]
        c = alarm.c
        try:
            with self.engine.begin() as conn:
                for keys in _chunks(list(rows)):
                    for (known,) in conn.execute(select(c.event_key).where(c.event_key.in_(keys))):
                        rows.pop(known, None)
                if rows:
                    conn.execute(insert(alarm), list(rows.values()))
                cleared = sum(self._clear(conn, e, at) for e, at in ends)
        except IntegrityError as exc:
            # another writer stored one of these alarms between the look and the insert:
            # the next delivery of the batch finds them stored and adds the rest
            raise StoreError(f"alarms written concurrently, nothing written: {exc}") from exc
        except SQLAlchemyError as exc:
            raise StoreError(f"could not store alarms, nothing written: {exc}") from exc
        return len(rows), cleared

    def _clear(self, conn: Connection, e: AlarmEnded, at: dt.datetime) -> int:
        c = alarm.c
        query = (
            select(c.alarm_pk)
            .where(
                c.phone == e.phone,
                c.kind == e.kind,
                c.cleared_utc.is_(None),
                c.raised_utc <= at,
            )
            .order_by(c.raised_utc.desc())
            .limit(1)
        )
        if e.alarm_id is not None:
            query = query.where(c.alarm_id == e.alarm_id)
        found = conn.execute(query).scalar_one_or_none()
        if found is None:
            return 0  # already cleared (a redelivery), or its raising was never seen
        conn.execute(update(alarm).where(c.alarm_pk == found).values(cleared_utc=at))
        return 1

    def alarms(
        self,
        *,
        statuses: frozenset[AlarmStatus] | None = None,
        severity: Severity | None = None,
        limit: int = 100,
    ) -> list[Alarm]:
        c = alarm.c
        query = (
            select(alarm)
            .order_by(c.severity.desc(), c.raised_utc.desc(), c.alarm_pk.desc())
            .limit(max(1, min(limit, MAX_PAGE)))
        )
        if statuses is not None:
            query = query.where(c.status.in_(sorted(st.value for st in statuses)))
        if severity is not None:
            query = query.where(c.severity == int(severity))
        with self.engine.connect() as conn:
            return [_alarm(r) for r in conn.execute(query)]

    def alarm(self, alarm_pk: int) -> Alarm | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(alarm).where(alarm.c.alarm_pk == alarm_pk)).first()
        return None if r is None else _alarm(r)

    def add_files(self, files: list[AlarmFile]) -> int:
        # the last of a batch wins for one file (an incomplete upload, then its re-send)
        rows = {
            (f.phone, f.alarm_id, f.file_name): {
                "phone": f.phone,
                "alarm_id": f.alarm_id,
                "file_name": f.file_name,
                "file_type": f.file_type,
                "size_bytes": f.size_bytes,
                "path": f.path,
                "complete": f.complete,
                "received_utc": to_utc(f.received_utc, f"attachment {f.file_name}"),
            }
            for f in files
        }
        if not rows:
            return 0
        c = alarm_attachment.c
        try:
            with self.engine.begin() as conn:
                for phone, alarm_id, name in rows:
                    conn.execute(
                        delete(alarm_attachment).where(
                            c.phone == phone, c.alarm_id == alarm_id, c.file_name == name
                        )
                    )
                conn.execute(insert(alarm_attachment), list(rows.values()))
        except SQLAlchemyError as exc:
            raise StoreError(f"could not store alarm attachments, nothing written: {exc}") from exc
        return len(rows)

    def files(self, phone: str, alarm_id: str) -> list[AlarmFile]:
        c = alarm_attachment.c
        query = (
            select(alarm_attachment)
            .where(c.phone == phone, c.alarm_id == alarm_id)
            .order_by(c.file_name)
        )
        with self.engine.connect() as conn:
            return [
                AlarmFile(
                    phone=r.phone,
                    alarm_id=r.alarm_id,
                    file_name=r.file_name,
                    file_type=r.file_type,
                    size_bytes=r.size_bytes,
                    path=r.path,
                    complete=bool(r.complete),
                    received_utc=from_db(r.received_utc) or dt.datetime.min.replace(tzinfo=dt.UTC),
                )
                for r in conn.execute(query)
            ]

    def decide(self, alarm_pk: int, decision: Decision, *, audit: AuditEntry) -> Alarm | None:
        c = alarm.c
        at = to_utc(decision.at_utc, "decision")
        try:
            with self.engine.begin() as conn:
                r = conn.execute(
                    select(alarm).where(c.alarm_pk == alarm_pk).with_for_update()
                ).first()
                if r is None:
                    return None
                before = AlarmStatus(r.status)
                after = next_status(before, decision.action)  # AlarmTransitionError: rollback
                values: dict[str, object] = {
                    "status": after.value,
                    "decided_by": decision.by,
                    "decided_utc": at,
                }
                if decision.action is AlarmAction.ASSIGN:
                    values["assignee"] = decision.assignee
                if decision.action is AlarmAction.RESOLVE:
                    values["note"] = decision.note
                done = conn.execute(
                    update(alarm)
                    .where(c.alarm_pk == alarm_pk, c.status == before.value)
                    .values(**values)
                )
                if done.rowcount != 1:  # decided by someone else since we read it
                    now = conn.execute(select(c.status).where(c.alarm_pk == alarm_pk)).scalar_one()
                    next_status(AlarmStatus(now), decision.action)
                    raise StoreError(f"alarm {alarm_pk} changed while being decided; try again")
                append_audit(conn, audit)
                r = conn.execute(select(alarm).where(c.alarm_pk == alarm_pk)).one()
        except SQLAlchemyError as exc:
            raise StoreError(f"could not decide alarm {alarm_pk}: {exc}") from exc
        return _alarm(r)

    def alarms_between(self, start_utc: dt.datetime, end_utc: dt.datetime) -> list[Alarm]:
        c = alarm.c
        query = (
            select(alarm)
            .where(
                c.raised_utc >= to_utc(start_utc, "start"),
                c.raised_utc < to_utc(end_utc, "end"),
            )
            .order_by(c.raised_utc, c.alarm_pk)
        )
        with self.engine.connect() as conn:
            return [_alarm(r) for r in conn.execute(query)]

    def positions(
        self, start_utc: dt.datetime, end_utc: dt.datetime, vehicle_ids: set[str] | None = None
    ) -> pl.DataFrame:
        if vehicle_ids is not None and not vehicle_ids:
            return pl.DataFrame(schema=POSITION_SCHEMA)
        p, t = s.position_history.c, s.trip.c
        query = (
            select(p.vehicle_id, p.ts_utc, p.lat, p.lon, p.speed_kmh, t.route_id)
            .select_from(s.position_history.outerjoin(s.trip, t.trip_id == p.trip_id))
            .where(p.ts_utc >= to_utc(start_utc, "start"), p.ts_utc < to_utc(end_utc, "end"))
            .order_by(p.vehicle_id, p.ts_utc)
        )
        if vehicle_ids is not None:
            query = query.where(p.vehicle_id.in_(sorted(vehicle_ids)))
        with self.engine.connect() as conn:
            rows = [(r[0], from_db(r[1]), r[2], r[3], r[4], r[5]) for r in conn.execute(query)]
        return pl.DataFrame(rows, schema=POSITION_SCHEMA, orient="row")
