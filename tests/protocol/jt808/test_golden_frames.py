"""Golden vectors: the 112 third-party frames of ../shared/data/jt808/frames.jsonl.

Every frame decodes to the fields the file states and re-encodes to its own bytes. Five
frames cannot come back byte for byte, each for a documented reason tested by name
below: two pad fixed-width text before it (we pad after, as the standard says) and the
three EDGE CASE frames of PROVENANCE.md (bad check code, stray trailing byte, 2019
header without its version bit).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

import busbrain.protocol.jt808 as j
from tests.protocol.jt808.frames import (
    EXPECTED_COUNT,
    MISSING,
    body_view,
    header_view,
    load_frames,
)

FRAMES = load_frames()
BAD_CHECK_CODE = 88  # traccar real tracker: declares 50 body bytes, carries 40, check fails
STRAY_BYTE = 107  # SmallChi 0x0201: a 0x00 after the check code
UNFLAGGED_2019 = 108  # SmallChi 0x8104: 2019 header with bit 14 clear
EDGE_CASES = {BAD_CHECK_CODE, STRAY_BYTE, UNFLAGGED_2019}
LEFT_PADDED = {71, 72}  # yezhihao pads fixed-width text with leading 0x00
RELAXED = {**dict.fromkeys(EDGE_CASES), **dict.fromkeys(LEFT_PADDED)}


def _regular() -> list[Any]:
    """Frames without edge-case handling, or one marker that fails if the file is gone."""
    return [r for r in FRAMES if r["index"] not in EDGE_CASES] or [None]


def _ids(rec: dict[str, Any] | None) -> str:
    if rec is None:
        return "frames-file-missing"
    return f"{rec['index']:03d}-{rec['msg_id']}-{rec['version'][:4]}"


def _record(index: int) -> dict[str, Any]:
    if not FRAMES:
        pytest.fail(MISSING)
    return FRAMES[index]


def _wire(rec: dict[str, Any]) -> bytes:
    return bytes.fromhex(rec["hex"])


def _encode_version(rec: dict[str, Any], frame: j.Frame) -> j.ProtocolVersion:
    """2011 cannot be told from 2013 by the header; the file's label says which."""
    return j.ProtocolVersion.V2011 if rec["version"] == "2011" else frame.header.version


def _reencode(rec: dict[str, Any], frame: j.Frame, message: j.Message) -> bytes:
    h = frame.header
    return j.encode_message(
        message,
        phone=h.phone,
        serial=h.serial,
        version=_encode_version(rec, frame),
        protocol_version=h.protocol_version,
        encryption=h.encryption,
    )


def test_frames_file_holds_112_frames_with_three_edge_cases() -> None:
    if not FRAMES:
        pytest.fail(MISSING)
    assert len(FRAMES) == EXPECTED_COUNT
    edge = {r["index"] for r in FRAMES if "EDGE CASE" in r.get("note", "")}
    assert edge == EDGE_CASES


@pytest.mark.parametrize("rec", _regular(), ids=_ids)
def test_frame_decodes_to_its_stated_fields(rec: dict[str, Any] | None) -> None:
    if rec is None:
        pytest.fail(MISSING)
    expected = dict(rec["expected"])
    expected_body = expected.pop("body")
    frame = j.decode_frame(_wire(rec))
    assert header_view(frame, _wire(rec)) == expected
    if frame.header.is_subpackage:
        assert expected_body in ({"fragment": True}, {"fragment_hex_len": len(frame.body)})
        return
    assert body_view(j.decode_body(frame.header, frame.body), rec["version"]) == expected_body


@pytest.mark.parametrize("rec", _regular(), ids=_ids)
def test_frame_reencodes_to_the_same_bytes(rec: dict[str, Any] | None) -> None:
    if rec is None:
        pytest.fail(MISSING)
    if rec["index"] in LEFT_PADDED:
        return  # byte-identical except padding: see test_left_padded_text_reencodes_padded_after
    frame = j.decode_frame(_wire(rec))
    if frame.header.is_subpackage:
        assert j.encode_frame(frame.header, frame.body) == _wire(rec)
        return
    message = j.decode_body(frame.header, frame.body)
    assert _reencode(rec, frame, message).hex() == rec["hex"]


@pytest.mark.parametrize("index", sorted(LEFT_PADDED))
def test_left_padded_text_reencodes_padded_after(index: int) -> None:
    """Same length, same check code, same bytes in the body, only the 0x00 padding moved
    after the text; and the canonical frame decodes to the same message."""
    rec = _record(index)
    frame = j.decode_frame(_wire(rec))
    message = j.decode_body(frame.header, frame.body)
    again = _reencode(rec, frame, message)
    assert again != _wire(rec)
    frame2 = j.decode_frame(again)
    assert len(again) == len(_wire(rec))
    assert frame2.check_code == frame.check_code
    assert Counter(frame2.body) == Counter(frame.body)
    assert j.decode_body(frame2.header, frame2.body) == message


def test_bad_check_code_frame_is_a_checksum_error() -> None:
    rec = _record(BAD_CHECK_CODE)
    with pytest.raises(j.ChecksumError) as info:
        j.decode_frame(_wire(rec))
    assert (info.value.received, info.value.expected) == (0xD0, 0xF0)
    assert rec["expected"]["check_ok"] is False


