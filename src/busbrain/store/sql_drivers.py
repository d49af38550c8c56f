"""Driver shifts (驾驶员考勤) in a SQL store (`DriverShifts`).

One row per sign-in. A sign-in closes the vehicle's shift still open from before it (a
driver change without the card pulled); a sign-in that arrives after a later one (the
bus delivered it late) gets the later one's start as its end. A sign-out closes the
shift it falls in; one that is earlier than the end a later sign-in gave that shift
moves the end back to it. Everything is idempotent, because the bus may deliver an
event twice: a sign-in already stored (same vehicle and time) or a sign-out already
applied changes nothing and returns False. Times are stored in UTC; naive ones are
refused with BadInputError. The `driver_shift` table is declared in `schema.py`;
migration 0008 creates it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine, and_, insert, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from busbrain.domain.errors import StoreError
from busbrain.oversight.drivers import DriverShift, SignIn, SignOut, day_window
from busbrain.store import schema as s
from busbrain.store.times import from_db, to_utc

driver_shift = s.driver_shift
c = driver_shift.c


def _shift(r: Any) -> DriverShift:
    signed_in = from_db(r.signed_in_utc)
    assert signed_in is not None  # NOT NULL
    return DriverShift(
        vehicle_id=r.vehicle_id,
        driver_id=r.driver_id,
        driver_name=r.driver_name,
        signed_in_utc=signed_in,
        signed_out_utc=from_db(r.signed_out_utc),
        phone=r.phone,
    )


class SqlDriverShifts:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add_sign_in(self, sign_in: SignIn) -> bool:
        at = to_utc(sign_in.at_utc, "sign-in")
        try:
            with self.engine.begin() as conn:
                same = conn.execute(
                    select(c.shift_id).where(
                        c.vehicle_id == sign_in.vehicle_id, c.signed_in_utc == at
                    )
                ).first()
                if same is not None:
                    return False
                conn.execute(
                    update(driver_shift)
                    .where(
                        c.vehicle_id == sign_in.vehicle_id,
                        c.signed_in_utc < at,
                        or_(c.signed_out_utc.is_(None), c.signed_out_utc > at),
                    )
                    .values(signed_out_utc=at)
                )
                later = conn.execute(
                    select(c.signed_in_utc)
                    .where(c.vehicle_id == sign_in.vehicle_id, c.signed_in_utc > at)
                    .order_by(c.signed_in_utc)
                    .limit(1)
                ).scalar()
                conn.execute(
                    insert(driver_shift).values(
                        vehicle_id=sign_in.vehicle_id,
                        driver_id=sign_in.driver_id,
                        driver_name=sign_in.driver_name,
                        signed_in_utc=at,
                        signed_out_utc=later,
                        phone=sign_in.phone,
                    )
                )
        except SQLAlchemyError as exc:
            raise StoreError(f"could not store the sign-in: {exc}") from exc
        return True

    def add_sign_out(self, sign_out: SignOut) -> bool:
        at = to_utc(sign_out.at_utc, "sign-out")
        try:
            with self.engine.begin() as conn:
                found = conn.execute(
                    select(c.shift_id, c.signed_out_utc)
                    .where(c.vehicle_id == sign_out.vehicle_id, c.signed_in_utc <= at)
                    .order_by(c.signed_in_utc.desc())
                    .limit(1)
                ).first()
                if found is None:
                    return False  # no sign-in seen before it: nothing to close
                ended = from_db(found.signed_out_utc)
                if ended is not None and ended <= at:
                    return False  # already closed (this sign-out again, or an earlier one)
                conn.execute(
                    update(driver_shift)
                    .where(c.shift_id == found.shift_id)
                    .values(signed_out_utc=at)
                )
        except SQLAlchemyError as exc:
            raise StoreError(f"could not store the sign-out: {exc}") from exc
        return True

    def shifts(self, day_from: dt.date, day_to: dt.date) -> list[DriverShift]:
        start, end = day_window(day_from, day_to)
        query = (
            select(driver_shift)
            .where(
                c.signed_in_utc < end,
                or_(c.signed_out_utc.is_(None), c.signed_out_utc > start),
            )
            .order_by(c.vehicle_id, c.signed_in_utc)
        )
        with self.engine.connect() as conn:
            return [_shift(r) for r in conn.execute(query)]

    def driver_at(self, vehicle_id: str, t: dt.datetime) -> DriverShift | None:
        at = to_utc(t, "time")
        with self.engine.connect() as conn:
            return self._at(conn, vehicle_id, at)

    @staticmethod
    def _at(conn: Connection, vehicle_id: str, at: dt.datetime) -> DriverShift | None:
        r = conn.execute(
            select(driver_shift)
            .where(
                and_(c.vehicle_id == vehicle_id, c.signed_in_utc <= at),
                or_(c.signed_out_utc.is_(None), c.signed_out_utc > at),
            )
            .order_by(c.signed_in_utc.desc())
            .limit(1)
        ).first()
        return None if r is None else _shift(r)
