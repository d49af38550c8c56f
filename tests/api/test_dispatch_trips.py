"""调度指挥's trip commands over the API on the command city (tests/api/command_helpers:
08:30, line 1 outbound every 10 minutes, O3 leaving A1 at 08:30 with no bus on it yet):
cancel, short-turn, extra trip, hold and swap, each stored with its audit entry and
shown to riders — GTFS-Realtime (checked by the third-party validator) and the arrivals
boards — with 401/403/404/409/422 and revoking."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from google.transit import gtfs_realtime_pb2

from busbrain.access.roles import Role
from busbrain.api import create_app
from busbrain.domain.gtfstime import service_day_start
from busbrain.domain.live import LiveSnapshot
from busbrain.domain.terminals import CommandKind
from busbrain.domain.tripchanges import TripChange
from busbrain.realtime.fixes import Fix
from busbrain.realtime.live import LiveProcessor
from busbrain.realtime.rtnet import RtNetwork
from busbrain.store.days import load_day_network, network_timezone
from busbrain.wiring import Store, open_store
from tests.api.command_helpers import (
    NOW,
    PHONES,
    SNAPSHOT,
    city_store_path,
    command_app,
    load_city,
)
from tests.api.dispatch_helpers import BASE, Clock, add_user, bearer, cheap_passwords, login
from tests.api.test_gtfsrt import _errors, _validate
from tests.tinyfeed import TinyFeed

TU_URL = "/gtfs-rt/trip-updates"
VP_URL = "/gtfs-rt/vehicle-positions"
TD = gtfs_realtime_pb2.TripDescriptor
SKIPPED = gtfs_realtime_pb2.TripUpdate.StopTimeUpdate.SKIPPED
SCHEDULED = gtfs_realtime_pb2.TripUpdate.StopTimeUpdate.SCHEDULED
DAY = dt.date(2026, 12, 1)  # the command city's service day


@pytest.fixture
def store(tmp_path: Path, tiny: TinyFeed) -> Iterator[Store]:
    st = open_store(city_store_path(tmp_path))
    load_city(st, tiny)
    passwords = cheap_passwords()
    add_user(st.users, passwords, "diaodu", Role.DISPATCHER)
    add_user(st.users, passwords, "anquan", Role.SAFETY)
    yield st
    st.close()


def _app(store: Store, snapshot: LiveSnapshot = SNAPSHOT) -> tuple[FastAPI, list[Any]]:
    """The command city's app with trip changes, and the list its hand-off fills."""
    handed: list[Any] = []
    app = command_app(
        store,
        snapshot,
        trip_changes=store.trip_changes,
        on_trip_changes=lambda day, changes: handed.append((day, list(changes))),
    )
    return app, handed


@pytest.fixture
def client(store: Store) -> TestClient:
    c = TestClient(_app(store)[0])
    login(c, "diaodu")
    return c


def _feed(client: TestClient, url: str = TU_URL) -> gtfs_realtime_pb2.FeedMessage:
    msg = gtfs_realtime_pb2.FeedMessage()
    msg.ParseFromString(client.get(url).content)
    return msg


def _board(client: TestClient, stop: str) -> list[dict[str, Any]]:
    r = client.get(f"/api/v1/stops/{stop}/arrivals", params={"per_line": 5})
    assert r.status_code == 200, r.text
    return [a for ln in r.json()["lines"] for a in ln["arrivals"]]