def test_bad_check_code_frame_is_rejected_by_the_session_which_carries_on() -> None:
    rec = _record(BAD_CHECK_CODE)
    session = j.Jt808Session()
    session.receive_data(_wire(rec) + _wire(_record(1)))
    rejected, received = list(session.events())
    assert isinstance(rejected, j.FrameRejected)
    assert isinstance(rejected.error, j.ChecksumError)
    assert isinstance(received, j.MessageReceived)
    assert isinstance(received.message, j.Heartbeat)


def test_bad_check_code_frame_still_reads_as_stated_when_not_verified() -> None:
    """Forensics only: the body the tracker meant, 40 of 50 declared bytes present."""
    rec = _record(BAD_CHECK_CODE)
    frame = j.decode_frame(_wire(rec), verify_check_code=False)
    assert frame.length_mismatch == j.LengthMismatch(declared=50, present=40)
    expected = dict(rec["expected"])
    body = expected.pop("body")
    assert header_view(frame, _wire(rec), check_ok=False) == expected
    assert body_view(j.decode_body(frame.header, frame.body), "2013") == body
    # the length field now says 40 (0x32 -> 0x28) and the check code follows: f0 ^ 32 ^ 28
    fixed = rec["hex"].replace("020000320135", "020000280135")[:-4] + "ea7e"
    assert _reencode(rec, frame, j.decode_body(frame.header, frame.body)).hex() == fixed


def test_stray_byte_after_check_code_uses_the_declared_length() -> None:
    """The file reads the frame by its flags (check 0x00, a dangling 0x8c item byte);
    the note's policy, which we follow, reads it by its length field: 69 body bytes,
    check code 0x8c, then a stray 0x00."""
    rec = _record(STRAY_BYTE)
    frame = j.decode_frame(_wire(rec))
    assert frame.length_mismatch == j.LengthMismatch(declared=69, present=70)
    assert (frame.check_code, frame.trailing) == (0x8C, b"\x00")
    expected = dict(rec["expected"])
    body = expected.pop("body")
    del body["location"]["additional"]["_trailing"]
    assert header_view(frame, _wire(rec)) == {**expected, "check_code": "8c"}
    message = j.decode_body(frame.header, frame.body)
    assert body_view(message, "2013") == body
    assert _reencode(rec, frame, message) == _wire(rec)[:-2] + b"\x7e"


def test_unflagged_2019_header_reads_as_2013_with_a_length_mismatch() -> None:
    rec = _record(UNFLAGGED_2019)
    frame = j.decode_frame(_wire(rec))
    expected = dict(rec["expected"])
    assert expected.pop("body") == {}
    assert header_view(frame, _wire(rec)) == expected
    assert isinstance(j.decode_body(frame.header, frame.body), j.QueryParameters)


def test_unflagged_2019_header_reads_cleanly_when_configured_as_2019() -> None:
    rec = _record(UNFLAGGED_2019)
    frame = j.decode_frame(_wire(rec), assume_version=j.ProtocolVersion.V2019)
    assert frame.length_mismatch is None
    h = frame.header
    assert (h.phone, h.serial, h.protocol_version) == ("00000000013419905507", 1, 1)
    again = _reencode(rec, frame, j.decode_body(h, frame.body))
    assert again.hex() == "7e81044000010000000001341990550700012b7e"  # bit 14 now set


def test_subpackaged_0x1205_reassembles_to_5046_bytes() -> None:
    group = [r for r in FRAMES if r.get("group") == "gojt808-0x1205-subpackage"]
    if not FRAMES:
        pytest.fail(MISSING)
    assert len(group) == 18
    session = j.Jt808Session()
    for rec in reversed(group):  # order of arrival does not matter
        session.receive_data(_wire(rec), now=0.0)
    (event,) = session.events()
    assert isinstance(event, j.MessageReceived)
    assert isinstance(event.message, j.RawMessage)  # JT/T 1078 0x1205 is not decoded
    body = event.message.body
    assert len(body) == 5046 == 6 + 180 * 28
    assert int.from_bytes(body[2:6], "big") == 180
    assert (event.header.serial, event.header.package_index) == (17148, 1)


def test_all_frames_as_one_stream_through_one_session() -> None:
    """All 112 frames back to back, cut into 7-byte chunks: one event per message."""
    if not FRAMES:
        pytest.fail(MISSING)
    stream = b"".join(_wire(r) for r in FRAMES)
    config = j.SessionConfig(assume_version=j.ProtocolVersion.V2013)
    session = j.Jt808Session(config)
    for at in range(0, len(stream), 7):
        session.receive_data(stream[at : at + 7], now=0.0)
    events = list(session.events())
    kinds = Counter(type(e).__name__ for e in events)
    # 112 frames - 18 fragments of 0x1205 + 1 whole - the 0x0104 fragment - the bad frame
    assert kinds == {"MessageReceived": 93, "FrameRejected": 1}
    session.expire(61.0)
    (abandoned,) = session.events()
    assert isinstance(abandoned, j.ReassemblyAbandoned)
    assert (abandoned.header.msg_id, abandoned.missing, abandoned.reason) == (
        0x0104,
        (1,),
        "timeout",
    )
