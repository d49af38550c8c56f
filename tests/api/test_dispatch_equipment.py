"""设备监管 over the API, on an equipment state fed with a small simulated fleet of known
truth (times relative to the app's clock, 08:30 in Jinzhou):

- V1 (line R1, depot 一车队) reports every 10 s: healthy;
- V2 (R1, 一车队) went silent 5 min ago on its trip: the alarm, and R1 is 1 of 2 online;
- V3 (R2, 二车队) reports by a clock 120 s behind: clock skew;
- V4 (二车队) is parked, reporting, not in service; its camera broke 8 min ago (alarm
  word bit 11 in its fixes since): a device fault.

Every role reads the module (read:equipment), so there is no 403 to test; 401 without a
session, 422 for an unknown problem, 503 on an app without the equipment state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from busbrain.access.roles import Role
from busbrain.api import create_app
from busbrain.domain.events import VehicleLocation
from busbrain.oversight.equipment import Equipment
from busbrain.protocol.jt808.messages.location_flags import AlarmFlag
from busbrain.wiring import Store, open_store
from tests.api.dispatch_helpers import (
    BASE,
    START,
    Clock,
    add_user,
    bearer,
    cheap_passwords,
    empty_network,
    login,
)

NOW = START.timestamp()
FLEET = {  # vehicle: (phone, depot, route, trip, last report s before now, clock behind s)
    "V1": ("13900000001", "一车队", "R1", "O1", 0, 0),
    "V2": ("13900000002", "一车队", "R1", "O2", 300, 0),
    "V3": ("13900000003", "二车队", "R2", "T3", 0, 120),
    "V4": ("13900000004", "二车队", None, None, 0, 0),
}
FAULTS = {"V4": (int(AlarmFlag.CAMERA_FAULT), 480)}  # vehicle: (alarm bits, since s before now)
ROLES = {"diaodu": Role.DISPATCHER, "anquan": Role.SAFETY, "jingli": Role.MANAGER}


def fleet() -> Equipment:
    eq = Equipment()
    for vid, (phone, _depot, _route, _trip, silent_s, behind_s) in FLEET.items():
        for k in range(60):  # ten minutes of fixes every 10 s, driving north at 36 km/h
            after = -600 + 10 * k
            if after > -silent_s:
                break
            received = START + dt.timedelta(seconds=after)
            bits, since_s = FAULTS.get(vid, (0, 0))
            eq.observe(
                VehicleLocation(
                    phone=phone,
                    vehicle=vid,
                    ts_utc=received - dt.timedelta(seconds=behind_s),
                    lat_deg=41.12 + 0.0009 * k,
                    lon_deg=121.14,
                    speed_kmh=36.0,
                    heading_deg=0.0,
                    altitude_m=20.0,
                    received_utc=received,
                    alarm_bits=bits if after >= -since_s else 0,
                    status_bits=0b11,
                    extra={"gnss_satellites": 11},
                ),
                received.timestamp(),
            )
    eq.note_registry({p: (depot, f"辽G{v}") for v, (p, depot, *_) in FLEET.items()})
    eq.note_service([(v, r, t) for v, (_p, _d, r, t, *_) in FLEET.items()], NOW)
    return eq


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    st = open_store(f"sqlite:///{tmp_path / 'equipment.db'}")
    passwords = cheap_passwords()
    for name, role in ROLES.items():
        add_user(st.users, passwords, name, role)
    yield st
    st.close()


def _client(store: Store, devices: Equipment | None) -> TestClient:
    app = create_app(
        empty_network(),
        clock=Clock(),
        users=store.users,
        passwords=cheap_passwords(),
        devices=devices,
    )
    return TestClient(app)


@pytest.fixture
def client(store: Store) -> TestClient:
    return _client(store, fleet())


@pytest.mark.parametrize("path", ["/summary", "/terminals", "/alarms"])
def test_without_a_session_it_is_401(client: TestClient, path: str) -> None:
    r = client.get(f"{BASE}/equipment{path}")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("username", sorted(ROLES))
def test_every_role_reads_the_module(client: TestClient, username: str) -> None:
    r = client.get(f"{BASE}/equipment/summary", headers=bearer(login(client, username)))
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"


def test_the_summary_has_the_online_rates_and_problems(client: TestClient) -> None:
    login(client, "diaodu")
    body = client.get(f"{BASE}/equipment/summary").json()
    totals = body["totals"]
    assert (totals["in_service"], totals["reporting"], totals["online_rate_pct"]) == (3, 2, 66.7)
    assert (totals["terminals"], totals["day_samples"], totals["day_online_rate_pct"]) == (
        4,
        3,
        66.7,
    )
    lines = {ln["route_id"]: ln for ln in body["lines"]}
    assert (lines["R1"]["in_service"], lines["R1"]["reporting"]) == (2, 1)
    assert lines["R1"]["online_rate_pct"] == 50.0 and lines["R1"]["line"] == "R1"
    assert lines["R2"]["online_rate_pct"] == 100.0
    depots = {d["depot"]: d for d in body["depots"]}
    assert (depots["一车队"]["in_service"], depots["一车队"]["online_rate_pct"]) == (2, 50.0)
    assert (depots["二车队"]["terminals"], depots["二车队"]["in_service"]) == (2, 1)
    assert body["problems"]["silent"] == 1 and body["problems"]["clock_skew"] == 1
    assert body["problems"]["jumps"] == 0 and body["problems"]["counter_silent"] == 0
    assert body["problems"]["device_fault"] == 1
    assert body["faults"]["camera_fault"] == 1 and body["faults"]["power_lost"] == 0
    assert body["fault_labels"]["camera_fault"] == {"zh": "摄像头故障", "en": "Camera fault"}
    assert (depots["一车队"]["device_faults"], depots["二车队"]["device_faults"]) == (0, 1)
    assert lines["R2"]["device_faults"] == 0 and totals["device_faults"] == 1
    assert body["alarms"] == 1
    assert body["rules"]["silent_in_service_s"] == 180.0
    assert body["service_day"] == "2026-12-01"


def test_terminals_by_problem_and_line(client: TestClient) -> None:
    login(client, "anquan")
    body = client.get(f"{BASE}/equipment/terminals").json()
    rows = {r["vehicle_id"]: r for r in body["terminals"]}
    assert body["count"] == 4
    assert [r["vehicle_id"] for r in body["terminals"]][:2] == ["V2", "V3"]  # problems first
    assert rows["V3"]["clock_skew_s"] == 120.0 and rows["V3"]["problems"] == ["clock_skew"]
    assert rows["V2"]["last_report_age_s"] == 300 and rows["V2"]["problems"] == ["silent"]
    assert rows["V1"]["invalid_fix_pct"] == 0.0 and rows["V1"]["satellites"] == 11
    assert rows["V1"]["plate"] == "辽GV1" and rows["V1"]["depot"] == "一车队"
    assert rows["V4"]["in_service"] is False and rows["V4"]["trip_id"] is None
    assert rows["V4"]["problems"] == ["device_fault"]
    assert rows["V4"]["faults"] == [
        {
            "code": "camera_fault",
            "label_zh": "摄像头故障",
            "label_en": "Camera fault",
            "since_utc": "2026-12-01T00:22:00+00:00",
        }
    ]
    assert rows["V1"]["faults"] == [] and rows["V3"]["faults"] == []
    broken = client.get(f"{BASE}/equipment/terminals?problem=device_fault").json()
    assert [r["vehicle_id"] for r in broken["terminals"]] == ["V4"]
    skewed = client.get(f"{BASE}/equipment/terminals?problem=clock_skew").json()
    assert [r["vehicle_id"] for r in skewed["terminals"]] == ["V3"]
    on_r1 = client.get(f"{BASE}/equipment/terminals?route_id=R1").json()
    assert sorted(r["vehicle_id"] for r in on_r1["terminals"]) == ["V1", "V2"]
    depot = client.get(f"{BASE}/equipment/terminals?depot=二车队").json()
    assert sorted(r["vehicle_id"] for r in depot["terminals"]) == ["V3", "V4"]
    assert client.get(f"{BASE}/equipment/terminals?problem=broken").status_code == 422


def test_terminals_as_csv(client: TestClient) -> None:
    login(client, "jingli")
    r = client.get(f"{BASE}/equipment/terminals?format=csv")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeffvehicle_id,plate,phone,depot,")
    lines = text.strip().split("\r\n")
    assert len(lines) == 5
    v2 = next(ln for ln in lines if ln.startswith("V2,"))
    assert ",一车队,R1,R1,O2,True,True,2026-12-01 08:25:00,300," in v2
    assert v2.endswith(",,,silent")  # no device fault: faults and faults_since empty
    v4 = next(ln for ln in lines if ln.startswith("V4,"))
    assert v4.endswith(",camera_fault,2026-12-01 08:22:00,device_fault")


def test_the_alarms_are_the_buses_silent_in_service(client: TestClient) -> None:
    login(client, "diaodu")
    body = client.get(f"{BASE}/equipment/alarms").json()
    assert body["alarms"] == [
        {
            "vehicle_id": "V2",
            "plate": "辽GV2",
            "phone": "13900000002",
            "depot": "一车队",
            "route_id": "R1",
            "line": "R1",
            "trip_id": "O2",
            "since_utc": "2026-12-01T00:25:00+00:00",
            "age_s": 300,
        }
    ]


def test_without_the_equipment_state_it_is_503(store: Store) -> None:
    client = _client(store, None)
    login(client, "diaodu")
    r = client.get(f"{BASE}/equipment/summary")
    assert r.status_code == 503
    assert "equipment" in r.json()["detail"]
