"""0x0702 driver identity report (驾驶员身份信息采集上报), the 2013 / 2019 layout.

    status BYTE              0x01 IC card inserted (sign-in), 0x02 card pulled (sign-out)
    time BCD[6]              when the card went in or out (GMT+8)
    -- only with status 0x01:
    IC read result BYTE      0 read OK; anything else: the card could not be read and
                             nothing follows
    -- only with status 0x01 and read result 0:
    name length BYTE, driver name STRING (GBK)
    qualification certificate number STRING[20] (从业资格证编码, 0x00-padded)
    issuing authority length BYTE, authority name STRING (GBK)
    certificate validity BCD[4] YYYYMMDD (all zeros: not given)

The terminal sends it by itself when a driver inserts or pulls their qualification
certificate IC card, and in answer to 0x8702; the platform answers with 0x8001. The
2011 edition laid the body out differently (name length and name, ID card number,
a 40-byte certificate number, ...) and is not read here: a 2011 terminal's 0x0702 is
decoded with this layout, as other implementations do when the header cannot tell.
Bytes after the validity date are ignored (some terminals pad the body).
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import msgspec

from busbrain.protocol.jt808.bcd import decode_bcd_time, encode_bcd_time
from busbrain.protocol.jt808.errors import LocalProtocolError, MessageDecodeError
from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages.base import MessageCodec, need
from busbrain.protocol.jt808.text import decode_text, encode_fixed, encode_prefixed
from busbrain.protocol.jt808.version import ProtocolVersion

MSG_ID = 0x0702
CARD_INSERTED = 0x01
"""Status: the driver inserted their card (signs in, 上班)."""
CARD_PULLED = 0x02
"""Status: the driver pulled their card (signs out, 下班)."""
READ_OK = 0
CERTIFICATE_BYTES = 20
_WHAT = "0x0702"


class DriverIdentity(msgspec.Struct, frozen=True, gc=False):
    """A driver signed in (status 1) or out (status 2) with their IC card at `time`
    (aware, +08:00).

    `read_result` is None for a sign-out, 0 when the card was read and anything else
    when it could not be; the driver's name, certificate number, issuing authority and
    `valid_until` are only filled for a card read OK (empty / None otherwise).
    `valid_until` None: the card gave no date (all zeros on the wire)."""

    msg_id: ClassVar[int] = MSG_ID
    status: int
    time: dt.datetime
    read_result: int | None = None
    driver_name: str = ""
    certificate: str = ""
    authority: str = ""
    valid_until: dt.date | None = None

    @property
    def signed_in(self) -> bool:
        return self.status == CARD_INSERTED

    @property
    def read_ok(self) -> bool:
        return self.read_result == READ_OK


def _bcd_digits(raw: bytes, field: str) -> str:
    text = raw.hex()
    if not text.isdigit():
        raise MessageDecodeError(f"{_WHAT}: {field} {text} is not BCD")
    return text


def _decode_date(raw: bytes) -> dt.date | None:
    digits = _bcd_digits(raw, "valid_until")
    if digits == "00000000":
        return None
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError as exc:
        raise MessageDecodeError(f"{_WHAT}: valid_until {digits} is not a date") from exc


def _encode_date(day: dt.date | None) -> bytes:
    return bytes(4) if day is None else bytes.fromhex(f"{day.year:04d}{day.month:02d}{day.day:02d}")


def _prefixed(body: bytes, at: int, field: str) -> tuple[str, int]:
    """The length-prefixed GBK text at `at`, and the offset after it."""
    need(body, at + 1, f"{_WHAT} {field} length")
    end = at + 1 + body[at]
    need(body, end, f"{_WHAT} {field}")
    return decode_text(body[at + 1 : end]), end


def decode(body: bytes, header: Header) -> DriverIdentity:
    need(body, 7, f"{_WHAT} status and time")
    status = body[0]
    if status not in (CARD_INSERTED, CARD_PULLED):
        raise MessageDecodeError(f"{_WHAT}: status {status:#04x} is neither 0x01 nor 0x02")
    try:
        when = decode_bcd_time(body[1:7])
    except MessageDecodeError as exc:
        raise MessageDecodeError(f"{_WHAT}: time: {exc}") from exc
    if status == CARD_PULLED:
        return DriverIdentity(status, when)
    need(body, 8, f"{_WHAT} read result")
    result = body[7]
    if result != READ_OK:
        return DriverIdentity(status, when, result)
    name, at = _prefixed(body, 8, "driver name")
    need(body, at + CERTIFICATE_BYTES, f"{_WHAT} certificate")
    certificate = decode_text(body[at : at + CERTIFICATE_BYTES])
    authority, at = _prefixed(body, at + CERTIFICATE_BYTES, "authority")
    need(body, at + 4, f"{_WHAT} valid_until")
    return DriverIdentity(
        status, when, result, name, certificate, authority, _decode_date(body[at : at + 4])
    )


def encode(msg: DriverIdentity, version: ProtocolVersion) -> bytes:
    if msg.status not in (CARD_INSERTED, CARD_PULLED):
        raise LocalProtocolError(f"{_WHAT}: status {msg.status} is neither 1 nor 2")
    head = bytes((msg.status,)) + encode_bcd_time(msg.time)
    if msg.status == CARD_PULLED:
        return head
    if msg.read_result is None or not 0 <= msg.read_result <= 0xFF:
        raise LocalProtocolError(f"{_WHAT}: a sign-in needs a read_result BYTE")
    if msg.read_result != READ_OK:
        return head + bytes((msg.read_result,))
    return (
        head
        + bytes((READ_OK,))
        + encode_prefixed(msg.driver_name, field="driver_name")
        + encode_fixed(msg.certificate, CERTIFICATE_BYTES, field="certificate")
        + encode_prefixed(msg.authority, field="authority")
        + _encode_date(msg.valid_until)
    )


CODEC = MessageCodec(MSG_ID, DriverIdentity, decode, encode)
