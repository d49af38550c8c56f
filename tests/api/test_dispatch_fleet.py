"""调度指挥's fleet map, Marey diagram and live push over the API, on the command tests'
city (tests/api/command_helpers.py): V1 late and bunched, V2 on time, V3 early, V4 on
time with a gap, V5 alone on line 2; stop events written to the real store's history."""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from busbrain.access.roles import Role
from busbrain.api import create_app
from busbrain.domain.history import StopEventRecord
from busbrain.domain.live import LiveSnapshot, StopPrediction, VehicleLive
from busbrain.wiring import Store, open_store
from tests.api.command_helpers import NOW, SNAPSHOT, city_store_path, load_city
from tests.api.dispatch_helpers import BASE, Clock, add_user, bearer, cheap_passwords, login
from tests.tinyfeed import TinyFeed

JINZHOU = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 12, 1)
FLEET_LIMIT_BYTES = 150_000


def _local(hh: int, mm: int, ss: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, 1, hh, mm, ss, tzinfo=JINZHOU)


# What V2 did on trip O1 (planned 08:10, 08:13, 08:16 at A1, B1, C1): 1, 2 and 3 min late.
EVENTS = [
    StopEventRecord(
        DAY, "V2", "O1", stop, seq, _local(8, mm), _local(8, mm, 30), True, _local(8, mm, 31)
    )
    for stop, seq, mm in (("A1", 1, 11), ("B1", 2, 15), ("C1", 3, 19))
]


@dataclass
class Live:
    """The live source the test publishes to (the runner's `latest[0]` in the server)."""

    snapshot: LiveSnapshot | None = SNAPSHOT

    def __call__(self) -> LiveSnapshot | None:
        return self.snapshot


@pytest.fixture
def store(tmp_path: Path, tiny: TinyFeed) -> Iterator[Store]:
    st = open_store(city_store_path(tmp_path))
    load_city(st, tiny)
    add_user(st.users, cheap_passwords(), "diaodu", Role.DISPATCHER)
    st.history.add_stop_events(EVENTS)
    yield st
    st.close()


def _app(store: Store, live: Live, *, history: bool = True) -> FastAPI:
    return create_app(
        store.queries,
        live=live,
        schedule=store.schedule,
        clock=Clock(),
        users=store.users,
        passwords=cheap_passwords(),
        history=store.history if history else None,
    )


@pytest.fixture
def live() -> Live:
    return Live()


@pytest.fixture
def client(store: Store, live: Live) -> TestClient:
    return TestClient(_app(store, live))


def _rows(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    fields = body["fields"]
    return {row[0]: dict(zip(fields, row, strict=True)) for row in body["buses"]}


@pytest.mark.parametrize("path", ["/fleet", "/lines/R1/marey"])
def test_without_a_session_the_views_answer_401(client: TestClient, path: str) -> None:
    r = client.get(BASE + path)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"


def test_the_fleet_has_every_bus_with_its_adherence_and_spacing(client: TestClient) -> None:
    login(client, "diaodu")
    r = client.get(f"{BASE}/fleet")
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "no-store"
    body = r.json()
    buses = _rows(body)
    assert sorted(buses) == ["V1", "V2", "V3", "V4", "V5"]
    assert {v: b["adherence"] for v, b in buses.items()} == {
        "V1": "late", "V2": "on_time", "V3": "early", "V4": "on_time", "V5": "on_time",
    }  # fmt: skip
    assert buses["V1"]["spacing"] == "bunched" and buses["V1"]["ahead_vehicle_id"] == "V2"
    assert buses["V1"]["headway_s"] == 180  # due at D1 3 min after V2
    assert buses["V4"]["spacing"] == "gapped"
    assert buses["V1"]["delay_s"] == 400 and buses["V1"]["trip_id"] == "O2"
    assert buses["V1"]["route_id"] == "R1" and buses["V5"]["route_id"] == "R2"
    assert (buses["V1"]["lat"], buses["V1"]["lon"]) == (41.12, 121.139)
    assert buses["V1"]["fix_age_s"] == 5 and buses["V1"]["stale"] == 0
    assert body["lines"]["R1"] == {"line": "1路", "color": "#E03C31"}
    assert body["stops"]["C1"] == "锦州站"
    assert body["counts"]["late"] == 1 and body["counts"]["bunched"] == 1
    assert body["made_at"] == NOW


def test_the_marey_diagram_has_planned_and_actual_times(client: TestClient) -> None:
    login(client, "diaodu")
    r = client.get(f"{BASE}/lines/R1/marey", params={"date": "2026-12-01", "direction_id": 0})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [s["stop_id"] for s in body["stops"]] == ["A1", "B1", "C1", "D1"]
    dists = [s["dist_m"] for s in body["stops"]]
    assert dists == sorted(dists) and dists[-1] > dists[0]
    trips = {t["trip_id"]: t for t in body["trips"]}
    assert sorted(trips) == [f"O{k}" for k in range(6)]
    o1 = trips["O1"]
    planned = [_local(8, mm).timestamp() for mm in (10, 13, 16, 20)]
    assert o1["planned"] == planned
    assert o1["arrival"] == [e.arrival_utc.timestamp() for e in EVENTS] + [None]
    assert o1["departure"] == [e.departure_utc.timestamp() for e in EVENTS] + [None]
    assert o1["vehicle_ids"] == ["V2"]
    assert trips["O0"]["arrival"] == [None] * 4  # no events: planned only
    live = {b["vehicle_id"]: b for b in body["live"]}
    assert sorted(live) == ["V1", "V2"]
    assert dists[1] < live["V1"]["dist_m"] < dists[2]  # between B1 and C1, heading for C1
    assert live["V1"]["adherence"] == "late"
    # a window keeps the trips with a time inside it
    start, end = _local(8, 40).timestamp(), _local(9, 0).timestamp()  # O3 ends 08:40
    r = client.get(f"{BASE}/lines/R1/marey", params={"start": start, "end": end})
    assert [t["trip_id"] for t in r.json()["trips"]] == ["O3", "O4", "O5"]
    back = client.get(f"{BASE}/lines/R1/marey", params={"direction_id": 1}).json()
    assert [s["stop_id"] for s in back["stops"]] == ["D1", "C1", "A2"]
    assert client.get(f"{BASE}/lines/R9/marey").status_code == 404


def test_the_marey_diagram_needs_the_history(store: Store, live: Live) -> None:
    client = TestClient(_app(store, live, history=False))
    login(client, "diaodu")
    assert client.get(f"{BASE}/lines/R1/marey").status_code == 503


def test_the_socket_closes_4401_without_a_session(client: TestClient) -> None:
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect(f"{BASE}/ws") as ws:
        ws.receive_json()
    assert closed.value.code == 4401


def test_the_socket_closes_4403_for_another_sites_page(client: TestClient) -> None:
    login(client, "diaodu")
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect(f"{BASE}/ws", headers={"Origin": "http://evil.example"}) as ws,
    ):
        ws.receive_json()
    assert closed.value.code == 4403