def test_cancel_reaches_gtfs_rt_the_boards_the_strip_and_the_audit_log(
    client: TestClient, store: Store, tiny: TinyFeed, tmp_path: Path
) -> None:
    before = {a["trip_id"]: a for a in _board(client, "B1")}
    assert before["O3"]["cancelled"] is False
    r = client.post(f"{BASE}/trips/O3/cancel", json={"note": "车辆故障"})
    assert r.status_code == 201, r.text
    change = r.json()["change"]
    assert (change["kind"], change["kind_zh"], change["trip_id"], change["active"]) == (
        "cancel",
        "取消",
        "O3",
        True,
    )
    msg = _feed(client)
    (cancel,) = [e for e in msg.entity if e.id == "cancel-O3"]
    trip = cancel.trip_update.trip
    assert (trip.trip_id, trip.schedule_relationship) == ("O3", TD.CANCELED)
    assert (trip.start_date, trip.start_time, trip.route_id) == ("20261201", "08:30:00", "R1")
    feeds = {"tu": msg.SerializeToString(), "vp": client.get(VP_URL).content}
    findings = _validate(tiny.zip(), feeds, SNAPSHOT.made_at, tmp_path / "rt")
    assert _errors(findings) == []
    after = {a["trip_id"]: a for a in _board(client, "B1")}
    assert after["O3"]["cancelled"] is True and after["O3"]["live"] is False
    assert after["O4"]["cancelled"] is False  # the next bus is still shown
    # a second cancel contradicts the first; a short-turn of it too
    assert client.post(f"{BASE}/trips/O3/cancel", json={}).status_code == 409
    bad = client.post(
        f"{BASE}/trips/O3/short-turn", json={"from_stop_sequence": 1, "to_stop_sequence": 2}
    )
    assert bad.status_code == 409 and "cancelled" in bad.json()["detail"]
    (entry, *_) = store.users.audit_log()
    assert (entry.action, entry.username, entry.target) == ("trip_cancelled", "diaodu", "trip/O3")
    assert entry.detail["change_id"] == change["change_id"] and entry.detail["note"] == "车辆故障"
    # revoke: the trip runs again everywhere
    gone = client.delete(f"{BASE}/trip-changes/{change['change_id']}")
    assert gone.status_code == 200 and gone.json()["change"]["active"] is False
    assert client.delete(f"{BASE}/trip-changes/{change['change_id']}").status_code == 409
    assert not [e for e in _feed(client).entity if e.id == "cancel-O3"]
    assert {a["trip_id"]: a for a in _board(client, "B1")}["O3"]["cancelled"] is False
    listed = client.get(f"{BASE}/trip-changes", params={"date": "2026-12-01"}).json()
    assert [(c["kind"], c["active"], c["revoked_by"]) for c in listed["changes"]] == [
        ("cancel", False, "diaodu")
    ]
    assert store.users.audit_log()[0].action == "trip_change_revoked"


def test_a_cancelled_trip_runs_no_bus_predictions_and_the_strip_flags_it(
    store: Store,
) -> None:
    c = TestClient(_app(store)[0])
    login(c, "diaodu")
    assert c.post(f"{BASE}/trips/O2/cancel", json={}).status_code == 201  # V1 is on O2
    msg = _feed(c)
    assert not [e for e in msg.entity if e.id == "tu-V1"]
    assert [e.id for e in msg.entity if e.trip_update.trip.trip_id == "O2"] == ["cancel-O2"]
    strip = c.get(f"{BASE}/lines/R1/strip").json()
    flags = {b["vehicle_id"]: b["trip_change"] for d in strip["directions"] for b in d["buses"]}
    assert flags["V1"] == "cancel" and flags["V2"] is None


def test_short_turn_skips_the_stops_left_out(
    client: TestClient, tiny: TinyFeed, tmp_path: Path
) -> None:
    r = client.post(
        f"{BASE}/trips/O3/short-turn", json={"from_stop_sequence": 1, "to_stop_sequence": 3}
    )
    assert r.status_code == 201, r.text
    msg = _feed(client)
    (entity,) = [e for e in msg.entity if e.id == "short-O3"]
    updates = [
        (u.stop_sequence, u.stop_id, u.schedule_relationship)
        for u in entity.trip_update.stop_time_update
    ]
    assert updates == [(4, "D1", SKIPPED)]
    findings = _validate(tiny.zip(), {"tu": msg.SerializeToString()}, NOW, tmp_path / "rt")
    assert _errors(findings) == []
    board = {a["trip_id"]: a for a in _board(client, "D1") if a["trip_id"] == "O3"}
    assert board["O3"]["cancelled"] is True  # D1 is left out
    assert {a["trip_id"]: a for a in _board(client, "B1")}["O3"]["cancelled"] is False


