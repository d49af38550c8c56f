"""GTFS-Realtime feeds from a hand-made live picture on the tiny feed, checked by decoding
them and by the third-party GTFS-RT validator against the tiny feed itself.

The moment is Monday 2026-11-30 06:22 in Jinzhou (Asia/Shanghai, the agency's zone):
- V1 runs trip T2 (route 1, D1→C1→A2, 06:20–06:30) between D1 and C1, with predictions
  for its two remaining stops (given out of order);
- V2 is on no trip, parked by E1;
- V3 waits at A1 for trip T4 (route 2, A1→E1→F1, from 07:00), with sane predictions for
  A1 and E1 and an absurd one (nine hours ahead) for F1 that must not be published.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from google.transit import gtfs_realtime_pb2
from gtfs_rt_validator import api as rtv

from busbrain.api import create_app
from busbrain.api.gtfsrt import (
    HORIZON_S,
    PAST_SLACK_S,
    feed_as_json,
    trip_updates,
    vehicle_positions,
)
from busbrain.domain.live import LiveSnapshot, StopPrediction, StopStatus, VehicleLive
from busbrain.network_io.importer import import_feed
from busbrain.wiring import open_store
from tests.tinyfeed import TinyFeed

JINZHOU = ZoneInfo("Asia/Shanghai")
VP_URL = "/gtfs-rt/vehicle-positions"
TU_URL = "/gtfs-rt/trip-updates"
FeedMessage = gtfs_realtime_pb2.FeedMessage
VehiclePosition = gtfs_realtime_pb2.VehiclePosition


def local(h: int, m: int, s: int = 0) -> float:
    """Unix seconds of a wall-clock time in Jinzhou on the snapshot's service day."""
    return dt.datetime(2026, 11, 30, h, m, s, tzinfo=JINZHOU).timestamp()


NOW = local(6, 22)

V1 = VehicleLive(
    vehicle_id="V1",
    fix_unix=NOW - 5,
    lat=41.1235,  # on the road from D1 down to C1
    lon=121.142,
    bearing=180.0,
    speed_ms=8.0,
    label="辽G12345",
    trip_id="T2",
    route_id="R1",
    direction_id=1,
    start_date="20261130",
    start_time="06:20:00",
    stop_id="C1",
    stop_sequence=2,
    status=StopStatus.IN_TRANSIT_TO,
    delay_s=30.4,
    predictions=(
        StopPrediction("A2", 3, local(6, 31), None, 90),
        StopPrediction("C1", 2, local(6, 25), local(6, 25, 20), 30),
    ),
    predicted_at=NOW - 3,
    occupancy_percent=64,
)
V2 = VehicleLive(
    vehicle_id="V2",
    fix_unix=NOW - 10,
    lat=41.126,  # by E1, on no trip
    lon=121.13,
    bearing=-90.0,
    speed_ms=0.0,
    label="辽G00002",
)
V3 = VehicleLive(
    vehicle_id="V3",
    fix_unix=NOW - 2,
    lat=41.1201,  # at A1
    lon=121.13,
    label="辽G00003",
    trip_id="T4",
    route_id="R2",
    direction_id=0,
    start_date="20261130",
    start_time="07:00:00",
    stop_id="A1",
    stop_sequence=1,
    status=StopStatus.STOPPED_AT,
    predictions=(
        StopPrediction("A1", 1, local(7, 0), local(7, 0), 60),
        StopPrediction("E1", 2, local(7, 5), None, 120),
        StopPrediction("F1", 3, NOW + 9 * 3600),  # absurd: a different day
    ),
    predicted_at=NOW - 2,
)
SNAPSHOT = LiveSnapshot(made_at=NOW + 0.7, vehicles=(V1, V2, V3))


