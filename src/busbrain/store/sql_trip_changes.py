"""调度指挥's trip changes in a SQL store (`TripChanges`).

Adding a change reads the day's active changes, checks the new one against them
(`busbrain.domain.tripchanges.conflict`), inserts it and appends its audit entry, all in
one transaction: a refused change writes nothing, and no change goes unrecorded.
Revoking sets who revoked it and when (the row stays, so the audit log's ids keep
meaning something), with its audit entry, in one transaction too; a change revoked
meanwhile by someone else is refused.

The kind-specific fields (short-turn range, extra's start and id, hold's stop and end,
swap's buses and block) are kept as JSON in `detail`. Times are stored as UTC.
The `trip_change` table is declared in `schema.py`; migration 0007 creates it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from busbrain.access.records import AuditEntry
from busbrain.domain.errors import BadInputError, StoreError
from busbrain.domain.tripchanges import (
    ChangeKind,
    TripChange,
    TripChangeConflict,
    check,
    conflict,
)
from busbrain.store import schema as s
from busbrain.store.sql_users import append_audit
from busbrain.store.times import from_db, to_utc

trip_change = s.trip_change

_DETAIL_FIELDS = (
    "from_stop_sequence",
    "to_stop_sequence",
    "start_time_s",
    "new_trip_id",
    "stop_id",
    "until_utc",
    "to_vehicle_id",
    "block_id",
)


def _detail(c: TripChange) -> str:
    out: dict[str, object] = {}
    for name in _DETAIL_FIELDS:
        value = getattr(c, name)
        if value is None:
            continue
        out[name] = to_utc(value, name).isoformat() if isinstance(value, dt.datetime) else value
    return json.dumps(out, ensure_ascii=False, sort_keys=True)


def _change(r: Any) -> TripChange:
    detail: dict[str, Any] = json.loads(r.detail)
    until = detail.get("until_utc")
    made = from_db(r.made_utc)
    assert made is not None  # NOT NULL
    service_date = r.service_date
    if isinstance(service_date, str):  # defensive: SQLite hands Date columns back as date
        service_date = dt.date.fromisoformat(service_date)
    return TripChange(
        kind=ChangeKind(r.kind),
        service_date=service_date,
        by=r.made_by,
        at_utc=made,
        trip_id=r.trip_id,
        vehicle_id=r.vehicle_id,
        from_stop_sequence=detail.get("from_stop_sequence"),
        to_stop_sequence=detail.get("to_stop_sequence"),
        start_time_s=detail.get("start_time_s"),
        new_trip_id=detail.get("new_trip_id"),
        stop_id=detail.get("stop_id"),
        until_utc=None if until is None else dt.datetime.fromisoformat(until),
        to_vehicle_id=detail.get("to_vehicle_id"),
        block_id=detail.get("block_id"),
        note=r.note,
        change_id=r.change_id,
        revoked_by=r.revoked_by,
        revoked_utc=from_db(r.revoked_utc),
    )


class SqlTripChanges:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _day(self, conn: Connection, day: dt.date) -> list[TripChange]:
        c = trip_change.c
        query = select(trip_change).where(c.service_date == day).order_by(c.change_id)
        return [_change(r) for r in conn.execute(query)]

    def add(self, change: TripChange, *, audit: AuditEntry) -> TripChange:
        try:
            check(change)
        except ValueError as exc:
            raise BadInputError(str(exc)) from exc
        values = {
            "service_date": change.service_date,
            "kind": change.kind.value,
            "trip_id": change.trip_id,
            "vehicle_id": change.vehicle_id,
            "detail": _detail(change),
            "note": change.note,
            "made_by": change.by,
            "made_utc": to_utc(change.at_utc, "change"),
        }
        try:
            with self.engine.begin() as conn:
                why = conflict(change, self._day(conn, change.service_date))
                if why is not None:
                    raise TripChangeConflict(why)  # rolls back: nothing written
                new_id = conn.execute(
                    insert(trip_change).values(**values).returning(trip_change.c.change_id)
                ).scalar_one()
                detail = {**audit.detail, "change_id": int(new_id)}
                append_audit(conn, AuditEntry(**{**_fields(audit), "detail": detail}))
                r = conn.execute(select(trip_change).where(trip_change.c.change_id == new_id)).one()
        except SQLAlchemyError as exc:
            raise StoreError(f"could not store the trip change: {exc}") from exc
        return _change(r)

    def changes_on(self, day: dt.date, *, include_revoked: bool = False) -> list[TripChange]:
        with self.engine.connect() as conn:
            found = self._day(conn, day)
        return found if include_revoked else [c for c in found if c.active]

    def change(self, change_id: int) -> TripChange | None:
        with self.engine.connect() as conn:
            r = conn.execute(
                select(trip_change).where(trip_change.c.change_id == change_id)
            ).first()
        return None if r is None else _change(r)

    def revoke(
        self, change_id: int, by: str, at_utc: dt.datetime, *, audit: AuditEntry
    ) -> TripChange | None:
        c = trip_change.c
        at = to_utc(at_utc, "revocation")
        try:
            with self.engine.begin() as conn:
                found = conn.execute(select(trip_change).where(c.change_id == change_id)).first()
                if found is None:
                    return None
                done = conn.execute(
                    update(trip_change)
                    .where(c.change_id == change_id, c.revoked_utc.is_(None))
                    .values(revoked_by=by, revoked_utc=at)
                )
                if done.rowcount != 1:
                    raise TripChangeConflict(f"change {change_id} is already revoked")
                append_audit(conn, audit)
                r = conn.execute(select(trip_change).where(c.change_id == change_id)).one()
        except SQLAlchemyError as exc:
            raise StoreError(f"could not revoke trip change {change_id}: {exc}") from exc
        return _change(r)


def _fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at_utc": entry.at_utc,
        "username": entry.username,
        "action": entry.action,
        "target": entry.target,
        "detail": entry.detail,
        "client": entry.client,
    }
