"""调度指挥 over the API: the line strip (adherence, headways, 串车 and 大间隔) and text
messages to buses through the command outbox, with 401/403 and the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from busbrain.access.roles import Role
from busbrain.api import create_app
from busbrain.domain.terminals import CommandKind, CommandStatus
from busbrain.wiring import Store, open_store
from tests.api.command_helpers import PHONES, city_store_path, command_app, load_city
from tests.api.dispatch_helpers import BASE, Clock, add_user, bearer, cheap_passwords, login
from tests.tinyfeed import TinyFeed


@pytest.fixture
def store(tmp_path: Path, tiny: TinyFeed) -> Iterator[Store]:
    st = open_store(city_store_path(tmp_path))
    load_city(st, tiny)
    passwords = cheap_passwords()
    add_user(st.users, passwords, "diaodu", Role.DISPATCHER)
    add_user(st.users, passwords, "anquan", Role.SAFETY)
    yield st
    st.close()


@pytest.fixture
def client(store: Store) -> TestClient:
    app = command_app(store)
    return TestClient(app)


def _buses(body: dict[str, object]) -> dict[str, dict[str, object]]:
    return {b["vehicle_id"]: b for d in body["directions"] for b in d["buses"]}  # type: ignore[attr-defined, index]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/lines"),
        ("GET", "/lines/R1/strip"),
        ("GET", "/messages"),
        ("POST", "/messages"),
    ],
)
def test_without_a_session_everything_is_401(client: TestClient, method: str, path: str) -> None:
    r = client.request(method, BASE + path, json={"text": "x", "route_id": "R1"})
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == "Bearer"


def test_a_safety_officer_reads_the_strip_but_may_not_send(client: TestClient) -> None:
    token = login(client, "anquan")
    client.cookies.clear()
    assert client.get(f"{BASE}/lines/R1/strip", headers=bearer(token)).status_code == 200
    assert client.get(f"{BASE}/messages", headers=bearer(token)).status_code == 200
    r = client.post(
        f"{BASE}/messages", json={"text": "请注意", "route_id": "R1"}, headers=bearer(token)
    )
    assert r.status_code == 403 and "send:commands" in r.json()["detail"]


def test_the_strip_shows_a_late_bus_late_with_its_minutes(client: TestClient) -> None:
    login(client, "diaodu")
    r = client.get(f"{BASE}/lines/R1/strip")
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "no-store"
    body = r.json()
    out, back = body["directions"]
    assert [s["stop_id"] for s in out["stops"]] == ["A1", "B1", "C1", "D1"]
    assert [s["stop_id"] for s in back["stops"]] == ["D1", "C1", "A2"]
    buses = _buses(body)
    assert buses["V1"]["adherence"] == "late" and buses["V1"]["delay_min"] == 6.7
    assert buses["V2"]["adherence"] == "on_time"
    assert buses["V3"]["adherence"] == "early" and buses["V3"]["delay_min"] == -1.5
    assert 2 < buses["V1"]["strip_at"] < 3  # between B1 and C1
    assert [b["vehicle_id"] for b in out["buses"]] == ["V2", "V1"]  # lead bus first
    assert (body["late"], body["early"]) == (1, 1)


def test_the_strip_flags_bunching_and_gaps_against_the_scheduled_headway(
    client: TestClient,
) -> None:
    login(client, "diaodu")
    body = client.get(f"{BASE}/lines/R1/strip").json()
    out, back = body["directions"]
    assert out["scheduled_headway_s"] == 600 and back["scheduled_headway_s"] == 600
    buses = _buses(body)
    lead = buses["V2"]
    assert lead["headway_s"] is None and lead["spacing"] == "unknown"
    v1 = buses["V1"]
    assert (v1["ahead_vehicle_id"], v1["headway_s"], v1["headway_source"]) == (
        "V2",
        180,
        "predictions",
    )
    assert v1["bunched"] and not v1["gapped"] and v1["spacing"] == "bunched"
    v4 = buses["V4"]
    assert (v4["ahead_vehicle_id"], v4["headway_s"]) == ("V3", 840)
    assert v4["gapped"] and not v4["bunched"]
    assert (body["bunched"], body["gapped"]) == (1, 1)


def test_the_lines_list_counts_live_bunched_and_gapped_buses(client: TestClient) -> None:
    login(client, "diaodu")
    lines = client.get(f"{BASE}/lines").json()["lines"]
    assert [(ln["line"], ln["live_buses"], ln["bunched"], ln["gapped"]) for ln in lines] == [
        ("1路", 4, 1, 1),
        ("2路", 1, 0, 0),
    ]


def test_an_unknown_line_is_404(client: TestClient) -> None:
    login(client, "diaodu")
    assert client.get(f"{BASE}/lines/R9/strip").status_code == 404


def test_a_message_to_a_line_queues_one_command_per_live_bus_and_is_audited(
    client: TestClient, store: Store
) -> None:
    login(client, "diaodu")
    r = client.post(f"{BASE}/messages", json={"text": " 前方拥堵，请减速 ", "route_id": "R1"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert len(body["command_ids"]) == 4 and body["without_terminal"] == []
    commands = [store.outbox.get(cid) for cid in body["command_ids"]]
    assert sorted(c.phone for c in commands if c) == sorted(PHONES.values())
    for c in commands:
        assert c is not None and c.kind is CommandKind.TEXT
        assert c.status is CommandStatus.PENDING and c.payload["text"] == "前方拥堵，请减速"
        assert PHONES[str(c.payload["vehicle_id"])] == c.phone
    entry = store.users.audit_log(limit=1)[0]
    assert (entry.username, entry.action, entry.target) == ("diaodu", "message_sent", "R1")
    assert entry.detail["command_ids"] == body["command_ids"]
    assert entry.detail["text"] == "前方拥堵，请减速"
    listed = client.get(f"{BASE}/messages?limit=10").json()["messages"]
    assert [m["command_id"] for m in listed] == sorted(body["command_ids"], reverse=True)
    assert {m["status"] for m in listed} == {"pending"} and listed[0]["by"] == "diaodu"


def test_a_message_to_one_bus_goes_to_its_terminal(client: TestClient, store: Store) -> None:
    login(client, "diaodu")
    r = client.post(f"{BASE}/messages", json={"text": "请回场", "vehicle_ids": ["V3"]})
    assert r.status_code == 201, r.text
    (cid,) = r.json()["command_ids"]
    got = store.outbox.get(cid)
    assert got is not None and got.phone == PHONES["V3"] and got.payload["route_id"] == "R1"


@pytest.mark.parametrize(
    "body",
    [
        {"text": "", "route_id": "R1"},
        {"text": "   ", "route_id": "R1"},
        {"text": "长" * 201, "route_id": "R1"},
        {"text": "😀", "route_id": "R1"},  # not GBK: no terminal can show it
        {"text": "好", "route_id": "R1", "vehicle_ids": ["V1"]},  # both targets
        {"text": "好"},  # no target
        {"text": "好", "vehicle_ids": ["V5"]},  # V5 has no terminal
        {"text": "好", "route_id": "R9"},  # no live bus
    ],
)
def test_bad_messages_are_422_and_queue_nothing(
    client: TestClient, store: Store, body: dict[str, object]
) -> None:
    login(client, "diaodu")
    r = client.post(f"{BASE}/messages", json=body)
    assert r.status_code == 422, r.text
    assert store.outbox.recent(CommandKind.TEXT) == []


def test_two_hundred_characters_are_accepted(client: TestClient) -> None:
    login(client, "diaodu")
    r = client.post(f"{BASE}/messages", json={"text": "长" * 200, "vehicle_ids": ["V1"]})
    assert r.status_code == 201, r.text


def test_without_an_outbox_nothing_can_be_sent(store: Store) -> None:
    app = create_app(store.queries, clock=Clock(), users=store.users, passwords=cheap_passwords())
    client = TestClient(app)
    login(client, "diaodu")
    assert client.get(f"{BASE}/messages").json() == {"messages": [], "enabled": False}
    r = client.post(f"{BASE}/messages", json={"text": "好", "vehicle_ids": ["V1"]})
    assert r.status_code == 503
