"""Driver shifts on SQLite and PostgreSQL: a sign-in opens a shift, a sign-out or the next
driver's sign-in closes it, redelivered events change nothing, events out of order still
give the right shifts, and lookups find who drove a bus at an instant."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from busbrain.domain.errors import BadInputError
from busbrain.oversight.drivers import DriverShift, SignIn, SignOut
from busbrain.store.ports import DriverShifts
from busbrain.wiring import Store, open_store

DAY = dt.date(2026, 12, 1)
T0 = dt.datetime(2026, 11, 30, 22, 0, tzinfo=dt.UTC)  # 06:00 on 1 Dec in Jinzhou
H = dt.timedelta(hours=1)


@pytest.fixture
def shifts(store_url: str) -> Iterator[DriverShifts]:
    st: Store = open_store(store_url)
    yield st.drivers
    st.close()


def _in(vehicle: str, driver: str, at: dt.datetime) -> SignIn:
    return SignIn(vehicle, "1" + vehicle[-4:], driver, f"司机{driver[-2:]}", at)


def test_sign_in_out_and_driver_change(shifts: DriverShifts) -> None:
    assert shifts.add_sign_in(_in("V0001", "C001", T0))
    assert not shifts.add_sign_in(_in("V0001", "C001", T0))  # delivered again
    assert shifts.add_sign_in(_in("V0001", "C002", T0 + 7 * H))  # change, no card pulled
    assert shifts.add_sign_out(SignOut("V0001", "10001", T0 + 15 * H))
    assert not shifts.add_sign_out(SignOut("V0001", "10001", T0 + 15 * H))
    assert shifts.add_sign_in(_in("V0002", "C003", T0 + H))
    got = shifts.shifts(DAY, DAY)
    assert got == [
        DriverShift("V0001", "C001", "司机01", T0, T0 + 7 * H, "10001"),
        DriverShift("V0001", "C002", "司机02", T0 + 7 * H, T0 + 15 * H, "10001"),
        DriverShift("V0002", "C003", "司机03", T0 + H, None, "10002"),
    ]
    assert all(s.signed_in_utc.tzinfo is dt.UTC for s in got)
    at = shifts.driver_at("V0001", T0 + 7 * H)
    assert at is not None and at.driver_id == "C002"
    assert shifts.driver_at("V0001", T0 + 6 * H) == got[0]
    assert shifts.driver_at("V0001", T0 + 15 * H) is None
    assert shifts.driver_at("V0001", T0 - H) is None
    assert shifts.driver_at("V0002", T0 + 30 * H) == got[2]  # still signed in
    assert shifts.shifts(DAY + dt.timedelta(days=3), DAY + dt.timedelta(days=3)) == [got[2]]
    assert shifts.shifts(DAY - dt.timedelta(days=3), DAY - dt.timedelta(days=2)) == []


def test_events_out_of_order(shifts: DriverShifts) -> None:
    assert shifts.add_sign_in(_in("V0001", "C002", T0 + 7 * H))  # the later one first
    assert shifts.add_sign_in(_in("V0001", "C001", T0))
    first = shifts.driver_at("V0001", T0 + H)
    assert first is not None and first.signed_out_utc == T0 + 7 * H
    assert shifts.add_sign_out(SignOut("V0001", "10001", T0 + 6 * H))  # card out earlier
    assert shifts.driver_at("V0001", T0 + 6.5 * H) is None
    assert not shifts.add_sign_out(SignOut("V0003", "10003", T0))  # nobody signed in


def test_naive_times_are_refused(shifts: DriverShifts) -> None:
    with pytest.raises(BadInputError, match="naive"):
        shifts.add_sign_in(_in("V0001", "C001", T0.replace(tzinfo=None)))
