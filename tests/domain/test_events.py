"""The events' wire form: a golden file, round trips, and what decoding refuses.

The golden file (golden/events_v1.jsonl) is version 1 of the wire form, one event type
per line. If a change here makes it fail, the wire form changed: that is a new version of
the type (see busbrain.domain.events), not an edit of the golden file.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from msgspec.structs import replace

from busbrain.domain.errors import EventDecodeError
from busbrain.domain.events import (
    EVENT_TYPES,
    AlarmAttachment,
    AlarmCleared,
    AlarmRaised,
    CommandOutcome,
    DriverIdentity,
    Event,
    HeadwayStatus,
    PassengerCount,
    Position,
    StopVisited,
    TerminalOffline,
    TerminalOnline,
    VehicleLocation,
    VehicleOffRoute,
    VehicleStale,
    decode_event,
    encode_event,
    partition_of,
    subject_for,
)

GOLDEN = Path(__file__).parent / "golden" / "events_v1.jsonl"
T = dt.datetime(2026, 11, 29, 0, 30, 5, tzinfo=dt.UTC)
RECEIVED = dt.datetime(2026, 11, 29, 0, 30, 5, 412000, tzinfo=dt.UTC)
PHONE = "013912345678"
PLATE = "辽G12345"

EXPECTED: list[Event] = [
    VehicleLocation(
        phone=PHONE,
        vehicle=PLATE,
        ts_utc=T,
        lat_deg=41.119_86,
        lon_deg=121.127_03,
        speed_kmh=23.4,
        heading_deg=87.0,
        altitude_m=18.0,
        received_utc=RECEIVED,
        alarm_bits=0x2,
        status_bits=0xC0003,
        blind_area=True,
        mileage_km=10234.5,
        extra={"gnss_satellites": 14, "signal_strength": 23, "io_status": "0000"},
    ),
    AlarmRaised(
        phone=PHONE,
        vehicle=PLATE,
        ts_utc=T,
        kind="adas.forward_collision",
        level=2,
        position=Position(lat_deg=41.119_86, lon_deg=121.127_03),
        alarm_id="013912345678-261129003005-01",
        details={"speed_kmh": 41.0, "front_distance_m": 3.2},
    ),
    AlarmCleared(phone=PHONE, vehicle=None, ts_utc=T, kind="overspeed"),
    TerminalOnline(phone=PHONE, vehicle=PLATE, ts_utc=T),
    TerminalOffline(phone=PHONE, vehicle=PLATE, ts_utc=T, reason="idle_timeout"),
    CommandOutcome(
        phone=PHONE,
        ts_utc=T,
        command_id="cmd-000042",
        kind="text",
        status="timed_out",
        detail="no reply after 3 tries",
    ),
    PassengerCount(
        phone=PHONE,
        vehicle="V0007",
        ts_utc=T,
        start_utc=T - dt.timedelta(seconds=25),
        boarded=6,
        alighted=2,
    ),
    DriverIdentity(
        phone=PHONE,
        vehicle="V0007",
        ts_utc=T,
        signed_in=True,
        read_ok=True,
        driver_name="张伟",
        certificate="210703198805120012",
        authority="锦州市运管处",
        valid_until=dt.date(2030, 6, 30),
    ),
    StopVisited(
        phone=PHONE,
        vehicle="V0007",
        ts_utc=T,
        trip_id="1_WD_0_012",
        route_id="1",
        stop_id="S0042_1",
        stop_sequence=7,
        departure_utc=RECEIVED,
        stopped=True,
        delay_s=-35.5,
    ),
    HeadwayStatus(
        phone=PHONE,
        vehicle="V0007",
        ts_utc=T,
        route_id="1",
        trip_id="1_WD_0_012",
        stop_id="S0042_1",
        status="bunched",
        headway_s=95.0,
        scheduled_headway_s=480.0,
        ahead_vehicle="V0003",
    ),
    VehicleOffRoute(phone=PHONE, vehicle="V0007", ts_utc=T, trip_id="1_WD_0_012"),
    VehicleStale(phone=PHONE, vehicle="V0007", ts_utc=T, trip_id=None, silent_s=300.0),
    AlarmAttachment(
        phone=PHONE,
        ts_utc=T,
        alarm_id="123",
        file_name="00_64_6401_0_013912345678-123.jpg",
        file_type=0,
        size_bytes=2048,
        path="013912345678/123/00_64_6401_0_013912345678-123.jpg",
        complete=True,
    ),
]


def golden_lines() -> list[bytes]:
    return GOLDEN.read_bytes().splitlines()


def test_golden_file_covers_every_event_type_once() -> None:
    types = [json.loads(line)["type"] for line in golden_lines()]
    assert sorted(types) == sorted(cls.TYPE for cls in EVENT_TYPES)


@pytest.mark.parametrize("index", range(len(EXPECTED)), ids=[e.TYPE for e in EXPECTED])
def test_golden_line_decodes_to_the_expected_event(index: int) -> None:
    assert decode_event(golden_lines()[index]) == EXPECTED[index]


@pytest.mark.parametrize("index", range(len(EXPECTED)), ids=[e.TYPE for e in EXPECTED])
def test_expected_event_encodes_to_the_golden_line_byte_for_byte(index: int) -> None:
    assert encode_event(EXPECTED[index]) == golden_lines()[index]


def test_partitioning_is_stable_across_builds() -> None:
    """Changing the hash would move vehicles between partitions on a deploy."""
    phones = (PHONE, "013800000001", "2019000000000000001")
    assert [partition_of(p, 16) for p in phones] == [3, 10, 5]
    assert partition_of(PHONE, 5) == 1
    assert subject_for(EXPECTED[0], 16) == "busbrain.v1.vehicle_location.3"
    assert subject_for(EXPECTED[4], 16, prefix="x") == "x.v1.terminal_offline.3"
    with pytest.raises(ValueError, match="partitions"):
        partition_of(PHONE, 0)


def with_data(line: bytes, **changes: object) -> bytes:
    envelope = json.loads(line)
    envelope["data"].update(changes)
    return json.dumps(envelope).encode()


def test_unknown_fields_are_ignored() -> None:
    envelope = json.loads(golden_lines()[0])
    envelope["data"]["fuel_l"] = 51.5
    envelope["data"]["new_nested"] = {"a": [1, 2]}
    envelope["trace_id"] = "abc"
    assert decode_event(json.dumps(envelope).encode()) == EXPECTED[0]


def test_optional_fields_may_be_missing() -> None:
    """An older producer that did not send a defaulted field still decodes."""
    envelope = json.loads(golden_lines()[0])
    for name in ("vehicle", "mileage_km", "extra", "blind_area", "alarm_bits"):
        del envelope["data"][name]
    event = decode_event(json.dumps(envelope).encode())
    assert isinstance(event, VehicleLocation)
    assert (event.vehicle, event.mileage_km, event.extra, event.blind_area) == (
        None,
        None,
        {},
        False,
    )


def test_unknown_type_is_refused_naming_the_known_ones() -> None:
    line = json.dumps({"type": "door_opened", "version": 1, "data": {}}).encode()
    with pytest.raises(
        EventDecodeError, match=r"unknown event type 'door_opened'.*vehicle_location"
    ):
        decode_event(line)


def test_unknown_version_is_refused_naming_the_readable_ones() -> None:
    envelope = json.loads(golden_lines()[0])
    envelope["version"] = 2
    with pytest.raises(
        EventDecodeError, match=r"version 2 of event type 'vehicle_location'.*\[1\]"
    ):
        decode_event(json.dumps(envelope).encode())


@pytest.mark.parametrize(
    "payload",
    [b"", b"not json", b"[1, 2]", b'{"type": "vehicle_location", "data": {}}', b"\xff\xfe"],
)
def test_malformed_envelope_is_refused(payload: bytes) -> None:
    with pytest.raises(EventDecodeError, match="not an event envelope"):
        decode_event(payload)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lat_deg": "41.1"}, r"Expected `float`, got `str` - at `\$.lat_deg`"),
        ({"ts_utc": "2026-11-29T08:30:05"}, "timezone"),
        ({"lat_deg": 91.0}, "not a WGS-84 position"),
        ({"phone": None}, r"\$.phone"),
        ({"extra": {"nested": [1]}}, r"\$.extra"),
    ],
)
def test_bad_data_is_refused_with_the_field(changes: dict[str, object], message: str) -> None:
    with pytest.raises(EventDecodeError, match=message):
        decode_event(with_data(golden_lines()[0], **changes))


def test_bad_literal_is_refused() -> None:
    with pytest.raises(EventDecodeError, match=r"reason"):
        decode_event(with_data(golden_lines()[4], reason="exploded"))


def test_times_with_an_offset_become_utc_on_decode_and_construction() -> None:
    line = with_data(golden_lines()[3], ts_utc="2026-11-29T08:30:05+08:00")
    event = decode_event(line)
    assert event.ts_utc == T and event.ts_utc.tzinfo is dt.UTC
    shanghai = dt.timezone(dt.timedelta(hours=8))
    built = TerminalOnline(phone=PHONE, vehicle=PLATE, ts_utc=T.astimezone(shanghai))
    assert built.ts_utc.tzinfo is dt.UTC and encode_event(built) == golden_lines()[3]


def test_construction_refuses_what_could_not_travel() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        TerminalOnline(phone=PHONE, ts_utc=dt.datetime(2026, 11, 29))
    with pytest.raises(ValueError, match="finite"):
        replace(EXPECTED[0], speed_kmh=float("nan"))
    with pytest.raises(ValueError, match="extra"):
        replace(EXPECTED[0], extra={"x": [1]})
    with pytest.raises(ValueError, match="WGS-84"):
        Position(lat_deg=0.0, lon_deg=181.0)


def test_integral_floats_encode_as_floats() -> None:
    """90 and 90.0 must give the same bytes, or the wire form depends on the producer."""
    assert encode_event(replace(EXPECTED[0], heading_deg=87)) == golden_lines()[0]


def test_event_ids_name_what_makes_an_event_the_same() -> None:
    loc = EXPECTED[0]
    assert loc.event_id == "vehicle_location/013912345678/2026-11-29T00:30:05+00:00/2/c0003"
    later = replace(loc, received_utc=RECEIVED + dt.timedelta(hours=1))
    assert later.event_id == loc.event_id  # a re-sent report is the same event
    assert EXPECTED[5].event_id == "command_outcome/cmd-000042/timed_out"


# -- round trips ----------------------------------------------------------------------------

utc_times = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)
)
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | finite
    | st.text(max_size=12)
)
flat = st.dictionaries(st.text(max_size=10), scalars, max_size=4)
phones = st.text(alphabet="0123456789", min_size=1, max_size=20)
names = st.none() | st.text(max_size=12)
positions = st.builds(Position, lat_deg=st.floats(-90, 90), lon_deg=st.floats(-180, 180))

locations = st.builds(
    VehicleLocation,
    phone=phones,
    vehicle=names,
    ts_utc=utc_times,
    lat_deg=st.floats(-90, 90),
    lon_deg=st.floats(-180, 180),
    speed_kmh=finite,
    heading_deg=finite,
    altitude_m=finite,
    received_utc=utc_times,
    alarm_bits=st.integers(0, 2**32 - 1),
    status_bits=st.integers(0, 2**32 - 1),
    blind_area=st.booleans(),
    mileage_km=st.none() | finite,
    extra=flat,
)
alarm_fields = {
    "phone": phones,
    "vehicle": names,
    "ts_utc": utc_times,
    "kind": st.text(min_size=1, max_size=20),
    "level": st.none() | st.integers(0, 9),
    "position": st.none() | positions,
    "alarm_id": names,
    "details": flat,
}
events = st.one_of(
    locations,
    st.builds(AlarmRaised, **alarm_fields),
    st.builds(AlarmCleared, **alarm_fields),
    st.builds(TerminalOnline, phone=phones, vehicle=names, ts_utc=utc_times),
    st.builds(
        TerminalOffline,
        phone=phones,
        vehicle=names,
        ts_utc=utc_times,
        reason=st.sampled_from(["closed", "idle_timeout", "replaced", "unregistered"]),
    ),
    st.builds(
        CommandOutcome,
        phone=phones,
        vehicle=names,
        ts_utc=utc_times,
        command_id=st.text(min_size=1, max_size=20),
        kind=st.text(max_size=20),
        status=st.sampled_from(["acked", "failed", "timed_out", "offline", "unsupported"]),
        detail=st.text(max_size=40),
    ),
)


@given(events)
def test_every_event_survives_a_round_trip(event: Event) -> None:
    payload = encode_event(event)
    back = decode_event(payload)
    assert back == event
    assert type(back) is type(event)
    assert encode_event(back) == payload


@given(events, st.dictionaries(st.text(min_size=1, max_size=8).map(lambda s: "zz_" + s), scalars))
def test_added_fields_do_not_disturb_old_readers(event: Event, added: dict[str, object]) -> None:
    envelope = json.loads(encode_event(event))
    envelope["data"].update(added)
    assert decode_event(json.dumps(envelope).encode()) == event