def test_the_socket_delivers_each_new_snapshot_with_the_fleet(
    client: TestClient, live: Live
) -> None:
    token = login(client, "diaodu")
    with client.websocket_connect(f"{BASE}/ws") as ws:  # the session cookie
        first = ws.receive_json()
        assert first == {"type": "snapshot", "made_at": NOW, "vehicles": 5}
        ws.send_json({"subscribe": ["fleet"]})
        with_fleet = ws.receive_json()
        assert with_fleet["made_at"] == NOW
        assert _rows(with_fleet["fleet"])["V1"]["adherence"] == "late"
        v1 = replace(SNAPSHOT.vehicles[0], delay_s=-200.0, fix_unix=NOW + 1)
        live.snapshot = LiveSnapshot(NOW + 2, (v1, *SNAPSHOT.vehicles[1:]))
        began = time.monotonic()
        news = ws.receive_json()
        assert time.monotonic() - began < 3
        assert news["made_at"] == NOW + 2
        assert _rows(news["fleet"])["V1"]["adherence"] == "early"
    client.cookies.clear()
    with client.websocket_connect(f"{BASE}/ws?subscribe=fleet", headers=bearer(token)) as ws:
        assert ws.receive_json()["fleet"]["count"] == 5


def _synthetic_fleet(n: int) -> LiveSnapshot:
    """`n` buses spread over both lines and directions, with plates, trips, predictions
    and loads as a real fleet has them."""
    vehicles = []
    for k in range(n):
        route, direction = ("R1", k % 2) if k % 3 else ("R2", 0)
        stop = ("B1", "C1", "D1")[k % 3] if route == "R1" else "E1"
        vehicles.append(
            VehicleLive(
                f"V{k:04d}",
                NOW - k % 90,
                41.12 + (k % 97) * 1e-4 + 1.23e-6,
                121.13 + (k % 89) * 1e-4 + 4.56e-6,
                bearing=float(k % 360) + 0.4,
                speed_ms=8.3,
                label=f"辽G{10000 + k}",
                trip_id=f"TRIP-{route}-{k:05d}",
                route_id=route,
                direction_id=direction,
                start_date="20261201",
                stop_id=stop,
                stop_sequence=2 + k % 2,
                delay_s=float((k * 37) % 900 - 300) + 0.5,
                predictions=(StopPrediction(stop, 3, NOW + 60.0 + k),),
                predicted_at=NOW - 3,
                occupancy_percent=k % 120,
            )
        )
    return LiveSnapshot(NOW, tuple(vehicles))


def test_a_thousand_bus_fleet_fits_the_size_limit(client: TestClient, live: Live) -> None:
    live.snapshot = _synthetic_fleet(1000)
    login(client, "diaodu")
    r = client.get(f"{BASE}/fleet", headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200
    assert r.json()["count"] == 1000
    assert len(r.content) < FLEET_LIMIT_BYTES, len(r.content)