@pytest.fixture
def store_url(tiny: TinyFeed, tmp_path: Path) -> Iterator[str]:
    """A SQLite store holding the tiny feed; yields its URL."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = open_store(url)
    import_feed(tiny.folder(), store.network, now=dt.datetime(2026, 11, 29, tzinfo=dt.UTC))
    store.close()
    yield url


@pytest.fixture
def client(store_url: str) -> Iterator[TestClient]:
    store = open_store(store_url)
    try:
        with TestClient(create_app(store.queries, live=lambda: SNAPSHOT)) as c:
            yield c
    finally:
        store.close()


def _feed(client: TestClient, url: str) -> gtfs_realtime_pb2.FeedMessage:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/x-protobuf"
    assert response.headers["cache-control"] == "no-cache"
    msg = FeedMessage()
    msg.ParseFromString(response.content)
    return msg


def _check_header(msg: gtfs_realtime_pb2.FeedMessage, timestamp: int) -> None:
    assert msg.header.gtfs_realtime_version == "2.0"
    assert msg.header.incrementality == gtfs_realtime_pb2.FeedHeader.FULL_DATASET
    assert msg.header.timestamp == timestamp


# ---- VehiclePositions ----


def test_vehicle_positions_has_every_vehicle(client: TestClient) -> None:
    msg = _feed(client, VP_URL)
    _check_header(msg, int(NOW))
    assert [e.id for e in msg.entity] == ["V1", "V2", "V3"]
    v1, v2, v3 = (e.vehicle for e in msg.entity)

    assert v1.trip.trip_id == "T2"
    assert v1.trip.route_id == "R1"
    assert v1.trip.direction_id == 1
    assert v1.trip.start_date == "20261130"
    assert v1.trip.start_time == "06:20:00"
    assert v1.trip.schedule_relationship == gtfs_realtime_pb2.TripDescriptor.SCHEDULED
    assert (v1.vehicle.id, v1.vehicle.label) == ("V1", "辽G12345")
    assert v1.position.latitude == pytest.approx(41.1235)
    assert v1.position.longitude == pytest.approx(121.142)
    assert v1.position.bearing == pytest.approx(180.0)
    assert v1.position.speed == pytest.approx(8.0)
    assert (v1.stop_id, v1.current_stop_sequence) == ("C1", 2)
    assert v1.current_status == VehiclePosition.IN_TRANSIT_TO
    assert v1.timestamp == int(NOW - 5)
    assert v1.occupancy_percentage == 64  # from the passenger counter

    # no trip: no trip descriptor and no stop, but still a vehicle with a position
    assert not v2.HasField("trip")
    assert not v2.HasField("stop_id") and not v2.HasField("current_stop_sequence")
    assert not v2.HasField("current_status")
    assert v2.vehicle.id == "V2"
    assert v2.position.bearing == pytest.approx(270.0)  # -90° folded into [0, 360)
    assert v2.position.speed == 0.0 and v2.position.HasField("speed")
    assert not v2.HasField("occupancy_percentage")  # no counter: nothing said

    assert v3.current_status == VehiclePosition.STOPPED_AT
    assert (v3.stop_id, v3.current_stop_sequence) == ("A1", 1)
    assert not v3.position.HasField("bearing") and not v3.position.HasField("speed")


# ---- TripUpdates ----


def test_trip_updates_for_vehicles_with_predictions(client: TestClient) -> None:
    msg = _feed(client, TU_URL)
    _check_header(msg, int(NOW))
    assert [e.id for e in msg.entity] == ["tu-V1", "tu-V3"]  # V2 has no trip
    tu1, tu3 = (e.trip_update for e in msg.entity)

    assert tu1.trip.trip_id == "T2"
    assert tu1.trip.start_time == "06:20:00"
    assert tu1.vehicle.id == "V1" and tu1.vehicle.label == "辽G12345"
    assert tu1.timestamp == int(NOW - 3)
    assert tu1.delay == 30
    # in stop_sequence order although predicted the other way round
    assert [(u.stop_sequence, u.stop_id) for u in tu1.stop_time_update] == [(2, "C1"), (3, "A2")]
    c1, a2 = tu1.stop_time_update
    assert c1.arrival.time == int(local(6, 25))
    assert c1.arrival.uncertainty == 30
    assert c1.departure.time == int(local(6, 25, 20))
    assert a2.arrival.time == int(local(6, 31))
    assert a2.arrival.uncertainty == 90
    assert a2.departure.time == a2.arrival.time  # no dwell predicted

    assert tu3.trip.trip_id == "T4"
    assert not tu3.HasField("delay")
    # F1's arrival nine hours ahead is dropped
    assert [u.stop_id for u in tu3.stop_time_update] == ["A1", "E1"]
    assert not tu3.stop_time_update[0].departure.HasField("uncertainty")


# ---- JSON ----


def test_json_format(client: TestClient) -> None:
    for url, ids in ((VP_URL, ["V1", "V2", "V3"]), (TU_URL, ["tu-V1", "tu-V3"])):
        response = client.get(url, params={"format": "json"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/json")
        assert response.headers["cache-control"] == "no-cache"
        body = response.json()
        assert body["header"] == {
            "gtfs_realtime_version": "2.0",
            "incrementality": "FULL_DATASET",
            "timestamp": str(int(NOW)),  # the JSON mapping sends 64-bit integers as strings
        }
        assert [e["id"] for e in body["entity"]] == ids
        # the same content as the protobuf, field names as in the .proto
        msg = FeedMessage()
        msg.ParseFromString(client.get(url).content)
        assert body == feed_as_json(msg)

    vp = client.get(VP_URL, params={"format": "json"}).json()["entity"][0]["vehicle"]
    assert vp["current_status"] == "IN_TRANSIT_TO"
    assert vp["trip"]["start_date"] == "20261130"
    tu = client.get(TU_URL, params={"format": "json"}).json()["entity"][0]["trip_update"]
    assert tu["stop_time_update"][0]["stop_id"] == "C1"
    assert tu["stop_time_update"][0]["arrival"]["time"] == str(int(local(6, 25)))
    assert tu["vehicle"]["label"] == "辽G12345"


def test_unknown_format_is_refused(client: TestClient) -> None:
    for url in (VP_URL, TU_URL):
        response = client.get(url, params={"format": "xml"})
        assert response.status_code == 422
        (problem,) = response.json()["detail"]
        assert problem["loc"] == ["query", "format"]


def test_openapi_lists_the_feeds(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for url in (VP_URL, TU_URL):
        content = paths[url]["get"]["responses"]["200"]["content"]
        assert "application/x-protobuf" in content


# ---- nothing live ----


@pytest.mark.parametrize("live", [None, lambda: None], ids=["no-source", "source-says-none"])
def test_nothing_live_gives_empty_feeds(store_url: str, live: Any) -> None:
    store = open_store(store_url)
    try:
        with TestClient(create_app(store.queries, live=live)) as c:
            before = int(time.time())
            for url in (VP_URL, TU_URL):
                msg = _feed(c, url)
                assert msg.header.gtfs_realtime_version == "2.0"
                assert msg.header.incrementality == gtfs_realtime_pb2.FeedHeader.FULL_DATASET
                assert before <= msg.header.timestamp <= time.time()
                assert len(msg.entity) == 0
                body = c.get(url, params={"format": "json"}).json()
                assert body["entity"] == []
                assert c.get(url, params={"format": "xml"}).status_code == 422
    finally:
        store.close()


# ---- the third-party validator ----


def _validate(gtfs: Path, feeds: dict[str, bytes], clock: float, out: Path) -> list[dict[str, Any]]:
    """Run gtfs-rt-validator (modern mode, clock pinned to `clock`, unix seconds) over
    `feeds` (role "tu"/"vp" → protobuf bytes) against the static feed `gtfs`; print every
    finding and return them (the notices of its report.json plus its system errors)."""
    out.mkdir(parents=True, exist_ok=True)
    roles: dict[str, str] = {}
    for role, body in feeds.items():
        path = out / f"{role}.pb"
        path.write_bytes(body)
        roles[role] = str(path)
    result = rtv.validate(
        rtv.Request(
            mode=rtv.Mode.MODERN,
            gtfs=gtfs,
            inputs=rtv.resolve_roles(roles),
            at=dt.datetime.fromtimestamp(clock, tz=dt.UTC),
        )
    )
    written = result.write(out / "report")
    report = json.loads(written.report.read_text(encoding="utf-8"))
    system = json.loads(written.system_errors.read_text(encoding="utf-8"))
    assert report["summary"]["messagesValidated"] == len(feeds)
    findings: list[dict[str, Any]] = report["notices"] + system["notices"]
    for notice in findings:
        print(f"gtfs-rt-validator {notice['severity']} {notice['code']} x{notice['totalNotices']}")
        for sample in notice["sampleNotices"]:
            print("    ", sample.get("prefix", ""), sample.get("entityPath", ""))
    # the report's severities agree with the library's own verdict
    assert set(result.error_ids()) == {
        n["code"] for n in report["notices"] if n["severity"] == "ERROR"
    }
    return findings


def _errors(findings: list[dict[str, Any]]) -> list[str]:
    return [f"{n['code']}: {n['sampleNotices']}" for n in findings if n["severity"] == "ERROR"]


def test_feeds_pass_the_gtfs_rt_validator(
    client: TestClient, tiny: TinyFeed, tmp_path: Path
) -> None:
    feeds = {"tu": client.get(TU_URL).content, "vp": client.get(VP_URL).content}
    findings = _validate(tiny.zip(), feeds, SNAPSHOT.made_at, tmp_path / "rt")
    assert _errors(findings) == []
    # what it does say: V2 has no TripUpdate, which is right for a bus on no trip
    assert {n["code"] for n in findings} <= {"W003"}


def test_the_validator_does_catch_errors(
    client: TestClient, tiny: TinyFeed, tmp_path: Path
) -> None:
    """The harness is not blind: arrivals without departures at stops where the schedule
    has both break the spec (S006), which is why every update carries a departure."""
    msg = FeedMessage()
    msg.ParseFromString(client.get(TU_URL).content)
    for entity in msg.entity:
        for update in entity.trip_update.stop_time_update:
            update.ClearField("departure")
    findings = _validate(
        tiny.zip(), {"tu": msg.SerializeToString()}, SNAPSHOT.made_at, tmp_path / "rt"
    )
    assert {n["code"] for n in findings if n["severity"] == "ERROR"} == {"S006"}


def test_empty_feeds_pass_the_gtfs_rt_validator(
    store_url: str, tiny: TinyFeed, tmp_path: Path
) -> None:
    store = open_store(store_url)
    try:
        with TestClient(create_app(store.queries)) as c:
            feeds = {"tu": c.get(TU_URL).content, "vp": c.get(VP_URL).content}
    finally:
        store.close()
    header = FeedMessage()
    header.ParseFromString(feeds["vp"])
    findings = _validate(tiny.zip(), feeds, header.header.timestamp, tmp_path / "rt")
    assert _errors(findings) == []


# ---- what is never published (the pure functions) ----


def _predicted(*predictions: StopPrediction, made_at: float = NOW) -> list[tuple[int, int, int]]:
    """(stop_sequence, arrival, departure) of the one TripUpdate built from `predictions`."""
    v = VehicleLive("X", NOW, 41.12, 121.13, trip_id="T4", predictions=predictions)
    msg = trip_updates(LiveSnapshot(made_at, (v,)))
    if not msg.entity:
        return []
    return [
        (u.stop_sequence, u.arrival.time, u.departure.time)
        for u in msg.entity[0].trip_update.stop_time_update
    ]


def test_absurd_predictions_are_dropped() -> None:
    t = int(NOW)
    assert _predicted(
        StopPrediction("A1", 1, 0.0),  # no time at all
        StopPrediction("E1", 2, NOW - PAST_SLACK_S - 1),  # long gone
        StopPrediction("F1", 3, NOW + 60),
    ) == [(3, t + 60, t + 60)]
    assert _predicted(StopPrediction("F1", 3, NOW + HORIZON_S + 1)) == []
    assert _predicted(StopPrediction("F1", 3, math.nan)) == []
    assert _predicted(StopPrediction("A1", 1, NOW - PAST_SLACK_S + 1)) == [(1, t - 119, t - 119)]


def test_times_increase_along_the_trip() -> None:
    t = int(NOW)
    assert _predicted(
        StopPrediction("A1", 1, NOW + 100, NOW + 130),
        StopPrediction("E1", 2, NOW + 120),  # before A1's departure: dropped
        StopPrediction("E1", 2, NOW + 200),  # a second update for seq 2: dropped
        StopPrediction("F1", 3, NOW + 130),  # equal to A1's departure: dropped
        StopPrediction("F1", 4, NOW + 300, NOW + 290),  # departure before arrival: = arrival
    ) == [(1, t + 100, t + 130), (4, t + 300, t + 300)]


def test_out_of_range_values_are_left_out() -> None:
    v = VehicleLive(
        "X",
        NOW + 30,  # a fix "after" the snapshot: capped at the header time
        0.0,
        0.0,  # no GPS fix
        bearing=math.inf,
        trip_id="T4",
        direction_id=7,
        start_date="20261131",
        start_time="7:00",
        stop_sequence=-1,
    )
    (entity,) = vehicle_positions(LiveSnapshot(NOW, (v,))).entity
    vp = entity.vehicle
    assert not vp.HasField("position")
    assert vp.timestamp == int(NOW)
    assert vp.trip.trip_id == "T4"
    for name in ("direction_id", "start_date", "start_time", "route_id"):
        assert not vp.trip.HasField(name), name
    assert not vp.HasField("current_stop_sequence") and not vp.HasField("current_status")


def _on_t4(vehicle_id: str, arrival: float, predicted_at: float) -> VehicleLive:
    return VehicleLive(
        vehicle_id,
        NOW,
        41.12,
        121.13,
        trip_id="T4",
        start_date="20261130",
        start_time="07:00:00",
        predictions=(StopPrediction("A1", 1, arrival),),
        predicted_at=predicted_at,
    )


def test_one_entity_per_vehicle_and_per_trip() -> None:
    older = VehicleLive("V1", NOW - 30, 41.12, 121.13)
    a = _on_t4("A", NOW + 60, predicted_at=NOW - 9)
    b = _on_t4("B", NOW + 90, predicted_at=NOW - 1)
    snap = LiveSnapshot(NOW, (a, b, V1, older))
    vp = vehicle_positions(snap)
    assert [e.id for e in vp.entity] == ["A", "B", "V1"]
    assert vp.entity[2].vehicle.timestamp == int(V1.fix_unix)  # the newer fix of V1
    tu = trip_updates(snap)
    # A and B claim the same trip: only the newer prediction is published
    assert [e.id for e in tu.entity] == ["tu-B", "tu-V1"]
