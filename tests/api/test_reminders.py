"""Reminders: subscribe, then one Server-Sent Event when the bus is near (live, on the
early side of its uncertainty), by the timetable, or when to get off; and the checks by
themselves as the bus comes closer."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from busbrain.api import create_app
from busbrain.api.reminders import Reminder, check_alight, check_arrival
from busbrain.domain.live import LiveSnapshot, StopPrediction
from busbrain.network_io.importer import import_feed
from busbrain.wiring import open_store
from tests.api.test_gtfsrt import NOW, SNAPSHOT, V1, local
from tests.tinyfeed import TinyFeed


@pytest.fixture
def client(tmp_path: Path, tiny: TinyFeed) -> Iterator[TestClient]:
    store = open_store(f"sqlite:///{tmp_path / 'rem.db'}")
    import_feed(tiny.folder(), store.network, now=dt.datetime(2026, 11, 29, tzinfo=dt.UTC))
    app = create_app(
        store.queries, live=lambda: SNAPSHOT, schedule=store.schedule, clock=lambda: NOW
    )
    app.state.reminder_poll_s = 0.05
    yield TestClient(app)
    store.close()


def first_event(client: TestClient, reminder_id: str) -> tuple[str, Any]:
    with client.stream("GET", f"/api/v1/reminders/{reminder_id}/events") as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        event = None
        for line in r.iter_lines():
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: ") and event is not None:
                return event, json.loads(line.removeprefix("data: "))
    raise AssertionError("no event")


def test_a_reminder_fires_once_when_the_bus_is_near(client: TestClient) -> None:
    made = client.post(
        "/api/v1/reminders",
        json={"stop_id": "S_A", "route_id": "R1", "direction_id": 1, "stops_away": 2},
    )
    assert made.status_code == 201, made.text
    rid = made.json()["reminder_id"]
    event, data = first_event(client, rid)
    assert event == "reminder"
    assert data["message"]["vehicle_id"] == "V1" and data["message"]["stops_away"] == 2
    assert data["message"]["text"] == "1路还有2站到达中央大街"
    assert client.get(f"/api/v1/reminders/{rid}").json()["fired_unix"] == round(NOW)
    again, _ = first_event(client, rid)  # a second listener hears the same, once fired
    assert again == "reminder"
    assert client.delete(f"/api/v1/reminders/{rid}").status_code == 204
    assert client.get(f"/api/v1/reminders/{rid}").status_code == 404


def test_a_get_off_reminder_follows_the_trip(client: TestClient) -> None:
    made = client.post(
        "/api/v1/reminders",
        json={"kind": "alight", "stop_id": "A2", "trip_id": "T2", "stops_away": 2},
    )
    assert made.status_code == 201, made.text
    event, data = first_event(client, made.json()["reminder_id"])
    assert event == "reminder" and "请准备下车" in data["message"]["text"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"stop_id": "S_A", "route_id": "R1"}, "stops_away or minutes"),
        ({"stop_id": "S_A", "stops_away": 1}, "route_id"),
        ({"kind": "alight", "stop_id": "A2", "minutes": 2}, "trip_id"),
        ({"stop_id": "S_A", "route_id": "R1", "minutes": 500}, "minutes"),
    ],
)
def test_bad_reminders_get_422(client: TestClient, body: dict[str, object], says: str) -> None:
    r = client.post("/api/v1/reminders", json=body)
    assert r.status_code == 422 and says in r.text


def test_unknown_stops_lines_and_trips_get_404(client: TestClient) -> None:
    for body, what in (
        ({"stop_id": "NOPE", "route_id": "R1", "minutes": 3}, "NOPE"),
        ({"stop_id": "S_A", "route_id": "R9", "minutes": 3}, "R9"),
        ({"kind": "alight", "stop_id": "A2", "trip_id": "T9", "minutes": 3}, "T9"),
    ):
        r = client.post("/api/v1/reminders", json=body)
        assert r.status_code == 404 and what in r.json()["detail"]
    assert client.get("/api/v1/reminders/R999999/events").status_code == 404


def reminder(**kw: object) -> Reminder:
    base: dict[str, Any] = {
        "reminder_id": "R1",
        "kind": "arrival",
        "stop_ids": frozenset({"A2"}),
        "stop_name": "中央大街",
        "route_id": "R1",
        "direction_id": 1,
        "stops_away": None,
        "minutes": None,
        "basis": "live",
        "trip_id": None,
        "created_unix": NOW,
    }
    base.update(kw)
    return Reminder(**base)


def entry(arrival: float, uncertainty: float | None, live: bool = True) -> dict[str, object]:
    return {
        "route_id": "R1",
        "line": "1路",
        "direction_id": 1,
        "arrivals": [
            {
                "trip_id": "T2",
                "vehicle_id": "V1" if live else None,
                "live": live,
                "arrival_unix": arrival,
                "uncertainty_s": uncertainty,
                "stops_away": 3 if live else None,
            }
        ],
    }


def test_minutes_count_from_the_early_side_of_the_prediction() -> None:
    r = reminder(minutes=5)
    # 6 minutes away, +-90 s: counted as 4.5 minutes, so it fires now
    assert check_arrival(r, [entry(NOW + 360, 90)], NOW) is not None
    # 6 minutes away and sure of it: not yet
    assert check_arrival(r, [entry(NOW + 360, 0)], NOW) is None
    # a minute later, 5 minutes away: now
    assert check_arrival(r, [entry(NOW + 360, 0)], NOW + 60) is not None


def test_a_live_reminder_ignores_the_timetable_and_a_schedule_one_uses_it() -> None:
    assert check_arrival(reminder(minutes=10), [entry(NOW + 120, None, live=False)], NOW) is None
    by_timetable = reminder(minutes=10, basis="schedule")
    assert check_arrival(by_timetable, [entry(NOW + 120, None, live=False)], NOW) is not None


def test_get_off_comes_when_the_stop_is_near_enough() -> None:
    r = reminder(kind="alight", trip_id="T2", stops_away=1, stop_ids=frozenset({"A2"}))
    assert check_alight(r, SNAPSHOT, NOW) is None  # V1 heads for C1: A2 is two stops on
    closer = dataclasses.replace(V1, stop_sequence=3, predictions=(
        StopPrediction("A2", 3, local(6, 29), None, 30),
    ))  # fmt: skip
    message = check_alight(r, LiveSnapshot(NOW, (closer,)), NOW)
    assert message is not None and message["stops_away"] == 1
