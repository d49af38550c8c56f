"""0x0702 driver identity (IC card sign-in / sign-out): hand-assembled bodies, and what
the decoder refuses (each refusal names 0x0702 and the field)."""

from __future__ import annotations

import datetime as dt

import pytest

import busbrain.protocol.jt808 as j
from busbrain.protocol.jt808.messages import m0702_driver_identity as m

HEADER = j.Header(0x0702, "013912345678", 1)
# card in at 06:58:00 on 29 Nov 2026 (GMT+8), read OK, 张伟 (GBK d5c5 ceb0),
# certificate 210703198805120012 padded to 20 bytes, 锦州市运管处, valid until 2030-06-30
SIGN_IN = bytes.fromhex(
    "01" "261129065800" "00"
    "04" "d5c5ceb0"
    "323130373033313938383035313230303132" "0000"
    "0c" "bdf5d6ddcad0d4cbb9dcb4a6"
    "20300630"
)  # fmt: skip
IN = j.DriverIdentity(
    1,
    dt.datetime(2026, 11, 29, 6, 58, 0, tzinfo=j.CHINA_TZ),
    0,
    "张伟",
    "210703198805120012",
    "锦州市运管处",
    dt.date(2030, 6, 30),
)
# card out at 14:31:05
SIGN_OUT = bytes.fromhex("02261129143105")
OUT = j.DriverIdentity(2, dt.datetime(2026, 11, 29, 14, 31, 5, tzinfo=j.CHINA_TZ))


def test_golden_sign_in_decodes_and_encodes() -> None:
    assert m.decode(SIGN_IN, HEADER) == IN
    assert m.encode(IN, j.ProtocolVersion.V2013) == SIGN_IN
    assert IN.signed_in and IN.read_ok


def test_golden_sign_out_is_status_and_time_only() -> None:
    assert m.decode(SIGN_OUT, HEADER) == OUT
    assert m.encode(OUT, j.ProtocolVersion.V2019) == SIGN_OUT
    assert not OUT.signed_in


def test_unreadable_card_carries_only_its_read_result() -> None:
    failed = j.DriverIdentity(1, IN.time, 2)
    assert m.encode(failed, j.ProtocolVersion.V2013) == SIGN_IN[:7] + b"\x02"
    assert m.decode(SIGN_IN[:7] + b"\x02", HEADER) == failed
    assert not failed.read_ok


def test_zero_validity_date_is_none_and_padding_after_is_ignored() -> None:
    body = SIGN_IN[:-4] + bytes(4) + b"\x00\x00"
    assert m.decode(body, HEADER).valid_until is None


def test_whole_frame_through_the_registry() -> None:
    assert j.decode_body(HEADER, SIGN_IN) == IN


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (SIGN_IN[:5], "status and time"),
        (b"\x03" + SIGN_IN[1:], "status"),
        (SIGN_IN[:1] + bytes.fromhex("261399065800") + SIGN_IN[7:], "time"),
        (SIGN_IN[:7], "read result"),
        (SIGN_IN[:8], "driver name length"),
        (SIGN_IN[:10], "driver name"),
        (SIGN_IN[:20], "certificate"),
        (SIGN_IN[:40], "authority"),
        (SIGN_IN[:-2], "valid_until"),
        (SIGN_IN[:-4] + bytes.fromhex("2030a630"), "valid_until"),
        (SIGN_IN[:-4] + bytes.fromhex("20301331"), "valid_until"),
    ],
)
def test_malformed_body_is_refused_naming_the_message_and_field(body: bytes, field: str) -> None:
    with pytest.raises(j.MessageDecodeError, match=f"0x0702.*{field}"):
        m.decode(body, HEADER)


def test_encoding_refuses_what_the_wire_cannot_carry() -> None:
    with pytest.raises(j.LocalProtocolError, match="status"):
        m.encode(j.DriverIdentity(3, IN.time), j.ProtocolVersion.V2013)
    with pytest.raises(j.LocalProtocolError, match="read_result"):
        m.encode(j.DriverIdentity(1, IN.time), j.ProtocolVersion.V2013)
    with pytest.raises(j.LocalProtocolError, match="certificate"):
        m.encode(j.DriverIdentity(1, IN.time, 0, "张伟", "1" * 21), j.ProtocolVersion.V2013)