def test_a_bus_on_a_short_turned_trip_predicts_only_the_stops_served(store: Store) -> None:
    c = TestClient(_app(store)[0])
    login(c, "diaodu")
    ok = c.post(
        f"{BASE}/trips/O2/short-turn", json={"from_stop_sequence": 1, "to_stop_sequence": 3}
    )
    assert ok.status_code == 201
    (tu,) = [e.trip_update for e in _feed(c).entity if e.id == "tu-V1"]
    assert [(u.stop_sequence, u.schedule_relationship) for u in tu.stop_time_update] == [
        (3, SCHEDULED),
        (4, SKIPPED),
    ]


def test_an_extra_trip_is_duplicated_and_scheduled_on_the_boards(
    store: Store, tiny: TinyFeed, tmp_path: Path
) -> None:
    app, handed = _app(store)
    c = TestClient(app)
    login(c, "diaodu")
    r = c.post(f"{BASE}/trips/O3/extra", json={"start_time": "08:35:00", "vehicle_id": "V5"})
    assert r.status_code == 201, r.text
    change = r.json()["change"]
    assert (change["new_trip_id"], change["start_time"]) == ("O3+x0835", "08:35:00")
    assert [(str(d), [ch.new_trip_id for ch in cs]) for d, cs in handed] == [
        ("2026-12-01", ["O3+x0835"])
    ]
    msg = _feed(c)
    (entity,) = [e for e in msg.entity if e.id == "extra-O3+x0835"]
    tu = entity.trip_update
    assert (tu.trip.trip_id, tu.trip.schedule_relationship) == ("O3", TD.DUPLICATED)
    props = tu.trip_properties
    assert (props.trip_id, props.start_date, props.start_time) == (
        "O3+x0835",
        "20261201",
        "08:35:00",
    )
    assert [u.arrival.time - int(NOW) for u in tu.stop_time_update] == [300, 480, 660, 900]
    findings = _validate(tiny.zip(), {"tu": msg.SerializeToString()}, NOW, tmp_path / "rt")
    assert _errors(findings) == []
    board = [a for a in _board(c, "B1") if a["trip_id"] == "O3+x0835"]
    assert [(a["extra"], a["live"], a["arrival_unix"] - NOW) for a in board] == [(True, False, 480)]
    assert c.post(f"{BASE}/trips/O3/extra", json={"start_time": "08:35:00"}).status_code == 409
    # The named bus's driver is told (V5 has no terminal in this city: nothing queued).
    assert r.json()["command_id"] is None and store.outbox.recent(CommandKind.TEXT) == []


def test_the_named_bus_of_an_extra_trip_is_told_when_and_where(
    client: TestClient, store: Store
) -> None:
    r = client.post(f"{BASE}/trips/O3/extra", json={"start_time": "08:40:00", "vehicle_id": "V2"})
    assert r.status_code == 201, r.text
    (command,) = store.outbox.recent(CommandKind.TEXT)
    assert r.json()["command_id"] == command.command_id and command.phone == PHONES["V2"]
    text = str(command.payload["text"])
    assert "加班车" in text and "08:40" in text
    assert text.endswith("由中央大街发车")  # O3's first stop, A1


def test_a_bus_running_an_extra_trip_carries_its_predictions(
    store: Store, tiny: TinyFeed, tmp_path: Path
) -> None:
    """When the live side runs a bus on the extra trip (its id on the snapshot), the
    DUPLICATED TripUpdate carries that bus's predictions; its position has no trip
    descriptor (the validator's 2015 rules refuse the spec's DUPLICATED form there)."""
    v1 = SNAPSHOT.vehicles[0]
    on_extra = dataclasses.replace(v1, trip_id="O2+x0825", start_time="08:25:00")
    snap = LiveSnapshot(SNAPSHOT.made_at, (on_extra, *SNAPSHOT.vehicles[1:]))
    c = TestClient(_app(store, snap)[0])
    login(c, "diaodu")
    assert c.post(f"{BASE}/trips/O2/extra", json={"start_time": "08:25:00"}).status_code == 201
    msg = _feed(c)
    (tu,) = [e.trip_update for e in msg.entity if e.id == "tu-V1"]
    assert (tu.trip.trip_id, tu.trip.schedule_relationship) == ("O2", TD.DUPLICATED)
    assert tu.trip_properties.trip_id == "O2+x0825"
    assert [u.stop_sequence for u in tu.stop_time_update] == [3, 4]
    vp = _feed(c, VP_URL)
    (pos,) = [e.vehicle for e in vp.entity if e.id == "V1"]
    assert not pos.HasField("trip") and pos.vehicle.id == "V1"
    feeds = {"tu": msg.SerializeToString(), "vp": vp.SerializeToString()}
    findings = _validate(tiny.zip(), feeds, NOW, tmp_path / "rt")
    assert _errors(findings) == []


