"""Packed BCD fields: the terminal phone number and the YYMMDDhhmmss device time.

Device times are GMT+8 wall-clock time with no zone on the wire. They become
timezone-aware datetimes at a fixed +08:00 offset: China has kept +08:00 without
daylight saving since 1991, so a fixed offset equals Asia/Shanghai for every time a
terminal can send, and it avoids reading the tz database (a file) in the pure core.
Nothing here reads a clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from busbrain.protocol.jt808.errors import LocalProtocolError, MessageDecodeError

CHINA_TZ = timezone(timedelta(hours=8), "CST")
"""GMT+8, the zone of every BCD time in JT/T 808 (Asia/Shanghai, no DST since 1991)."""

_BCD_VALUE = [-1] * 256
for _hi in range(10):
    for _lo in range(10):
        _BCD_VALUE[_hi << 4 | _lo] = _hi * 10 + _lo
_TO_BCD = [(n // 10) << 4 | n % 10 for n in range(100)]


def decode_phone(raw: bytes) -> str:
    """The BCD phone / terminal number as its digits, leading zeros kept.

    Nibbles above 9 are kept as the hex letters a-f instead of being rejected: some
    terminals put hex identifiers in this field and the text still identifies them.
    """
    return raw.hex()


def encode_phone(phone: str, width: int) -> bytes:
    """`phone` as `width` bytes of BCD, left-padded with zeros (2013: 6, 2019: 10)."""
    digits = phone.rjust(width * 2, "0")
    if len(digits) != width * 2:
        raise LocalProtocolError(f"phone {phone!r} has more than {width * 2} digits")
    try:
        return bytes.fromhex(digits)
    except ValueError as exc:
        raise LocalProtocolError(f"phone {phone!r} is not BCD digits") from exc


def normalise_phone(phone: str) -> str:
    """Identity of a terminal across 2013 (12-digit) and 2019 (20-digit) headers."""
    return phone.lstrip("0") or "0"


def decode_bcd_time(raw: bytes) -> datetime:
    """BCD[6] YYMMDDhhmmss (GMT+8, years 2000-2099) as an aware datetime at +08:00.

    Raises `MessageDecodeError` for a non-BCD nibble or an impossible date (month 0,
    all zeros, 25 o'clock), so that a bad time fails its message and not the session.
    """
    v = _BCD_VALUE
    year, month, day = v[raw[0]], v[raw[1]], v[raw[2]]
    hour, minute, second = v[raw[3]], v[raw[4]], v[raw[5]]
    if min(year, month, day, hour, minute, second) < 0:
        raise MessageDecodeError(f"time {raw.hex()} is not BCD")
    try:
        return datetime(2000 + year, month, day, hour, minute, second, tzinfo=CHINA_TZ)
    except ValueError as exc:
        raise MessageDecodeError(f"time {raw.hex()} is not a valid date") from exc


def encode_bcd_time(when: datetime) -> bytes:
    """An aware datetime as BCD[6] YYMMDDhhmmss in GMT+8 (seconds; sub-seconds dropped).

    A naive datetime is refused: the wire has no zone, so guessing one would silently
    shift the time by hours.
    """
    if when.tzinfo is None or when.utcoffset() is None:
        raise LocalProtocolError("device times must be timezone-aware datetimes")
    local = when if when.tzinfo is CHINA_TZ else when.astimezone(CHINA_TZ)
    if not 2000 <= local.year <= 2099:
        raise LocalProtocolError(f"year {local.year} does not fit a BCD YY field")
    b = _TO_BCD
    return bytes(
        (
            b[local.year - 2000],
            b[local.month],
            b[local.day],
            b[local.hour],
            b[local.minute],
            b[local.second],
        )
    )
