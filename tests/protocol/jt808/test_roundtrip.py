"""Property tests: every message type encodes and decodes back to itself, in each
edition, as a body, as a frame and through a pair of sessions (with sub-packaging)."""

from __future__ import annotations

from functools import reduce
from operator import xor
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import busbrain.protocol.jt808 as j
from busbrain.protocol.jt808.registry import BY_ID
from busbrain.protocol.jt808.wire import check_code, escape, unescape
from tests.protocol.jt808.strategies import message_strategies, messages

VERSIONS = list(j.ProtocolVersion)
TYPES = sorted(message_strategies(j.ProtocolVersion.V2013))
CASES = [(v, name) for v in VERSIONS for name in TYPES]
PHONES = st.text("0123456789", min_size=1, max_size=12)


def _ids(case: tuple[j.ProtocolVersion, str]) -> str:
    return f"{case[0].value}-{case[1]}"


def test_every_message_type_has_a_strategy() -> None:
    decoded = {codec.message_type.__name__ for codec in BY_ID.values()} | {"RawMessage"}
    assert set(TYPES) == decoded


@pytest.mark.parametrize("case", CASES, ids=_ids)
@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_body_round_trip(case: tuple[j.ProtocolVersion, str], data: st.DataObject) -> None:
    version, name = case
    message: Any = data.draw(message_strategies(version)[name])
    header = j.Header(message.msg_id, "013912345678", 7, version)
    assert j.decode_body(header, j.encode_body(message, version)) == message


@pytest.mark.parametrize("version", VERSIONS)
@settings(max_examples=50, deadline=None)
@given(data=st.data(), phone=PHONES, serial=st.integers(0, 0xFFFF))
def test_frame_round_trip(
    version: j.ProtocolVersion, data: st.DataObject, phone: str, serial: int
) -> None:
    message: Any = data.draw(messages(version))
    body = j.encode_body(message, version)
    if len(body) > 1023:
        with pytest.raises(j.LocalProtocolError):
            j.encode_message(message, phone=phone, serial=serial, version=version)
        return
    wire = j.encode_message(message, phone=phone, serial=serial, version=version)
    assert wire[0] == wire[-1] == 0x7E and 0x7E not in wire[1:-1]
    frame = j.decode_frame(wire, assume_version=version)
    assert frame.header.phone.lstrip("0") == phone.lstrip("0")
    assert (frame.header.serial, frame.header.version) == (serial, version)
    assert frame.length_mismatch is None
    assert j.decode_body(frame.header, frame.body) == message


@pytest.mark.parametrize("version", VERSIONS)
@settings(max_examples=25, deadline=None)
@given(data=st.data(), package_body=st.integers(16, 1023), first=st.integers(0, 0xFFFF))
def test_session_to_session_round_trip_with_subpackaging(
    version: j.ProtocolVersion, data: st.DataObject, package_body: int, first: int
) -> None:
    """A terminal session sends (sub-packaging above `package_body` bytes), a platform
    session receives: the same messages come out, serials advance by package."""
    sent: list[Any] = data.draw(st.lists(messages(version), min_size=1, max_size=4))
    config = j.SessionConfig(max_package_body=package_body)
    terminal = j.Jt808Session(config, phone="13912345678", version=version, first_serial=first)
    platform = j.Jt808Session(j.SessionConfig(assume_version=version))
    wire = b"".join(terminal.send(m) for m in sent)
    platform.receive_data(wire, now=0.0)
    events = list(platform.events())
    assert [type(e) for e in events] == [j.MessageReceived] * len(sent)
    assert [e.message for e in events if isinstance(e, j.MessageReceived)] == sent
    packages = wire.count(b"\x7e") // 2
    assert terminal.next_serial == (first + packages) & 0xFFFF


@settings(max_examples=300)
@given(st.binary(max_size=600))
def test_escaping_round_trip(data: bytes) -> None:
    escaped = escape(data)
    assert 0x7E not in escaped
    assert unescape(escaped) == data
    assert len(escaped) == len(data) + data.count(0x7D) + data.count(0x7E)


@settings(max_examples=300)
@given(st.binary(max_size=2200))
def test_check_code_is_the_xor_of_all_bytes(data: bytes) -> None:
    assert check_code(data) == reduce(xor, data, 0)