def test_a_bus_the_live_processor_matches_to_an_extra_trip_feeds_its_trip_update(
    store: Store, tiny: TinyFeed, tmp_path: Path
) -> None:
    """End to end on the live side: the extra trip made over the API reaches a live
    processor as the consumer would hand it over, the bus it names, driving the copy of
    O3 five minutes earlier, is matched to the copy, and its snapshot gives the
    DUPLICATED TripUpdate with that bus's predictions."""
    app, handed = _app(store)
    c = TestClient(app)
    login(c, "diaodu")
    r = c.post(f"{BASE}/trips/O3/extra", json={"start_time": "08:25:00", "vehicle_id": "V1"})
    assert r.status_code == 201, r.text
    tz = network_timezone(store.queries)
    day_start = service_day_start(DAY, tz)
    rt = RtNetwork.build(load_day_network(store.queries, store.schedule, DAY), day_start)
    processor = LiveProcessor(lambda day: rt, tz)
    ((day, changes),) = handed
    processor.apply_changes(day, changes)
    o3 = rt.net.trips[rt.trip_index["O3"]]
    pattern = rt.net.patterns[o3.pattern]
    times = (o3.arrival_s - 300 + day_start).astype(np.float64)  # the copy's, unix
    for t in np.arange(times[0] - 60.0, NOW, 10.0):
        d = np.interp([t, t + 10.0], times, pattern.stop_dist)
        x, y = pattern.xy_at(d[:1])
        lat, lon = rt.net.frame.to_latlon(x, y)
        kmh = float(d[1] - d[0]) / 10.0 * 3.6
        fix = Fix("V1", float(t), float(lat[0]), float(lon[0]), speed_kmh=round(kmh, 1))
        processor.process(fix, float(t))
    snap = processor.snapshot(NOW)
    bus = snap.vehicle("V1")
    assert bus is not None and bus.trip_id == "O3+x0825" and bus.predictions
    live = TestClient(_app(store, snap)[0])
    msg = _feed(live)
    (tu,) = [e.trip_update for e in msg.entity if e.id == "tu-V1"]
    assert (tu.trip.trip_id, tu.trip.schedule_relationship) == ("O3", TD.DUPLICATED)
    assert (tu.trip_properties.trip_id, tu.trip_properties.start_time) == ("O3+x0825", "08:25:00")
    assert [(u.stop_id, u.arrival.time) for u in tu.stop_time_update] == [
        (p.stop_id, int(p.arrival_unix)) for p in bus.predictions
    ]
    assert not [e for e in msg.entity if e.id == "extra-O3+x0825"]  # the bus carries it
    board = [a for a in _board(live, "D1") if a["trip_id"] == "O3+x0825"]
    assert [(a["live"], a["vehicle_id"], a["extra"], a["not_yet_departed"]) for a in board] == [
        (True, "V1", True, False)
    ]  # shown live, once: no scheduled entry beside it
    findings = _validate(tiny.zip(), {"tu": msg.SerializeToString()}, NOW, tmp_path / "rt")
    assert _errors(findings) == []


def test_hold_tells_the_driver_and_swap_names_the_block(client: TestClient, store: Store) -> None:
    r = client.post(f"{BASE}/vehicles/V1/hold", json={"stop_id": "C1", "minutes": 3})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["change"]["stop_id"] == "C1" and body["command_id"] is not None
    (command,) = store.outbox.recent(CommandKind.TEXT)
    assert command.phone == PHONES["V1"] and "滞站至08:33" in str(command.payload["text"])
    assert (
        client.post(f"{BASE}/vehicles/V1/hold", json={"stop_id": "C1", "minutes": 2}).status_code
        == 409
    )
    strip = client.get(f"{BASE}/lines/R1/strip").json()
    held = {b["vehicle_id"]: b["held"] for d in strip["directions"] for b in d["buses"]}
    assert held["V1"] is True and held["V2"] is False
    swap = client.post(f"{BASE}/vehicles/V1/swap", json={"to_vehicle_id": "V3"})
    assert swap.status_code == 201 and swap.json()["change"]["trip_id"] == "O2"
    newest = reversed(store.outbox.recent(CommandKind.TEXT))  # newest last: it wins
    told = {c.phone: str(c.payload["text"]) for c in newest}
    assert "接替V1" in told[PHONES["V3"]] and "V3接替本车" in told[PHONES["V1"]]
    assert swap.json()["command_id"] is not None
    actions = [e.action for e in store.users.audit_log()[:2]]
    assert actions == ["vehicle_swapped", "vehicle_held"]


