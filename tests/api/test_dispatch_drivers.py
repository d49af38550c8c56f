"""Who drove: 运营监管's waybills name the driver signed in at each trip's departure and
filter by driver, and 安全监管's behaviour table scores drivers, on a real SQLite store
with IC card shifts stored through the `DriverShifts` port.

Operations: the city of test_dispatch_operations (VA runs O0 leaving A1 at 08:04 and I1
leaving D1 at 08:16; VB runs O1 and I2). 张伟 signs in on VA at 07:30, 李娜 takes over
at 08:15 (no card pulled between): O0 is 张伟's, I1 李娜's; nobody signed in on VB.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from busbrain.access.roles import Role
from busbrain.api import create_app
from busbrain.domain.history import PositionRecord
from busbrain.oversight.drivers import SignIn, SignOut
from busbrain.wiring import Store, open_store
from tests.api.command_helpers import city_store_path, load_city
from tests.api.dispatch_helpers import BASE, START, Clock, add_user, cheap_passwords, login
from tests.api.test_dispatch_operations import SNAPSHOT, _at, _events
from tests.tinyfeed import TinyFeed

ZHANG = "210703198805120012"
LI = "210703199001010034"


@pytest.fixture
def store(tmp_path: Path, tiny: TinyFeed) -> Iterator[Store]:
    st = open_store(city_store_path(tmp_path))
    load_city(st, tiny)
    passwords = cheap_passwords()
    add_user(st.users, passwords, "diaodu", Role.DISPATCHER)
    add_user(st.users, passwords, "anquan", Role.SAFETY)
    st.history.add_stop_events(_events())
    st.drivers.add_sign_in(SignIn("VA", "14100000001", ZHANG, "张伟", _at("07:30")))
    st.drivers.add_sign_in(SignIn("VA", "14100000001", LI, "李娜", _at("08:15")))
    yield st
    st.close()


@pytest.fixture
def client(store: Store) -> TestClient:
    clock = Clock()
    clock.now = START + dt.timedelta(minutes=20)  # 08:50
    app = create_app(
        store.queries,
        live=lambda: SNAPSHOT,
        schedule=store.schedule,
        clock=clock,
        users=store.users,
        passwords=cheap_passwords(),
        history=store.history,
        alarms=store.alarms,
        drivers=store.drivers,
    )
    return TestClient(app)


def test_each_trip_names_the_driver_signed_in_at_its_departure(client: TestClient) -> None:
    login(client, "diaodu")
    r = client.get(f"{BASE}/operations/waybills", params={"date": "2026-12-01"})
    assert r.status_code == 200, r.text
    va, vb = r.json()["vehicles"]
    o0, i1 = va["trips"]
    assert o0["driver"] == {"driver_id": ZHANG, "name": "张伟"}
    assert i1["driver"] == {"driver_id": LI, "name": "李娜"}
    assert va["driver"] == "张伟、李娜"
    assert va["drivers"] == [o0["driver"], i1["driver"]]
    assert vb["driver"] is None and all(t["driver"] is None for t in vb["trips"])


def test_one_drivers_waybill(client: TestClient) -> None:
    login(client, "diaodu")
    r = client.get(f"{BASE}/operations/waybills", params={"date": "2026-12-01", "driver_id": LI})
    assert r.status_code == 200, r.text
    (va,) = r.json()["vehicles"]
    assert va["vehicle_id"] == "VA" and [t["trip_id"] for t in va["trips"]] == ["I1"]
    assert va["driver"] == "李娜" and va["trips_run"] == 1
    csv_r = client.get(
        f"{BASE}/operations/waybills",
        params={"date": "2026-12-01", "driver_id": ZHANG, "format": "csv"},
    )
    (row,) = list(csv.DictReader(io.StringIO(csv_r.text.lstrip("\ufeff"))))
    assert (row["trip_id"], row["driver_id"], row["driver"]) == ("O0", ZHANG, "张伟")
    nobody = client.get(f"{BASE}/operations/waybills", params={"driver_id": "nobody"})
    assert nobody.status_code == 404
    other_bus = client.get(
        f"{BASE}/operations/waybills", params={"driver_id": LI, "vehicle_id": "VB"}
    )
    assert other_bus.status_code == 404


def test_the_behaviour_table_is_per_driver(client: TestClient, store: Store) -> None:
    # V1 drives 36 km/h north for an hour at 10 s from 06:30 (36 km); 王强 until 07:10,
    # then nobody (card pulled) until 刘洋 signs in at 07:15; 刘洋 brakes hard at 07:30.
    base = START - dt.timedelta(hours=2)
    rows = [
        PositionRecord("V1", base + dt.timedelta(seconds=10 * k), 41.0 + 0.0009 * k, 121.1, 36.0)
        for k in range(360)
    ]
    end = base + dt.timedelta(seconds=3600)
    rows += [
        PositionRecord("V1", end + dt.timedelta(seconds=k), 41.324, 121.1, v)
        for k, v in enumerate([40.0, 25.0, 10.0, 10.0])
    ]
    store.history.add_positions(rows)
    m = dt.timedelta(minutes=1)
    store.drivers.add_sign_in(SignIn("V1", "14100000009", "W1", "王强", base - 5 * m))
    store.drivers.add_sign_out(SignOut("V1", "14100000009", base + 40 * m))
    store.drivers.add_sign_in(SignIn("V1", "14100000009", "L2", "刘洋", base + 45 * m))
    login(client, "anquan")
    body = client.get(f"{BASE}/safety/behaviour").json()
    assert body["per"] == "driver"
    rows_by = {(d["driver_id"], d["vehicle_id"]): d for d in body["drivers"]}
    assert set(rows_by) == {("W1", None), ("L2", None), (None, "V1")}
    wang, liu, nobody = rows_by["W1", None], rows_by["L2", None], rows_by[None, "V1"]
    assert (wang["name"], wang["vehicles"], wang["events"]) == ("王强", ["V1"], {})
    assert wang["km"] == pytest.approx(24.0, abs=0.2) and wang["score"] == 100.0
    assert nobody["km"] == pytest.approx(3.0, abs=0.2) and nobody["name"] is None
    assert liu["km"] == pytest.approx(9.0, abs=0.2) and liu["events"] == {"harsh_braking": 1}
    assert liu["score"] is None  # under 20 km: too little driving to judge
    assert sum(d["km"] for d in body["drivers"]) == pytest.approx(body["vehicles"][0]["km"])
    (brake,) = body["events"]
    assert (brake["driver_id"], brake["driver"]) == ("L2", "刘洋")


def test_without_shifts_the_behaviour_table_stays_per_vehicle(
    client: TestClient, store: Store
) -> None:
    login(client, "anquan")
    body = client.get(f"{BASE}/safety/behaviour", params={"week": "2026-11-02"}).json()
    assert (body["per"], body["drivers"]) == ("vehicle", [])
