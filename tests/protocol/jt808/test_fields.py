"""Named cases for the field-level rules: BCD times and phones, GBK text, units and
signs of 0x0200, additional items that do not fit, and edition-specific layouts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import busbrain.protocol.jt808 as j
from busbrain.protocol.jt808.bcd import decode_bcd_time, encode_bcd_time, encode_phone
from busbrain.protocol.jt808.text import decode_text, encode_fixed

V2011, V2013, V2019 = j.ProtocolVersion.V2011, j.ProtocolVersion.V2013, j.ProtocolVersion.V2019
WHEN = datetime(2024, 11, 28, 9, 59, 1, tzinfo=j.CHINA_TZ)


def header(msg_id: int, version: j.ProtocolVersion = V2013) -> j.Header:
    return j.Header(msg_id, "013912344323", 1, version)


def location_body(status: int = 0, time: bytes = b"\x24\x11\x28\x09\x59\x01") -> bytes:
    basic = (0).to_bytes(4, "big") + status.to_bytes(4, "big")
    basic += (31_446_562).to_bytes(4, "big") + (121_466_076).to_bytes(4, "big")
    return basic + bytes.fromhex("006402580000") + time


# -- BCD ---------------------------------------------------------------------------------


def test_bcd_time_is_gmt8_and_timezone_aware() -> None:
    t = decode_bcd_time(bytes.fromhex("241128095901"))
    assert t == WHEN and t.utcoffset() == timedelta(hours=8)
    assert t.astimezone(UTC).hour == 1


@pytest.mark.parametrize("raw", ["2411280959a1", "000000000000", "241328095901", "241128255901"])
def test_invalid_bcd_time_is_a_decode_error(raw: str) -> None:
    with pytest.raises(j.MessageDecodeError):
        decode_bcd_time(bytes.fromhex(raw))


def test_invalid_time_fails_its_message_not_the_session() -> None:
    body = location_body(time=bytes(6))
    with pytest.raises(j.MessageDecodeError) as info:
        j.decode_body(header(0x0200), body)
    assert info.value.header == header(0x0200)


def test_encoding_converts_aware_times_to_gmt8_and_refuses_naive_ones() -> None:
    assert encode_bcd_time(datetime(2024, 11, 28, 1, 59, 1, tzinfo=UTC)).hex() == ("241128095901")
    with pytest.raises(j.LocalProtocolError):
        encode_bcd_time(datetime(2024, 11, 28, 9, 59, 1))
    with pytest.raises(j.LocalProtocolError):
        encode_bcd_time(datetime(2100, 1, 1, tzinfo=j.CHINA_TZ))


def test_mobile_number_is_left_padded_with_zeros() -> None:
    assert encode_phone("13912344323", 6).hex() == "013912344323"
    assert encode_phone("13912344323", 10).hex() == "00000000013912344323"
    assert j.normalise_phone("00000000013912344323") == j.normalise_phone("013912344323")


@pytest.mark.parametrize("phone", ["1234567890123", "1391234432x"])
def test_phone_that_does_not_fit_is_a_local_error(phone: str) -> None:
    with pytest.raises(j.LocalProtocolError):
        encode_phone(phone, 6)


# -- text --------------------------------------------------------------------------------


def test_text_padding_is_stripped_on_both_sides_and_added_after() -> None:
    assert decode_text(b"\x00\x00BSJ-GF-06") == decode_text(b"BSJ-GF-06\x00\x00") == "BSJ-GF-06"
    assert encode_fixed("粤B", 6, field="plate") == "粤B".encode("gbk") + b"\x00\x00\x00"


def test_invalid_gbk_is_replaced_not_raised() -> None:
    assert decode_text(b"A\xff\xfeB").startswith("A")


@pytest.mark.parametrize("value", ["X" * 8, "😀"])
def test_text_that_does_not_fit_is_a_local_error(value: str) -> None:
    with pytest.raises(j.LocalProtocolError):
        encode_fixed(value, 7, field="terminal_id")


# -- 0x0200 ------------------------------------------------------------------------------


def test_location_units_and_named_bits() -> None:
    loc = j.decode_body(header(0x0200), location_body(status=0x000C0003))
    assert isinstance(loc, j.Location)
    assert (loc.lat_deg, loc.lon_deg) == (31.446562, 121.466076)
    assert (loc.altitude_m, loc.speed_kmh, loc.heading_deg) == (100, 60.0, 0)
    assert loc.status == (
        j.StatusFlag.ACC_ON | j.StatusFlag.POSITIONED | j.StatusFlag.GPS | j.StatusFlag.BEIDOU
    )
    assert loc.acc_on and loc.fix_valid and loc.load_state == j.LoadState.EMPTY
    assert loc.device_time == WHEN


def test_south_and_west_come_from_the_status_bits_and_go_back_to_them() -> None:
    loc = j.decode_body(header(0x0200), location_body(status=0b1100))
    assert isinstance(loc, j.Location)
    assert (loc.lat_deg, loc.lon_deg) == (-31.446562, -121.466076)
    north_east = loc.__class__(0, 0b1100, 10.0, 20.0, 0, 0.0, 0, WHEN)
    status = j.decode_body(header(0x0200), j.encode_body(north_east, V2013))
    assert isinstance(status, j.Location) and status.status_flags == 0


def test_every_alarm_bit_is_named() -> None:
    assert j.AlarmFlag(0xFFFF_FFFF) == sum(j.AlarmFlag)
    assert j.AlarmFlag.OVERSPEED in j.AlarmFlag(2)


def test_typed_items_and_the_convenience_fields() -> None:
    items = bytes.fromhex("0104000004d20202006430011731010c")
    loc = j.decode_body(header(0x0200), location_body() + items)
    assert isinstance(loc, j.Location)
    assert (loc.mileage_km, loc.fuel_l, loc.signal_strength, loc.satellites) == (
        123.4,
        10.0,
        23,
        12,
    )


def test_unknown_item_wrong_length_and_cut_off_item_are_kept_raw() -> None:
    items = bytes.fromhex("e103aabbcc0102ffff3005")  # vendor, 0x01 with 2 bytes, cut
    loc = j.decode_body(header(0x0200), location_body() + items)
    assert isinstance(loc, j.Location)
    assert loc.items == (j.RawItem(0xE1, b"\xaa\xbb\xcc"), j.RawItem(0x01, b"\xff\xff"))
    assert loc.trailing == b"\x30\x05"
    assert j.encode_body(loc, V2013) == location_body() + items


def test_subiao_item_with_a_bad_time_stays_raw_and_the_report_survives() -> None:
    adas = j.AdasAlarm(1, 1, 1, 1, 0, 0, 0, 0, 0, 30, 0, 1.0, 2.0, WHEN, 1, identification())
    raw = adas.encode_value()
    broken = raw[:23] + bytes(6) + raw[29:]
    body = location_body() + bytes((0x64, len(broken))) + broken
    loc = j.decode_body(header(0x0200), body)
    assert isinstance(loc, j.Location) and loc.items == (j.RawItem(0x64, broken),)


def identification(width: int = 7) -> j.AlarmIdentification:
    return j.AlarmIdentification("T1", WHEN, 0, 2, 0, width)


def test_guangdong_subiao_identification_is_30_bytes_wide() -> None:
    for width, length in ((7, 47), (30, 70)):
        dms = j.DmsAlarm(
            9, 0, 3, 1, 1, bytes(4), 60, 100, 1.5, 2.5, WHEN, 1025, identification(width)
        )
        assert len(dms.encode_value()) == length
        body = location_body() + bytes((0x65, length)) + dms.encode_value()
        loc = j.decode_body(header(0x0200), body)
        assert isinstance(loc, j.Location) and loc.items == (dms,)


def test_subiao_item_with_a_declared_length_that_fits_no_layout_stays_raw() -> None:
    adas = j.AdasAlarm(1, 1, 1, 1, 0, 0, 0, 0, 0, 30, 0, 1.0, 2.0, WHEN, 1, identification())
    short = adas.encode_value()[:0x20]
    loc = j.decode_body(header(0x0200), location_body() + b"\x64\x20" + short)
    assert isinstance(loc, j.Location) and loc.items == (j.RawItem(0x64, short),)


# -- editions ----------------------------------------------------------------------------


def test_register_2011_layout_is_guessed_from_a_short_body() -> None:
    reg = j.Register(31, 110, "cd123", "www.808.", "7654321", 1, "测A1234")
    assert len(j.encode_body(reg, V2011)) < 37
    assert j.decode_body(header(0x0100, V2013), j.encode_body(reg, V2011)) == reg


def test_text_type_exists_only_in_2019() -> None:
    with pytest.raises(j.LocalProtocolError):
        j.encode_body(j.TextMessage(1, "hi", text_type=2), V2013)
    assert j.encode_body(j.TextMessage(1, "hi"), V2019)[:2] == b"\x01\x01"


def test_imei_exists_only_in_2019() -> None:
    with pytest.raises(j.LocalProtocolError):
        j.encode_body(j.Authentication("code", imei="123"), V2013)


def test_retransmit_count_is_a_byte_in_2013_and_a_word_in_2019() -> None:
    request = j.RetransmitRequest(17148, (2, 5))
    assert j.encode_body(request, V2013).hex() == "42fc0200020005"
    assert j.encode_body(request, V2019).hex() == "42fc000200020005"


def test_parameters_build_and_read_typed_values() -> None:
    params = (
        j.Parameter.of(j.ParamId.HEARTBEAT_INTERVAL_S, 10),
        j.Parameter.of(j.ParamId.MAIN_SERVER_ADDRESS, "www.baidu.com"),
        j.Parameter.of(j.ParamId.PROVINCE_ID, 44),
    )
    assert [p.typed() for p in params] == [10, "www.baidu.com", 44]
    assert params[2].value == b"\x00\x2c"
    assert j.encode_body(j.SetParameters(params[:1]), V2013).hex() == "0100000001040000000a"


def test_parameter_list_with_bytes_left_over_is_a_decode_error() -> None:
    with pytest.raises(j.MessageDecodeError):
        j.decode_body(header(0x8103), bytes.fromhex("0100000001040000000aff"))


# -- frames ------------------------------------------------------------------------------


def test_body_over_1023_bytes_needs_subpackaging() -> None:
    with pytest.raises(j.LocalProtocolError):
        j.encode_message(j.RawMessage(0x0F00, bytes(1024)), phone="1", serial=1)
    frames = j.encode_packages(j.RawMessage(0x0F00, bytes(2100)), phone="1", first_serial=9)
    assert [j.decode_frame(f).header.package_index for f in frames] == [1, 2, 3]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ("7e0002000012345678201100013a7e0002", j.FramingError),  # two frames
        ("7e000200001234567e", j.FramingError),  # too short
        ("7e0002400001123456789012345620197e", j.FramingError),  # 2019 header cut off
        ("7e0002000012345678201100013b7e", j.ChecksumError),
        ("7e0002000012345678201100017d037e", j.EscapeError),
    ],
)
def test_frame_errors(data: str, error: type[j.Jt808Error]) -> None:
    with pytest.raises(error):
        j.decode_frame(bytes.fromhex(data))
