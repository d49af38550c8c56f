"""安全监管 over the API on a real SQLite store: the alarm queue (order, filters), the
safety officer's decisions with their audit entries, 401/403/404/409/422, and the weekly
driving-behaviour scores from stored positions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from busbrain.access.roles import Role
from busbrain.api import create_app
from busbrain.domain.history import PositionRecord
from busbrain.oversight.safety import NewAlarm, parse_speed_limits
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


def _alarm(kind: str, level: int | None, minutes: float, vehicle: str = "V1") -> NewAlarm:
    at = START - dt.timedelta(minutes=minutes)
    return NewAlarm(
        f"alarm_raised/139/{kind}/{at.isoformat()}/", "13900000101", vehicle, kind, level, at,
        41.12, 121.14, "42" if level else None, {"speed_kmh": 40, "attachment_count": 2},
    )  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    st = open_store(f"sqlite:///{tmp_path / 'safety.db'}")
    passwords = cheap_passwords()
    add_user(st.users, passwords, "anquan", Role.SAFETY, display_name="赵安全")
    add_user(st.users, passwords, "diaodu", Role.DISPATCHER)
    add_user(st.users, passwords, "jingli", Role.MANAGER)
    st.alarms.add_events(
        [
            _alarm("dms.phone_call", 2, 10),
            _alarm("camera_fault", None, 1),
            _alarm("adas.lane_departure", 1, 5),
        ],
        [],
    )
    yield st
    st.close()


@pytest.fixture
def client(store: Store) -> TestClient:
    app = create_app(
        empty_network(),
        clock=Clock(),
        users=store.users,
        passwords=cheap_passwords(),
        alarms=store.alarms,
    )
    return TestClient(app)


def _ids(client: TestClient, query: str = "") -> dict[str, int]:
    r = client.get(f"{BASE}/alarms{query}")
    assert r.status_code == 200, r.text
    return {a["kind"]: a["id"] for a in r.json()["alarms"]}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/alarms"),
        ("GET", "/alarms/1"),
        ("POST", "/alarms/1/acknowledge"),
        ("POST", "/alarms/1/assign"),
        ("POST", "/alarms/1/resolve"),
        ("GET", "/safety/behaviour"),
    ],
)
def test_without_a_session_everything_is_401(client: TestClient, method: str, path: str) -> None:
    r = client.request(method, BASE + path, json={"note": "x", "assignee": "anquan"})
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"


def test_the_queue_is_most_severe_first_and_filters(client: TestClient) -> None:
    login(client, "diaodu")  # dispatchers read the module
    r = client.get(f"{BASE}/alarms")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    body = r.json()
    assert body["enabled"] is True
    assert [(a["kind"], a["severity"]) for a in body["alarms"]] == [
        ("dms.phone_call", "high"),
        ("adas.lane_departure", "medium"),
        ("camera_fault", "low"),
    ]
    first = body["alarms"][0]
    assert first["alarm_id"] == "42" and first["attachment_count"] == 2
    assert first["position"] == {"lat": 41.12, "lon": 121.14} and first["status"] == "open"
    assert list(_ids(client, "?severity=medium")) == ["adas.lane_departure"]
    assert client.get(f"{BASE}/alarms?status=nonsense").status_code == 422
    assert client.get(f"{BASE}/alarms/{first['id']}").json()["kind"] == "dms.phone_call"
    assert client.get(f"{BASE}/alarms/999").status_code == 404


def test_a_dispatcher_may_read_but_not_decide(client: TestClient) -> None:
    token = login(client, "diaodu")
    client.cookies.clear()
    listed = client.get(f"{BASE}/alarms", headers=bearer(token))
    assert listed.status_code == 200
    pk = listed.json()["alarms"][0]["id"]
    r = client.post(f"{BASE}/alarms/{pk}/resolve", json={"note": "看过了"}, headers=bearer(token))
    assert r.status_code == 403 and "decide:alarms" in r.json()["detail"]
    login(client, "jingli")  # managers read everything but decide nothing either
    assert client.post(f"{BASE}/alarms/{pk}/acknowledge").status_code == 403


def test_the_safety_officer_acknowledges_assigns_and_resolves_with_audit(
    client: TestClient, store: Store
) -> None:
    login(client, "anquan")
    pk = _ids(client)["dms.phone_call"]
    r = client.post(f"{BASE}/alarms/{pk}/acknowledge")
    assert r.status_code == 200, r.text
    acked = r.json()
    assert acked["status"] == "acknowledged" and acked["decided_by"] == "anquan"
    assert acked["decided_utc"] == "2026-12-01T00:30:00Z"
    again = client.post(f"{BASE}/alarms/{pk}/acknowledge")
    assert again.status_code == 409 and "acknowledged already" in again.json()["detail"]
    assert client.post(f"{BASE}/alarms/{pk}/assign", json={"assignee": "nobody"}).status_code == 422
    r = client.post(f"{BASE}/alarms/{pk}/assign", json={"assignee": "DiaoDu"})
    assert r.status_code == 200 and r.json()["assignee"] == "diaodu"
    assert client.post(f"{BASE}/alarms/{pk}/resolve", json={"note": "  "}).status_code == 422
    assert client.post(f"{BASE}/alarms/{pk}/resolve", json={}).status_code == 422
    r = client.post(f"{BASE}/alarms/{pk}/resolve", json={"note": "已电话提醒驾驶员"})
    assert r.status_code == 200 and r.json()["note"] == "已电话提醒驾驶员"
    twice = client.post(f"{BASE}/alarms/{pk}/resolve", json={"note": "again"})
    assert twice.status_code == 409 and "resolved already" in twice.json()["detail"]
    assert client.post(f"{BASE}/alarms/999/acknowledge").status_code == 404
    assert _ids(client, "?status=active").keys() == {"camera_fault", "adas.lane_departure"}
    decisions = [e for e in store.users.audit_log() if e.action.startswith("alarm_")]
    assert [e.action for e in reversed(decisions)] == [
        "alarm_acknowledged",
        "alarm_assigned",
        "alarm_resolved",
    ]
    resolved = decisions[0]
    assert (resolved.username, resolved.target, resolved.client) == (
        "anquan",
        f"alarm/{pk}",
        "testclient",
    )
    assert resolved.at_utc == START and resolved.detail["note"] == "已电话提醒驾驶员"
    assert resolved.detail["from_status"] == "assigned"
    assert resolved.detail["kind"] == "dms.phone_call"


def test_without_an_alarm_store_the_queue_is_off(store: Store) -> None:
    app = create_app(empty_network(), clock=Clock(), users=store.users, passwords=cheap_passwords())
    client = TestClient(app)
    login(client, "anquan")
    assert client.get(f"{BASE}/alarms").json() == {"alarms": [], "enabled": False}
    assert client.post(f"{BASE}/alarms/1/acknowledge").status_code == 503


def test_the_weekly_behaviour_scores_the_vehicles(client: TestClient, store: Store) -> None:
    # V1 drives 36 km/h north for an hour at 10 s (36 km), then brakes 40 → 10 km/h in 2 s
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
    login(client, "anquan")
    r = client.get(f"{BASE}/safety/behaviour")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["week_start"] == "2026-11-30" and body["speed_limit_kmh"] == 60.0
    (v1,) = body["vehicles"]
    assert v1["vehicle_id"] == "V1" and v1["km"] == pytest.approx(36.0, abs=0.2)
    assert v1["events"] == {"harsh_braking": 1, "dms.phone_call": 1, "adas.lane_departure": 1}
    assert v1["points"] == 3 + 3 + 1
    assert v1["score"] == pytest.approx(100 - 2 * 7 * 100 / v1["km"], abs=0.1)
    assert [e["kind"] for e in body["events"]] == ["harsh_braking"]
    other = client.get(f"{BASE}/safety/behaviour?week=2026-11-01").json()
    assert other["vehicles"] == [] and other["week_start"] == "2026-10-26"


def test_speeding_is_judged_against_the_configured_table(store: Store) -> None:
    table = (
        "scope,name,route_id,min_lat,min_lon,max_lat,max_lon,limit_kmh\n"
        "default,,,,,,,60\n"
        "zone,实验小学,,41.05,121.0,41.10,121.2,30\n"
    )
    app = create_app(
        empty_network(),
        clock=Clock(),
        users=store.users,
        passwords=cheap_passwords(),
        alarms=store.alarms,
        speed_limits=parse_speed_limits(table),
    )
    client = TestClient(app)
    base = START - dt.timedelta(hours=2)  # 36 km/h north through the school zone
    store.history.add_positions(
        [
            PositionRecord(
                "V1", base + dt.timedelta(seconds=10 * k), 41.0 + 0.0009 * k, 121.1, 36.0
            )
            for k in range(200)
        ]
    )
    login(client, "anquan")
    body = client.get(f"{BASE}/safety/behaviour").json()
    speeding = [e for e in body["events"] if e["kind"] == "speeding"]
    assert len(speeding) == 1 and speeding[0]["limit_kmh"] == 30.0
    assert 41.05 <= speeding[0]["position"]["lat"] <= 41.10  # where the zone begins
    # 41.05 → 41.10 at 0.0009° a fix, 10 s apart: about 550 s inside the zone
    start, end = (dt.datetime.fromisoformat(speeding[0][k]) for k in ("start_utc", "end_utc"))
    assert 500 <= (end - start).total_seconds() <= 600
    assert body["speed_limits"]["zones"] == [{"name": "实验小学", "limit_kmh": 30.0}]


def test_a_bad_speed_limit_table_is_refused_naming_the_line() -> None:
    with pytest.raises(ValueError, match="line 3: limit_kmh 'fast' is not a number"):
        parse_speed_limits("scope,route_id,limit_kmh\nroute,1,40\nroute,2,fast\n")
    with pytest.raises(ValueError, match="line 2: scope 'road' is not"):
        parse_speed_limits("scope,limit_kmh\nroad,40\n")
    limits = parse_speed_limits("scope,route_id,limit_kmh\nroute,1,40\n")
    assert limits.by_route == {"1": 40.0} and limits.default_kmh == 60.0
