"""0x1005 passenger flow (JT/T 1078): a hand-assembled body, and what the decoder refuses."""

from __future__ import annotations

import datetime as dt

import pytest

import busbrain.protocol.jt808 as j
from busbrain.protocol.jt808.messages import m1005_passenger_flow as m

# 08:30:00 to 08:30:25 on 29 Nov 2026 (GMT+8), 6 boarded, 2 alighted
BODY = bytes.fromhex("26112908300026112908302500060002")
FLOW = j.PassengerFlow(
    dt.datetime(2026, 11, 29, 8, 30, 0, tzinfo=j.CHINA_TZ),
    dt.datetime(2026, 11, 29, 8, 30, 25, tzinfo=j.CHINA_TZ),
    6,
    2,
)
HEADER = j.Header(0x1005, "013912345678", 1)


def test_golden_body_decodes_and_encodes() -> None:
    assert m.decode(BODY, HEADER) == FLOW
    assert m.encode(FLOW, j.ProtocolVersion.V2013) == BODY


def test_short_body_is_refused_naming_the_message() -> None:
    with pytest.raises(j.MessageDecodeError, match="0x1005"):
        m.decode(BODY[:15], HEADER)


def test_interval_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(j.MessageDecodeError, match="before start"):
        m.decode(BODY[6:12] + BODY[0:6] + BODY[12:], HEADER)


def test_counts_must_fit_a_word() -> None:
    with pytest.raises(j.LocalProtocolError, match="boarded"):
        m.encode(j.PassengerFlow(FLOW.start, FLOW.end, 70_000, 0), j.ProtocolVersion.V2013)
