"""运营监管 over the API, on a real SQLite store with stop events of known truth.

The 调度指挥 tests' city (line 1: outbound O0–O5 every 10 min from 08:00, A1→D1 in 10
min; inbound I0–I3 every 10 min from 08:00, D1→A2 in 10 min; line 2: T4 08:20–08:30) at
08:50 on Tuesday 1 December 2026:

- VA runs O0 (leaves A1 08:04, +4 min: on time; at D1 08:14), then I1 (leaves D1 08:16,
  +6 min: late; at A2 08:27);
- VB runs O1 (leaves A1 08:10 on time; at D1 08:19), stands at D1 until 08:41 (22 min,
  none scheduled: overlong) and runs I2 (+21 min late), last seen at C1;
- live: V7 runs O2, V5 runs T4, V6 is off route on line 2.

Line 1 so far: 9 departures due (O0–O4, I0–I3), 5 trips run (O0, O1, O2, I1, I2), 4
missing (O3, O4, I0, I3); 8 trips due to have finished, 3 did (O0, O1, I1): 正班率
37.5 %; 4 terminal departures seen, 2 on time: 发车正点率 50 %.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from busbrain.access.roles import Role
from busbrain.api import create_app
from busbrain.domain.history import StopEventRecord
from busbrain.domain.live import LiveSnapshot, VehicleLive
from busbrain.wiring import Store, open_store
from tests.api.command_helpers import city_store_path, load_city
from tests.api.dispatch_helpers import BASE, START, Clock, add_user, bearer, cheap_passwords, login
from tests.tinyfeed import TinyFeed

DAY = dt.date(2026, 12, 1)
OPS = f"{BASE}/operations"
LOCAL = dt.timezone(dt.timedelta(hours=8))


def _at(hhmm: str) -> dt.datetime:
    h, m = hhmm.split(":")
    return dt.datetime(2026, 12, 1, int(h), int(m), tzinfo=LOCAL).astimezone(dt.UTC)


OUT = ("A1", "B1", "C1", "D1")
BACK = ("D1", "C1", "A2")
# vehicle, trip, stops, each stop seen in order as "arrival-departure" or "passed"
RUNS: list[tuple[str, str, tuple[str, ...], str]] = [
    ("VA", "O0", OUT, "07:59-08:04 08:07 08:10 08:14"),
    ("VA", "I1", BACK, "08:14-08:16 08:20 08:27"),
    ("VB", "O1", OUT, "08:09-08:10 08:13 08:16 08:19"),
    ("VB", "I2", BACK, "08:19-08:41 08:45"),
]


def _events() -> list[StopEventRecord]:
    out = []
    for vehicle, trip, stops, times in RUNS:
        for seq, (stop, seen) in enumerate(zip(stops, times.split(), strict=False), 1):
            arr, _, dep = seen.partition("-")
            dep = dep or arr
            out.append(
                StopEventRecord(DAY, vehicle, trip, stop, seq, _at(arr), _at(dep), True, _at(dep))
            )
    return out


NOW = _at("08:50").timestamp()
SNAPSHOT = LiveSnapshot(
    NOW - 5,
    (
        VehicleLive("V5", NOW - 5, 41.129, 121.13, label="辽GV5", trip_id="T4", route_id="R2",
                    start_date="20261201"),
        VehicleLive("V6", NOW - 5, 41.14, 121.16, label="辽GV6", route_id="R2", off_route=True),
        VehicleLive("V7", NOW - 5, 41.12, 121.138, label="辽GV7", trip_id="O2", route_id="R1",
                    start_date="20261201"),
    ),
)  # fmt: skip


@pytest.fixture
def store(tmp_path: Path, tiny: TinyFeed) -> Iterator[Store]:
    st = open_store(city_store_path(tmp_path))
    load_city(st, tiny)
    passwords = cheap_passwords()
    add_user(st.users, passwords, "diaodu", Role.DISPATCHER)
    add_user(st.users, passwords, "anquan", Role.SAFETY)
    st.history.add_stop_events(_events())
    yield st
    st.close()


def _app(store: Store, *, with_history: bool = True) -> FastAPI:
    clock = Clock()
    clock.now = START + dt.timedelta(minutes=20)  # 08:50
    return create_app(
        store.queries,
        live=lambda: SNAPSHOT,
        schedule=store.schedule,
        clock=clock,
        users=store.users,
        passwords=cheap_passwords(),
        history=store.history if with_history else None,
    )


@pytest.fixture
def client(store: Store) -> TestClient:
    return TestClient(_app(store))


def _line(body: dict[str, Any], route_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(ln for ln in body["lines"] if ln["route_id"] == route_id)
    return found


@pytest.mark.parametrize("path", ["/summary", "/vehicles", "/waybills", "/waybills?format=csv"])
def test_without_a_session_everything_is_401(client: TestClient, path: str) -> None:
    r = client.get(OPS + path)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"


def test_a_safety_officer_may_not_read_operations(client: TestClient) -> None:
    token = login(client, "anquan")
    client.cookies.clear()
    r = client.get(f"{OPS}/summary", headers=bearer(token))
    assert r.status_code == 403 and "read:operations" in r.json()["detail"]


def test_the_summary_gives_each_lines_figures(client: TestClient) -> None:
    login(client, "diaodu")
    r = client.get(f"{OPS}/summary")
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "no-store"
    body = r.json()
    assert (body["date"], body["live"]) == ("2026-12-01", True)
    assert body["rules"] == {
        "on_time_early_s": 60,
        "on_time_late_s": 300,
        "grace_s": 300,
        "layover_extra_s": 600,
    }
    assert [ln["line"] for ln in body["lines"]] == ["1路", "2路"]
    one = _line(body, "R1")
    assert (one["trips_planned"], one["departures_due"], one["trips_run"]) == (10, 9, 5)
    assert (one["trips_missing"], one["finishes_due"], one["trips_completed"]) == (4, 8, 3)
    assert one["completion_pct"] == 37.5
    assert (one["departures_observed"], one["departures_on_time"], one["departures_late"]) == (
        4,
        2,
        2,
    )
    assert one["on_time_departure_pct"] == 50.0
    assert (one["overlong_layovers"], one["off_route"]) == (1, 0)
    two = _line(body, "R2")
    assert (two["trips_run"], two["trips_missing"], two["completion_pct"]) == (1, 0, 0.0)
    assert two["on_time_departure_pct"] is None and two["off_route"] == 1
    assert [m["trip_id"] for m in body["missing"]] == [
        "I0",
        "I3",
        "O3",
        "O4",
    ]  # by departure, then trip_id
    assert body["missing"][0]["overdue_s"] == 50 * 60
    assert [(o["vehicle_id"], o["line"]) for o in body["off_route"]] == [("V6", "2路")]
    (stay,) = body["overlong_layovers"]
    assert (stay["vehicle_id"], stay["trip_id"], stay["after_trip_id"]) == ("VB", "I2", "O1")
    assert (stay["stop"], stay["layover_s"], stay["excess_s"]) == ("医科大学", 1320, 1320)
    assert body["totals"]["trips_missing"] == 4 and body["totals"]["trips_run"] == 6


def test_the_waybill_of_one_vehicle(client: TestClient, store: Store) -> None:
    login(client, "diaodu")
    r = client.get(f"{OPS}/waybills", params={"vehicle_id": "VA", "date": "2026-12-01"})
    assert r.status_code == 200, r.text
    (va,) = r.json()["vehicles"]
    assert va["driver"] is None and (va["trips_run"], va["trips_completed"]) == (2, 2)
    o0, i1 = va["trips"]
    assert (o0["trip_id"], o0["departure_delay_s"], o0["departure_on_time"]) == ("O0", 240, True)
    assert o0["planned_departure_utc"] == "2026-12-01T00:00:00+00:00"
    assert o0["actual_arrival_utc"] == "2026-12-01T00:14:00+00:00"
    assert (o0["from_stop"], o0["to_stop"], o0["arrival_delay_s"]) == ("中央大街", "医科大学", 240)
    assert (i1["departure_delay_s"], i1["departure_on_time"]) == (360, False)
    assert (i1["layover_s"], i1["scheduled_layover_s"], i1["dead_km"]) == (120, 0, 0.0)
    lengths = {
        (p.route_id, p.direction_id): p.stops[-1].dist_m - p.stops[0].dist_m
        for p in store.queries.list_patterns()
    }
    assert o0["revenue_km"] == round(lengths[("R1", 0)] / 1000, 2) > 0
    assert i1["revenue_km"] == round(lengths[("R1", 1)] / 1000, 2) > 0
    assert va["revenue_km"] == pytest.approx(o0["revenue_km"] + i1["revenue_km"], abs=0.011)


def test_vehicles_lists_each_vehicles_totals(client: TestClient) -> None:
    login(client, "diaodu")
    body = client.get(f"{OPS}/vehicles").json()
    assert [
        (v["vehicle_id"], v["trips_run"], v["overlong_layovers"]) for v in body["vehicles"]
    ] == [
        ("VA", 2, 0),
        ("VB", 2, 1),
    ]
    assert "trips" not in body["vehicles"][0]


def test_the_waybills_export_as_csv(client: TestClient) -> None:
    login(client, "diaodu")
    r = client.get(f"{OPS}/waybills", params={"format": "csv", "vehicle_id": "VB"})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/csv")
    assert r.headers["Content-Disposition"] == 'attachment; filename="waybills-2026-12-01-VB.csv"'
    assert r.text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert [(x["trip_id"], x["line"]) for x in rows] == [("O1", "1路"), ("I2", "1路")]
    assert (rows[0]["planned_departure"], rows[0]["actual_departure"]) == (
        "2026-12-01 08:10:00",
        "2026-12-01 08:10:00",
    )
    assert (rows[1]["layover_s"], rows[1]["layover_overlong"], rows[1]["actual_arrival"]) == (
        "1320",
        "True",
        "",
    )
    every = client.get(f"{OPS}/waybills", params={"format": "csv"})
    assert len(list(csv.DictReader(io.StringIO(every.text.lstrip("\ufeff"))))) == 4
    lines = client.get(f"{OPS}/summary", params={"format": "csv"})
    assert (
        lines.headers["Content-Disposition"] == 'attachment; filename="operations-2026-12-01.csv"'
    )
    table = list(csv.DictReader(io.StringIO(lines.text.lstrip("\ufeff"))))
    assert [(x["line"], x["completion_pct"]) for x in table] == [("1路", "37.5"), ("2路", "0.0")]


def test_another_day_has_no_live_picture_and_its_own_record(client: TestClient) -> None:
    login(client, "diaodu")
    body = client.get(f"{OPS}/summary", params={"date": "20261130"}).json()
    assert body["date"] == "2026-11-30" and body["live"] is False and body["off_route"] == []
    one = _line(body, "R1")
    # nothing was recorded that day: no trip is called missing, all are unobserved
    assert (one["trips_run"], one["trips_missing"], one["trips_unobserved"]) == (0, 0, 10)
    assert one["completion_pct"] is None and body["observed_from_utc"] is None


def test_bad_input_is_named(client: TestClient) -> None:
    login(client, "diaodu")
    r = client.get(f"{OPS}/summary", params={"date": "2026-13-01"})
    assert r.status_code == 422 and "date" in r.json()["detail"]
    r = client.get(f"{OPS}/waybills", params={"vehicle_id": "V404"})
    assert r.status_code == 404 and "vehicle_id 'V404'" in r.json()["detail"]
    r = client.get(f"{OPS}/waybills", params={"format": "xls"})
    assert r.status_code == 422 and "format" in r.text


def test_without_history_the_module_says_it_is_off(store: Store) -> None:
    client = TestClient(_app(store, with_history=False))
    login(client, "diaodu")
    r = client.get(f"{OPS}/summary")
    assert r.status_code == 503 and "history" in r.json()["detail"]
