"""数据分析 over the API, on a real SQLite store: fare taps loaded through the store's own
loader, stop events through the history, with known truth.

The 调度指挥 tests' city (line 1 outbound A1→B1→C1→D1 on shape SH1, inbound D1→C1→A2),
Tuesday 1 December 2026, Beijing time:

- V1 runs O0: A1 08:00–08:01, B1 08:04–08:04:30, C1 08:07–08:07:30, D1 08:11; then I1:
  D1 08:12–08:14, C1 08:18–08:19, A2 08:25;
- V2 runs O1: A1 08:10–08:11, B1 08:14–08:15, C1 08:18–08:18:30, D1 08:22.

Taps: V1 08:00:30 (A1, IC card c1), 08:00:40 (A1, WeChat), 08:04:10 (B1, IC card c2),
08:13:00 (D1 on I1, IC card c1 again); V2 08:10:30 (A1, Alipay), 08:14:20 (B1, cash),
08:40:00 (18 min after its last call: unmatched, IC card). All 1 yuan.

Truth: line 1 has 6 boardings, 1 unmatched; IC card 4, the others 1 each; all in hour 8.
Outbound A1→B1 ran 180 s twice (median 180); B1→C1 150 s and 180 s (median 165).
Outbound boardings: A1 3, B1 2 over 2 trips.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from busbrain.access.roles import Role
from busbrain.api import create_app
from busbrain.domain.history import PassengerLoadRecord, StopEventRecord
from busbrain.planning.jobs.taps import TapLoader
from busbrain.wiring import Store, open_store
from tests.api.command_helpers import city_store_path, load_city
from tests.api.dispatch_helpers import BASE, START, Clock, add_user, bearer, cheap_passwords, login
from tests.tinyfeed import TinyFeed

DAY = dt.date(2026, 12, 1)
ANA = f"{BASE}/analysis"
LOCAL = dt.timezone(dt.timedelta(hours=8))
KEY = bytes(range(32))


def _at(hhmm: str) -> dt.datetime:
    parts = [int(x) for x in hhmm.split(":")]
    local = dt.datetime(2026, 12, 1, parts[0], parts[1], parts[2] if len(parts) > 2 else 0,
                        tzinfo=LOCAL)  # fmt: skip
    return local.astimezone(dt.UTC)


# vehicle, trip, stops, each "arrival-departure" (or one time)
RUNS = [
    ("V1", "O0", ("A1", "B1", "C1", "D1"), "08:00-08:01 08:04-08:04:30 08:07-08:07:30 08:11"),
    ("V1", "I1", ("D1", "C1", "A2"), "08:12-08:14 08:18-08:19 08:25"),
    ("V2", "O1", ("A1", "B1", "C1", "D1"), "08:10-08:11 08:14-08:15 08:18-08:18:30 08:22"),
]
TAPS = (
    "txn_id,reader_time,vehicle_id,reader_id,channel,card_id,fare_fen\n"
    "t1,2026-12-01T08:00:30+08:00,V1,RD1,ic_card,c1,100\n"
    "t2,2026-12-01T08:00:40+08:00,V1,RD1,wechat,w1,100\n"
    "t3,2026-12-01T08:04:10+08:00,V1,RD1,ic_card,c2,100\n"
    "t4,2026-12-01T08:13:00+08:00,V1,RD1,ic_card,c1,100\n"
    "t5,2026-12-01T08:10:30+08:00,V2,RD2,alipay,a1,100\n"
    "t6,2026-12-01T08:14:20+08:00,V2,RD2,cash,,100\n"
    "t7,2026-12-01T08:40:00+08:00,V2,RD2,ic_card,c3,100\n"
)


def _events() -> list[StopEventRecord]:
    out = []
    for vehicle, trip, stops, times in RUNS:
        for seq, (stop, seen) in enumerate(zip(stops, times.split(), strict=True), 1):
            arr, _, dep = seen.partition("-")
            dep = dep or arr
            out.append(
                StopEventRecord(DAY, vehicle, trip, stop, seq, _at(arr), _at(dep), True, _at(dep))
            )
    return out


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    tmp = tmp_path_factory.mktemp("analysis")
    st = open_store(city_store_path(tmp))
    load_city(st, TinyFeed(tmp / "tiny"))
    passwords = cheap_passwords()
    add_user(st.users, passwords, "jingli", Role.MANAGER)
    add_user(st.users, passwords, "diaodu", Role.DISPATCHER)
    st.history.add_stop_events(_events())
    report, _ = TapLoader(st, KEY, now=lambda: START).load_bytes(TAPS.encode(), "b1.csv")
    assert (report.error, report.added) == (None, 7), report
    yield st
    st.close()


def _app(store: Store, *, fares: bool = True) -> FastAPI:
    return create_app(
        store.queries,
        schedule=store.schedule,
        clock=Clock(),
        users=store.users,
        passwords=cheap_passwords(),
        history=store.history,
        fares=store.fares if fares else None,
    )


@pytest.fixture(scope="module")
def client(store: Store) -> TestClient:
    c = TestClient(_app(store))
    login(c, "jingli")
    return c


@pytest.mark.parametrize(
    "path", ["/ridership", "/running-times?route_id=R1", "/mileage", "/profile?route_id=R1"]
)
def test_without_a_session_it_is_401_and_a_dispatcher_gets_403(store: Store, path: str) -> None:
    c = TestClient(_app(store))
    r = c.get(ANA + path)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"
    token = login(c, "diaodu")
    c.cookies.clear()
    r = c.get(ANA + path, headers=bearer(token))
    assert r.status_code == 403 and "read:analysis" in r.json()["detail"]


def test_ridership_by_line_channel_and_hour(client: TestClient) -> None:
    r = client.get(f"{ANA}/ridership?from=2026-12-01&to=2026-12-01&by=line")
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "no-store"
    body = r.json()
    assert (body["taps"], body["unmatched"], body["fare_yuan"], body["days"]) == (7, 1, 7.0, 1)
    assert [(x["route_id"], x["line"], x["boardings"]) for x in body["rows"]] == [
        ("R1", "1路", 6),
        (None, None, 1),
    ]
    chan = client.get(f"{ANA}/ridership?by=channel").json()  # today by the app's clock
    assert {x["channel"]: x["boardings"] for x in chan["rows"]} == {
        "ic_card": 4,
        "wechat": 1,
        "alipay": 1,
        "cash": 1,
    }
    hours = client.get(f"{ANA}/ridership?by=hour&route_id=R1").json()
    assert [(x["hour"], x["boardings"]) for x in hours["rows"]] == [(8, 6)]
    stops = client.get(f"{ANA}/ridership?by=stop&route_id=R1").json()
    assert [(x["stop_id"], x["stop"], x["boardings"]) for x in stops["rows"]] == [
        ("A1", "中央大街", 3),
        ("B1", "解放路口", 2),
        ("D1", "医科大学", 1),
    ]


def test_running_times_per_segment(client: TestClient) -> None:
    r = client.get(f"{ANA}/running-times?route_id=R1&direction_id=0")
    assert r.status_code == 200, r.text
    body = r.json()
    segs = [
        (s["from_stop_id"], s["to_stop_id"], s["runs"], s["median_s"]) for s in body["segments"]
    ]
    assert segs == [("A1", "B1", 2, 180.0), ("B1", "C1", 2, 165.0), ("C1", "D1", 2, 210.0)]
    assert body["segments"][1]["p85_s"] == pytest.approx(175.5)
    assert {h["hour"] for h in body["hours"]} == {8}


def test_mileage_per_line_and_vehicle(client: TestClient, store: Store) -> None:
    out = next(
        p for p in store.queries.list_patterns() if p.route_id == "R1" and p.direction_id == 0
    )
    back = next(
        p for p in store.queries.list_patterns() if p.route_id == "R1" and p.direction_id == 1
    )
    outbound_m = out.stops[-1].dist_m - out.stops[0].dist_m
    inbound_m = back.stops[-1].dist_m - back.stops[0].dist_m
    body = client.get(f"{ANA}/mileage").json()
    assert body["trips"] == 3 and body["unmeasured"] == 0
    assert body["rows"] == [
        {
            "route_id": "R1",
            "line": "1路",
            "trips": 3,
            "revenue_km": round((2 * outbound_m + inbound_m) / 1000, 2),
            "unmeasured": 0,
        }
    ]
    vehicles = client.get(f"{ANA}/mileage?by=vehicle").json()["rows"]
    assert {v["vehicle_id"]: v["trips"] for v in vehicles} == {"V1": 2, "V2": 1}


def test_profile_has_boardings_along_the_line_and_the_inferred_load(client: TestClient) -> None:
    body = client.get(f"{ANA}/profile?route_id=R1&direction_id=0").json()
    assert body["trips"] == 2 and body["boardings"] == 5
    assert [(s["stop_id"], s["boardings"], s["per_trip"]) for s in body["stops"]] == [
        ("A1", 3, 1.5),
        ("B1", 2, 1.0),
        ("C1", 0, 0.0),
        ("D1", 0, 0.0),
    ]
    load = body["load"]
    assert load is not None and [x["from_stop_id"] for x in load] == ["A1", "B1", "C1"]
    assert all(x["mean_load"] >= 0 for x in load) and load[0]["mean_load"] > 0
    assert body["represented_share_pct"] is not None
    span = client.get(f"{ANA}/profile?route_id=R1&from=2026-11-30&to=2026-12-01").json()
    assert span["load"] is None  # loads are inferred one day at a time


def test_csv_downloads_are_utf8_with_a_bom(client: TestClient) -> None:
    r = client.get(f"{ANA}/ridership?by=stop&route_id=R1&format=csv")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert (
        'filename="analysis-ridership-stop-R1-2026-12-01.csv"' in r.headers["Content-Disposition"]
    )
    assert r.headers["Cache-Control"] == "no-store"
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert (rows[0]["stop"], rows[0]["boardings"]) == ("中央大街", "3")
    for path in ("/running-times?route_id=R1", "/mileage?by=vehicle", "/profile?route_id=R1"):
        got = client.get(f"{ANA}{path}&format=csv")
        assert got.status_code == 200 and got.content.startswith("\ufeff".encode()), path
        assert len(got.content.decode("utf-8-sig").splitlines()) > 1, path


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("/ridership?from=2026-13-01", "from"),
        ("/ridership?from=2026-12-01&to=yesterday", "to"),
        ("/mileage?from=2026-12-02&to=2026-12-01", "before"),
        ("/mileage?from=2026-10-01&to=2026-12-01", "at most 31"),
        ("/ridership?by=route", "by"),
        ("/running-times?route_id=R1&direction_id=2", "direction_id"),
        ("/profile", "route_id"),
    ],
)
def test_bad_parameters_are_422_naming_them(client: TestClient, query: str, names: str) -> None:
    r = client.get(ANA + query)
    assert r.status_code == 422, r.text
    assert names in r.text


def test_an_unknown_line_is_404_and_a_missing_store_part_503(
    client: TestClient, store: Store
) -> None:
    r = client.get(f"{ANA}/running-times?route_id=R9")
    assert r.status_code == 404 and "R9" in r.json()["detail"]
    c = TestClient(_app(store, fares=False))
    login(c, "jingli")
    assert c.get(f"{ANA}/ridership").status_code == 503
    assert c.get(f"{ANA}/mileage").status_code == 200  # needs no taps


def test_profile_load_is_counted_when_the_passenger_counters_counted(
    client: TestClient, store: Store
) -> None:
    """On 2 December the counters counted O0 (A1 +10; no opening at B1; C1 +2 −4; D1 all
    off) and O1, whose counter joined at B1 (+6; C1 −1): the load is carried over B1,
    and O1 does not count as empty from A1 to B1."""
    day = DAY + dt.timedelta(days=1)
    rows = [
        ("V1", "O0", 1, "A1", 10, 0, 10),
        ("V1", "O0", 3, "C1", 2, 4, 8),
        ("V1", "O0", 4, "D1", 0, 8, 0),
        ("V2", "O1", 2, "B1", 6, 0, 6),
        ("V2", "O1", 3, "C1", 0, 1, 5),
        ("V2", "O1", 4, "D1", 0, 5, 0),
    ]
    store.history.add_passenger_loads(
        [
            PassengerLoadRecord(day, v, trip, stop, seq, b, a, on, 80, _at("09:00"))
            for v, trip, seq, stop, b, a, on in rows
        ]
    )
    body = client.get(f"{ANA}/profile?route_id=R1&direction_id=0&from=2026-12-02").json()
    assert body["load_source"] == "passenger_counter"
    assert body["represented_share_pct"] is None
    got = [
        (x["from_stop_id"], x["to_stop_id"], x["mean_load"], x["max_load"], x["trips"])
        for x in body["load"]
    ]
    assert got == [
        ("A1", "B1", 10.0, 10.0, 1),
        ("B1", "C1", 8.0, 10.0, 2),
        ("C1", "D1", 6.5, 8.0, 2),
    ]
    c1 = body["load"][2]
    assert (c1["boardings"], c1["alightings"]) == (1.0, 2.5)
    # over a span, too; the day without counts keeps the OD inference
    span = client.get(f"{ANA}/profile?route_id=R1&from=2026-11-30&to=2026-12-02").json()
    assert span["load_source"] == "passenger_counter" and span["load"][1]["mean_load"] == 8.0
    od = client.get(f"{ANA}/profile?route_id=R1&direction_id=0").json()
    assert od["load_source"] == "od_inference"
    assert (
        client.get(f"{ANA}/profile?route_id=R1&direction_id=1&from=2026-12-02").json()["load"]
        is None
    )
