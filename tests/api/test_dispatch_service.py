"""服务监管 over the API, on a real SQLite store holding simulated stop events and
predictions with known truth (the 调度指挥 tests' city: line 1 every 10 min from 08:00,
the clock at 08:30 Beijing time on Tuesday 1 December 2026):

- O0 (V1, 08:00–08:10): leaves B1 at 08:09, 6 min late; passes C1 without stopping (越站);
- O1 (V2, 08:10–08:20): no record at B1 though seen before and after (甩站); dwells 4 min
  at C1 and leaves it 90 s early (滞站);
- a kalman prediction made at 08:17 that V2 reaches D1 at 08:22 (5 min ahead); it came
  at 08:20, 2 min earlier than said: 3–6 min band, not accurate (MBTA allows 1.5 min
  early); a schedule prediction made at 08:12 of 08:19 (7 min ahead), 1 min late: 6–12
  band, accurate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from busbrain.access.roles import Role
from busbrain.api import create_app
from busbrain.domain.history import PassengerLoadRecord, PredictionRecord, StopEventRecord
from busbrain.wiring import Store, open_store
from tests.api.command_helpers import city_store_path, load_city
from tests.api.dispatch_helpers import BASE, Clock, add_user, bearer, cheap_passwords, login
from tests.tinyfeed import TinyFeed

DAY = dt.date(2026, 12, 1)
BEIJING = dt.timezone(dt.timedelta(hours=8))
SERVICE = f"{BASE}/service"


def at(hhmmss: str) -> dt.datetime:
    h, m, s = (int(x) for x in hhmmss.split(":"))
    return dt.datetime(2026, 12, 1, h, m, s, tzinfo=BEIJING)


def event(
    trip: str, seq: int, stop: str, vehicle: str, arrive: str, leave: str, stopped: bool = True
) -> StopEventRecord:
    return StopEventRecord(
        DAY,
        vehicle,
        trip,
        stop,
        seq,
        at(arrive),
        at(leave),
        stopped,
        at(leave) + dt.timedelta(seconds=5),
    )


EVENTS = [
    event("O0", 1, "A1", "V1", "07:58:00", "08:00:20"),
    event("O0", 2, "B1", "V1", "08:08:30", "08:09:00"),  # 6 min late
    event("O0", 3, "C1", "V1", "08:10:00", "08:10:00", stopped=False),  # 越站
    event("O0", 4, "D1", "V1", "08:14:30", "08:15:00"),
    event("O1", 1, "A1", "V2", "08:09:00", "08:10:00"),
    # B1 (seq 2): no record — 甩站
    event("O1", 3, "C1", "V2", "08:10:30", "08:14:30"),  # 4-min dwell, 90 s early
    event("O1", 4, "D1", "V2", "08:20:00", "08:20:30"),
]
PREDICTIONS = [
    PredictionRecord("V2", "O1", "D1", 4, at("08:17:00"), at("08:22:00"), "kalman"),
    PredictionRecord("V2", "O1", "D1", 4, at("08:12:00"), at("08:19:00"), "schedule"),
]


@pytest.fixture
def store(tmp_path: Path, tiny: TinyFeed) -> Iterator[Store]:
    st = open_store(city_store_path(tmp_path))
    load_city(st, tiny)
    passwords = cheap_passwords()
    add_user(st.users, passwords, "diaodu", Role.DISPATCHER)
    add_user(st.users, passwords, "anquan", Role.SAFETY)
    st.history.add_stop_events(EVENTS)
    st.history.add_predictions(PREDICTIONS)
    yield st
    st.close()


def service_app(store: Store, *, history: bool = True) -> FastAPI:
    return create_app(
        store.queries,
        schedule=store.schedule,
        clock=Clock(),
        users=store.users,
        passwords=cheap_passwords(),
        history=store.history if history else None,
    )


@pytest.fixture
def client(store: Store) -> TestClient:
    c = TestClient(service_app(store))
    login(c, "diaodu")
    return c


PATHS = ["/otp", "/adherence", "/skips", "/dwells", "/crowding", "/predictions"]


@pytest.mark.parametrize("path", PATHS)
def test_without_a_session_401_and_without_the_permission_403(store: Store, path: str) -> None:
    c = TestClient(service_app(store))
    r = c.get(SERVICE + path)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"
    token = login(c, "anquan")  # 安全员: no read:service
    c.cookies.clear()
    r = c.get(SERVICE + path, headers=bearer(token))
    assert r.status_code == 403 and "read:service" in r.json()["detail"]


def test_otp_by_line_counts_the_late_and_the_early_bus(client: TestClient) -> None:
    r = client.get(f"{SERVICE}/otp", params={"date": "2026-12-01", "by": "line"})
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "no-store"
    body = r.json()
    assert body["window"]["early_s"] == 60 and body["window"]["late_s"] == 300
    r1 = next(g for g in body["groups"] if g["route_id"] == "R1")
    assert r1["line"] == "1路"
    assert (r1["observed"], r1["on_time"], r1["early"], r1["late"]) == (7, 5, 1, 1)
    # calls of R1 due by 08:30: 4 + 4 + 4 + 1 outbound, 3 + 3 + 3 + 1 inbound
    assert r1["scheduled"] == 23 and r1["completeness"] == round(7 / 23, 4)
    assert r1["late_share"] == round(1 / 7, 4)
    assert body["total"]["observed"] == 7


def test_the_late_bus_is_late_by_six_minutes_and_the_early_one_early_by_90_s(
    client: TestClient,
) -> None:
    late = client.get(f"{SERVICE}/adherence", params={"status": "late"}).json()
    assert late["date"] == "2026-12-01"  # today by the clock
    assert [
        (c["trip_id"], c["stop"], c["vehicle_id"], c["deviation_min"]) for c in late["calls"]
    ] == [("O0", "解放路口", "V1", 6.0)]
    assert late["calls"][0]["scheduled_utc"] == "2026-12-01T00:03:00Z"
    early = client.get(f"{SERVICE}/adherence", params={"status": "early"}).json()["calls"]
    assert [(c["trip_id"], c["stop_id"], c["deviation_s"]) for c in early] == [("O1", "C1", -90.0)]


def test_otp_by_stop_and_by_hour(client: TestClient) -> None:
    stops = client.get(f"{SERVICE}/otp", params={"by": "stop", "route_id": "R1"}).json()["groups"]
    b1 = next(g for g in stops if g["stop_id"] == "B1")
    assert (b1["observed"], b1["late"]) == (1, 1)
    hours = client.get(f"{SERVICE}/otp", params={"by": "hour"}).json()["groups"]
    assert [h["hour"] for h in hours] == [8] and hours[0]["observed"] == 7


def test_a_passed_stop_is_flagged_and_a_missing_one_too(client: TestClient) -> None:
    body = client.get(f"{SERVICE}/skips").json()
    assert body["totals"] == {"passed": 1, "missed": 1}
    assert [(s["trip_id"], s["stop_id"], s["kind"], s["vehicle_id"]) for s in body["skips"]] == [
        ("O0", "C1", "passed", "V1"),
        ("O1", "B1", "missed", "V2"),
    ]
    assert body["skips"][0]["at_utc"] == "2026-12-01T00:10:00Z"
    assert body["by_line"] == [{"route_id": "R1", "line": "1路", "passed": 1, "missed": 1}]


def test_a_four_minute_dwell_is_flagged(client: TestClient) -> None:
    body = client.get(f"{SERVICE}/dwells").json()
    assert body["threshold_s"] == 120 and body["count"] == 1
    d = body["dwells"][0]
    assert (d["trip_id"], d["stop_id"], d["vehicle_id"], d["dwell_s"]) == ("O1", "C1", "V2", 240.0)
    assert client.get(f"{SERVICE}/dwells", params={"threshold_s": 300}).json()["count"] == 0


def test_crowding_says_there_is_no_passenger_counter(client: TestClient) -> None:
    body = client.get(f"{SERVICE}/crowding").json()
    assert body["available"] is False and body["note"] == "no passenger-counter data"
    assert body["trips"] == [] and body["by_line"] == []


def test_prediction_accuracy_by_horizon_band(client: TestClient) -> None:
    body = client.get(f"{SERVICE}/predictions").json()
    assert [b["band"] for b in body["bands"]] == ["0-3", "3-6", "6-12", "12-30"]
    assert body["methods"] == ["kalman", "schedule"]
    rows = {(r["method"], r["band"]): r for r in body["rows"]}
    assert set(rows) == {("kalman", "3-6"), ("schedule", "6-12")}
    k = rows[("kalman", "3-6")]
    assert (k["n"], k["mae_s"], k["bias_s"], k["accurate_share"]) == (1, 120.0, 120.0, 0.0)
    s = rows[("schedule", "6-12")]
    assert (s["mae_s"], s["accurate_share"]) == (60.0, 1.0)
    other = client.get(f"{SERVICE}/predictions", params={"route_id": "R2"}).json()
    assert other["rows"] == []


def test_csv_exports_with_a_filename(client: TestClient) -> None:
    r = client.get(f"{SERVICE}/otp", params={"by": "hour", "format": "csv", "route_id": "R1"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["Cache-Control"] == "no-store"
    assert (
        r.headers["Content-Disposition"]
        == 'attachment; filename="busbrain-otp-by-hour-R1-2026-12-01.csv"'
    )
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeffhour,scheduled,observed,early,on_time,late,")
    skips = client.get(f"{SERVICE}/skips", params={"format": "csv"}).content.decode("utf-8")
    assert skips.splitlines()[1].startswith("2026-12-01,R1,1路,0,O0,3,C1,锦州站,V1,passed,")


def test_bad_parameters_are_named(client: TestClient) -> None:
    r = client.get(f"{SERVICE}/otp", params={"date": "2026-13-01"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "date"]
    r = client.get(f"{SERVICE}/otp", params={"by": "driver"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "by"]
    r = client.get(f"{SERVICE}/skips", params={"route_id": "R9"})
    assert r.status_code == 404 and "route_id" in r.json()["detail"]


def test_another_day_has_no_observations(client: TestClient) -> None:
    body = client.get(f"{SERVICE}/otp", params={"date": "2026-11-30"}).json()
    assert body["total"]["observed"] == 0 and body["total"]["on_time_share"] is None


def test_without_the_history_it_says_why(store: Store) -> None:
    c = TestClient(service_app(store, history=False))
    login(c, "diaodu")
    r = c.get(f"{SERVICE}/otp")
    assert r.status_code == 503 and "real-time history" in r.json()["detail"]


def test_crowding_from_the_stored_passenger_counts(store: Store, client: TestClient) -> None:
    def load(trip: str, seq: int, stop: str, onboard: int) -> PassengerLoadRecord:
        return PassengerLoadRecord(
            DAY, "V1", trip, stop, seq, onboard, 0, onboard, 60, at("08:30:00")
        )

    store.history.add_passenger_loads(
        [
            load("O0", 1, "A1", 30),
            load("O0", 2, "B1", 66),  # 110 %: 超载
            load("O0", 4, "D1", 0),
            load("O1", 1, "A1", 20),
            load("O1", 3, "C1", 24),
        ]
    )
    body = client.get(f"{SERVICE}/crowding").json()
    assert body["available"] is True and body["note"] is None
    assert body["source"] == "passenger_counter" and body["stops_counted"] == 5
    trips = {r["trip_id"]: r for r in body["trips"]}
    assert (trips["O0"]["stop_id"], trips["O0"]["onboard"], trips["O0"]["load_factor"]) == (
        "B1",
        66,
        1.1,
    )
    assert (trips["O1"]["stop_sequence"], trips["O1"]["load_factor"]) == (3, 0.4)
    assert trips["O0"]["capacity"] == 60 and trips["O0"]["line"]
    (line,) = body["by_line"]
    assert (line["trips"], line["peak_load_factor"], line["overloaded"]) == (2, 1.1, 1)
    assert line["mean_max_load_factor"] == 0.75
    other = client.get(f"{SERVICE}/crowding", params={"date": "2026-12-02"}).json()
    assert other["available"] is False and other["note"] == "no passenger-counter data"
    csv = client.get(f"{SERVICE}/crowding", params={"format": "csv"})
    assert csv.status_code == 200 and "B1" in csv.text
