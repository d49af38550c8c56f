"""Random and mutated bytes never raise anything but the codec's own errors, and a
session turns them into events without raising at all."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import busbrain.protocol.jt808 as j
from busbrain.protocol.jt808.registry import BY_ID
from tests.protocol.jt808.frames import load_frames

REAL = [bytes.fromhex(r["hex"]) for r in load_frames()] or [
    j.encode_message(j.Heartbeat(), phone="1", serial=1)
]
EVENT_TYPES = (j.MessageReceived, j.FrameRejected, j.ReassemblyAbandoned)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A real frame with a few bytes flipped, inserted, deleted, or cut off."""
    data = bytearray(draw(st.sampled_from(REAL)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        kind = draw(st.sampled_from(["flip", "insert", "delete", "cut", "flag", "escape"]))
        if kind == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "insert":
            data.insert(at, draw(st.integers(0, 255)))
        elif kind == "delete" and data:
            del data[at]
        elif kind == "cut":
            data = data[:at]
        elif kind == "flag":
            data.insert(at, 0x7E)
        elif kind == "escape":
            data.insert(at, 0x7D)
    return bytes(data)


def _feed(chunks: list[bytes], config: j.SessionConfig | None = None) -> list[j.Event]:
    session = j.Jt808Session(config)
    for n, chunk in enumerate(chunks):
        session.receive_data(chunk, now=float(n))
    session.expire(1e9)
    return list(session.events())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=200), max_size=8))
def test_random_bytes_only_make_events(chunks: list[bytes]) -> None:
    for event in _feed(chunks):
        assert isinstance(event, EVENT_TYPES)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutated(), min_size=1, max_size=6), st.booleans())
def test_mutated_real_frames_only_make_events(frames: list[bytes], as_2019: bool) -> None:
    version = j.ProtocolVersion.V2019 if as_2019 else None
    events = _feed(frames, j.SessionConfig(assume_version=version, max_frame_bytes=1024))
    for event in events:
        assert isinstance(event, EVENT_TYPES)
        if isinstance(event, j.FrameRejected):
            assert isinstance(event.error, j.RemoteProtocolError)


@settings(max_examples=300, deadline=None)
@given(st.one_of(mutated(), st.binary(max_size=120)))
def test_decode_frame_raises_only_codec_errors(data: bytes) -> None:
    try:
        frame = j.decode_frame(data)
        j.decode_body(frame.header, frame.body)
    except j.RemoteProtocolError:
        pass


@pytest.mark.parametrize("version", list(j.ProtocolVersion))
@settings(max_examples=100, deadline=None)
@given(msg_id=st.sampled_from(sorted(BY_ID)), body=st.binary(max_size=120))
def test_any_body_for_any_message_decodes_or_is_a_decode_error(
    version: j.ProtocolVersion, msg_id: int, body: bytes
) -> None:
    header = j.Header(msg_id, "1", 1, version)
    try:
        j.decode_body(header, body)
    except j.MessageDecodeError as exc:
        assert exc.header == header


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(REAL), st.data())
def test_resynchronises_after_garbage(frame: bytes, data: Any) -> None:
    """Whatever precedes it, a good frame after a flag-free gap is still read."""
    garbage = data.draw(st.binary(max_size=80))
    good = j.encode_message(j.Heartbeat(), phone="1", serial=42)
    events = _feed([garbage, frame[: len(frame) // 2], b"\x7e" + good])
    received = [e for e in events if isinstance(e, j.MessageReceived)]
    assert received and received[-1].header.serial == 42
