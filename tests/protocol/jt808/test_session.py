"""Jt808Session: resynchronisation, rejected frames as events, bounds, reassembly, and
the outgoing serial."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import busbrain.protocol.jt808 as j

PHONE = "13912345678"
V2013, V2019 = j.ProtocolVersion.V2013, j.ProtocolVersion.V2019
WHEN = datetime(2025, 5, 1, 8, 30, 15, tzinfo=j.CHINA_TZ)
LOCATION = j.Location(0, 3, 31.2304, 121.4737, 12, 36.5, 90, WHEN, (j.Mileage(1234.5),))


def frame(message: Any = LOCATION, serial: int = 1, version: j.ProtocolVersion = V2013) -> bytes:
    return j.encode_message(message, phone=PHONE, serial=serial, version=version)


def events_of(session: j.Jt808Session) -> list[j.Event]:
    return list(session.events())


def messages_of(events: list[j.Event]) -> list[Any]:
    return [e.message for e in events if isinstance(e, j.MessageReceived)]


def errors_of(events: list[j.Event]) -> list[type]:
    return [type(e.error) for e in events if isinstance(e, j.FrameRejected)]


def fragments(body: bytes, *, total: int, first_serial: int = 100) -> list[bytes]:
    """`body` cut into `total` packages of a 0x0801, one frame each."""
    size = -(-len(body) // total)
    return [
        j.encode_frame(
            j.Header(
                0x0801,
                PHONE,
                (first_serial + i) & 0xFFFF,
                V2013,
                package_total=total,
                package_index=i + 1,
            ),
            body[i * size : (i + 1) * size],
        )
        for i in range(total)
    ]


BASIC = j.Location(0, 3, 31.2304, 121.4737, 12, 36.5, 90, WHEN)
UPLOAD = j.MultimediaUpload(7, 0, 0, 1, 1, BASIC, bytes(range(256)) * 4)
UPLOAD_BODY = j.encode_body(UPLOAD, V2013)


def test_garbage_before_the_first_flag_is_skipped() -> None:
    session = j.Jt808Session()
    session.receive_data(b"GET / HTTP/1.1\r\n" + frame())
    assert messages_of(events_of(session)) == [LOCATION]
    assert session.discarded_bytes == 16


def test_garbage_between_flags_is_rejected_and_the_next_frame_read() -> None:
    session = j.Jt808Session()
    session.receive_data(frame() + b"\x7e\x01\x02\x03\x7e" + frame(serial=2))
    events = events_of(session)
    assert errors_of(events) == [j.FramingError]
    assert messages_of(events) == [LOCATION, LOCATION]


def test_corrupted_frame_is_rejected_and_the_next_frame_read() -> None:
    bad = bytearray(frame())
    bad[20] ^= 0x40
    session = j.Jt808Session()
    session.receive_data(bytes(bad) + frame(serial=2))
    events = events_of(session)
    assert errors_of(events) == [j.ChecksumError]
    assert [e.header.serial for e in events if isinstance(e, j.MessageReceived)] == [2]


def test_bad_escape_is_an_escape_error() -> None:
    session = j.Jt808Session()
    session.receive_data(b"\x7e\x00\x02\x7d\x03\x7e" + frame())
    events = events_of(session)
    assert errors_of(events) == [j.EscapeError]
    assert messages_of(events) == [LOCATION]


def test_flag_shared_between_frames_and_back_to_back_flags_both_work() -> None:
    one, two = frame(serial=1), frame(serial=2)
    session = j.Jt808Session()
    session.receive_data(one + two)  # 7e..7e7e..7e
    session.receive_data(one[:-1] + two)  # 7e..7e..7e
    assert len(messages_of(events_of(session))) == 4


def test_byte_by_byte_feeding_gives_the_same_events() -> None:
    stream = b"junk" + frame(serial=1) + b"\x7e\xff\x7e" + frame(serial=2)
    whole, drip = j.Jt808Session(), j.Jt808Session()
    whole.receive_data(stream)
    for b in stream:
        drip.receive_data(bytes((b,)))
    assert [type(e) for e in events_of(whole)] == [type(e) for e in events_of(drip)]


def test_overlong_frame_is_dropped_and_the_buffer_stays_bounded() -> None:
    session = j.Jt808Session(j.SessionConfig(max_frame_bytes=256))
    session.receive_data(b"\x7e" + b"\x55" * 200)
    session.receive_data(b"\x55" * 200)
    events = events_of(session)
    assert errors_of(events) == [j.FrameTooLongError]
    assert isinstance(events[0], j.FrameRejected) and len(events[0].raw) <= 64
    session.receive_data(b"\x55" * 10_000 + b"\x7e" + frame())  # rest of it, then a frame
    assert messages_of(events_of(session)) == [LOCATION]


def test_overlong_run_between_two_flags_is_dropped() -> None:
    session = j.Jt808Session(j.SessionConfig(max_frame_bytes=64))
    session.receive_data(b"\x7e" + b"\x01" * 100 + frame())
    assert errors_of(events_of(session)) == [j.FrameTooLongError]


def test_body_that_does_not_fit_is_rejected_with_its_header() -> None:
    bad_time = j.encode_frame(j.Header(0x0200, PHONE, 9), bytes(22) + bytes(6))
    session = j.Jt808Session()
    session.receive_data(bad_time + j.encode_frame(j.Header(0x0200, PHONE, 10), bytes(10)))
    events = events_of(session)
    assert errors_of(events) == [j.MessageDecodeError, j.MessageDecodeError]
    assert [e.header.serial for e in events if isinstance(e, j.FrameRejected) and e.header] == [
        9,
        10,
    ]


def test_unknown_and_encrypted_bodies_are_raw_messages() -> None:
    unknown = j.encode_frame(j.Header(0x0F0F, PHONE, 1), b"\x01\x02")
    encrypted = j.encode_frame(j.Header(0x0200, PHONE, 2, encryption=1), b"\x99" * 40)
    session = j.Jt808Session()
    session.receive_data(unknown + encrypted)
    assert messages_of(events_of(session)) == [
        j.RawMessage(0x0F0F, b"\x01\x02"),
        j.RawMessage(0x0200, b"\x99" * 40),
    ]


def test_reassembly_in_order() -> None:
    session = j.Jt808Session()
    session.receive_data(b"".join(fragments(UPLOAD_BODY, total=3)), now=0.0)
    (event,) = events_of(session)
    assert isinstance(event, j.MessageReceived) and event.message == UPLOAD
    assert event.header.package_index == 1 and session.pending_reassembly_bytes == 0


def test_reassembly_out_of_order_with_duplicates() -> None:
    a, b, c, d = fragments(UPLOAD_BODY, total=4)
    session = j.Jt808Session()
    session.receive_data(c + a + c + d + a + b, now=0.0)
    assert messages_of(events_of(session)) == [UPLOAD]


def test_missing_package_times_out_with_the_indexes_to_request() -> None:
    a, _, c = fragments(UPLOAD_BODY, total=3, first_serial=500)
    session = j.Jt808Session(j.SessionConfig(reassembly_timeout_s=30.0))
    session.receive_data(a, now=100.0)
    session.receive_data(c, now=120.0)
    session.expire(149.0)
    assert events_of(session) == []
    session.receive_data(b"", now=151.0)
    (event,) = events_of(session)
    assert isinstance(event, j.ReassemblyAbandoned)
    assert (event.original_serial, event.received, event.missing) == (500, (1, 3), (2,))
    assert event.reason == "timeout" and session.pending_reassembly_bytes == 0
    request = j.RetransmitRequest(event.original_serial, event.missing)
    assert j.decode_body(j.Header(0x8003, PHONE, 1), j.encode_body(request, V2013)) == request


def test_reassembly_memory_is_bounded_per_session() -> None:
    config = j.SessionConfig(max_reassembly_bytes=1500, max_pending_messages=2)
    session = j.Jt808Session(config)
    for n in range(5):  # five incomplete messages of 3 x ~350 bytes: only 1 fits at once
        first, second, _ = fragments(UPLOAD_BODY, total=3, first_serial=1000 * n)
        session.receive_data(first + second, now=float(n))
        assert session.pending_reassembly_bytes <= 1500
    abandoned = [e for e in events_of(session) if isinstance(e, j.ReassemblyAbandoned)]
    assert abandoned and {e.reason for e in abandoned} == {"memory"}


def test_message_bigger_than_the_bound_is_abandoned() -> None:
    session = j.Jt808Session(j.SessionConfig(max_reassembly_bytes=300))
    session.receive_data(b"".join(fragments(UPLOAD_BODY, total=4)), now=0.0)
    events = events_of(session)
    assert messages_of(events) == []
    assert all(isinstance(e, j.ReassemblyAbandoned) for e in events)
    assert session.pending_reassembly_bytes <= 300


@pytest.mark.parametrize(("total", "index"), [(3, 0), (3, 4), (0, 0)])
def test_impossible_package_index_is_rejected(total: int, index: int) -> None:
    header = j.Header(0x0801, PHONE, 1, package_total=total, package_index=index)
    session = j.Jt808Session()
    session.receive_data(j.encode_frame(header, b"abc"))
    assert errors_of(events_of(session)) == [j.ReassemblyError]


@settings(max_examples=40, deadline=None)
@given(
    total=st.integers(2, 12),
    data=st.data(),
)
def test_reassembly_completes_exactly_when_every_index_arrived(
    total: int, data: st.DataObject
) -> None:
    packages = fragments(UPLOAD_BODY, total=total, first_serial=0xFFFA)  # serials wrap
    order = data.draw(st.lists(st.integers(0, total - 1), max_size=3 * total))
    session = j.Jt808Session()
    session.receive_data(b"".join(packages[i] for i in order), now=0.0)
    done = messages_of(events_of(session))
    assert done == ([UPLOAD] if set(order) == set(range(total)) else [])


def test_send_numbers_frames_and_wraps_at_0xffff() -> None:
    session = j.Jt808Session(phone=PHONE, first_serial=0xFFFE)
    serials = []
    for _ in range(3):
        serials.append(j.decode_frame(session.send(j.Heartbeat())).header.serial)
    assert serials == [0xFFFE, 0xFFFF, 0]
    assert session.next_serial == 1


def test_send_subpackages_long_bodies_with_consecutive_serials() -> None:
    params = tuple(j.Parameter(0xF000 + n, bytes(40)) for n in range(60))  # ~2.7 KB
    session = j.Jt808Session(phone=PHONE)
    wire = session.send(j.SetParameters(params))
    headers = [
        j.decode_frame(b"\x7e" + part + b"\x7e").header for part in wire.split(b"\x7e") if part
    ]
    assert [(h.serial, h.package_index, h.package_total) for h in headers] == [
        (0, 1, 3),
        (1, 2, 3),
        (2, 3, 3),
    ]
    peer = j.Jt808Session()
    peer.receive_data(wire)
    assert messages_of(events_of(peer)) == [j.SetParameters(params)]


def test_send_without_a_phone_is_a_local_error() -> None:
    with pytest.raises(j.LocalProtocolError):
        j.Jt808Session().send(j.Heartbeat())


def test_platform_replies_with_the_phone_and_edition_it_received() -> None:
    platform = j.Jt808Session()
    platform.receive_data(frame(j.Authentication("code", "123456789012345", "1.0"), version=V2019))
    (event,) = events_of(platform)
    assert isinstance(event, j.MessageReceived)
    h = event.header
    reply = j.decode_frame(platform.send(j.PlatformGeneralResponse(h.serial, h.msg_id, 0)))
    assert (reply.header.phone, reply.header.version) == (h.phone, V2019)
    assert platform.version == V2019 and platform.phone == h.phone


def test_2019_registration_makes_unflagged_headers_read_as_2019() -> None:
    """Brief §9: remember the edition seen at registration (device clears bit 14)."""
    auth = frame(j.Authentication("code", "123456789012345", "1.0"), version=V2019)
    heartbeat = bytearray(frame(j.Heartbeat(), serial=5, version=V2019))
    heartbeat[3] &= ~0x40  # clear bit 14 ...
    heartbeat[-2] ^= 0x40  # ... and fix the check code
    platform = j.Jt808Session()
    platform.receive_data(auth + bytes(heartbeat))
    events = events_of(platform)
    assert isinstance(events[1], j.MessageReceived)
    assert (events[1].header.version, events[1].header.serial) == (V2019, 5)
    assert events[1].length_mismatch is None