@pytest.mark.parametrize(
    ("path", "body", "status", "names"),
    [
        ("/trips/NOPE/cancel", {}, 404, "NOPE"),
        (
            "/trips/O3/short-turn",
            {"from_stop_sequence": 3, "to_stop_sequence": 2},
            422,
            "to_stop_sequence",
        ),
        (
            "/trips/O3/short-turn",
            {"from_stop_sequence": 1, "to_stop_sequence": 9},
            422,
            "to_stop_sequence",
        ),
        ("/trips/O3/short-turn", {"from_stop_sequence": 1}, 422, "to_stop_sequence"),
        ("/trips/O3/extra", {"start_time": "8.30"}, 422, "start_time"),
        ("/vehicles/V1/hold", {"stop_id": "C1"}, 422, "minutes"),
        ("/vehicles/V1/hold", {"stop_id": "ZZ", "minutes": 3}, 404, "ZZ"),
        ("/vehicles/NOBUS/hold", {"stop_id": "C1", "minutes": 3}, 404, "NOBUS"),
        ("/vehicles/V1/swap", {"to_vehicle_id": "V1"}, 422, "to_vehicle_id"),
        ("/vehicles/V1/swap", {"to_vehicle_id": "NOBUS"}, 404, "to_vehicle_id"),
    ],
)
def test_bad_commands_are_refused_naming_what_is_wrong(
    client: TestClient, store: Store, path: str, body: dict[str, Any], status: int, names: str
) -> None:
    r = client.post(BASE + path, json=body)
    assert r.status_code == status, r.text
    assert names in r.text
    assert store.trip_changes.changes_on(DAY) == []


def test_who_may_act(store: Store) -> None:
    c = TestClient(_app(store)[0])
    assert c.post(f"{BASE}/trips/O3/cancel", json={}).status_code == 401
    assert c.get(f"{BASE}/trip-changes").status_code == 401
    token = login(c, "anquan")
    c.cookies.clear()
    r = c.post(f"{BASE}/trips/O3/cancel", json={}, headers=bearer(token))
    assert r.status_code == 403 and "send:commands" in r.text
    assert c.get(f"{BASE}/trip-changes", headers=bearer(token)).status_code == 200
    assert c.delete(f"{BASE}/trip-changes/1", headers=bearer(token)).status_code == 403


def test_without_a_trip_change_store_commands_answer_503(store: Store) -> None:
    app = create_app(
        store.queries, live=lambda: SNAPSHOT, schedule=store.schedule, clock=Clock(),
        users=store.users, passwords=cheap_passwords(),
    )  # fmt: skip
    c = TestClient(app)
    login(c, "diaodu")
    assert c.post(f"{BASE}/trips/O3/cancel", json={}).status_code == 503
    listed = c.get(f"{BASE}/trip-changes").json()
    assert (listed["changes"], listed["enabled"]) == ([], False)
    assert c.get(TU_URL).status_code == 200  # the feeds work without it


def test_changes_are_read_from_the_store_at_start(store: Store) -> None:
    """A server restarted mid-day shows the changes made before."""
    first = TestClient(_app(store)[0])
    login(first, "diaodu")
    assert first.post(f"{BASE}/trips/O3/cancel", json={}).status_code == 201
    second = TestClient(_app(store)[0])
    assert [e.id for e in _feed(second).entity if e.id.startswith("cancel-")] == ["cancel-O3"]
    stored: list[TripChange] = store.trip_changes.changes_on(DAY)
    assert [c.trip_id for c in stored] == ["O3"]
