"""Hypothesis strategies for every message the codec knows, per protocol edition.

Generated values are the ones the wire can carry exactly: floats that are whole wire
units (raw / 10, raw / 1e6), GBK text without 0x00, times to the second at +08:00, and
hemisphere status bits that agree with the signs of the coordinates.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

import busbrain.protocol.jt808 as j
from busbrain.protocol.jt808.messages.location_items import typed_item_ids

V = j.ProtocolVersion
u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFF_FFFF)
CHINESE = "测试粤京沪苏浙甘汉字公交车站鉴权码终端平台"
ASCII = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefxyz0123456789-_.:@ "


def text(max_bytes: int) -> st.SearchStrategy[str]:
    """GBK text of at most `max_bytes` bytes, without 0x00 (stripped on decode)."""
    ascii_only = st.text(ASCII, max_size=max_bytes)
    mixed = st.text(ASCII + CHINESE, max_size=max_bytes // 2)
    return st.one_of(ascii_only, mixed).map(str.strip)


def times() -> st.SearchStrategy[datetime]:
    naive = st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31, 23, 59, 59))
    return naive.map(lambda d: d.replace(microsecond=0, tzinfo=j.CHINA_TZ))


def tenths(raw: st.SearchStrategy[int]) -> st.SearchStrategy[float]:
    return raw.map(lambda n: n / 10)


def micro_deg() -> st.SearchStrategy[float]:
    return u32.map(lambda n: n / 1_000_000)


def identification(width: int = 7) -> st.SearchStrategy[j.AlarmIdentification]:
    return st.builds(
        j.AlarmIdentification,
        terminal_id=st.text(ASCII, max_size=width).map(str.strip),
        time=times(),
        sequence=u8,
        attachment_count=u8,
        reserved=u8,
        terminal_id_width=st.just(width),
    )


def any_identification() -> st.SearchStrategy[j.AlarmIdentification]:
    return st.one_of(identification(7), identification(30))


def _subiao_tail() -> dict[str, Any]:
    return {
        "speed_kmh": u8,
        "altitude_m": u16,
        "lat_deg": micro_deg(),
        "lon_deg": micro_deg(),
        "time": times(),
        "vehicle_status": u16,
        "identification": any_identification(),
    }


def subiao_items() -> st.SearchStrategy[j.AdditionalItem]:
    adas = st.builds(
        j.AdasAlarm,
        alarm_id=u32,
        flag_status=u8,
        alarm_type=u8,
        level=u8,
        front_speed_kmh=u8,
        front_distance_100ms=u8,
        departure_type=u8,
        road_sign_type=u8,
        road_sign_value=u8,
        **_subiao_tail(),
    )
    dms = st.builds(
        j.DmsAlarm,
        alarm_id=u32,
        flag_status=u8,
        alarm_type=u8,
        level=u8,
        fatigue_degree=u8,
        reserved=st.binary(min_size=4, max_size=4),
        **_subiao_tail(),
    )
    tyre = st.builds(j.TyreState, u8, u16, u16, u16, u16)
    tpms = st.builds(
        j.TpmsAlarm,
        alarm_id=u32,
        flag_status=u8,
        tyres=st.lists(tyre, max_size=4).map(tuple),
        **_subiao_tail(),
    )
    bsd = st.builds(j.BsdAlarm, alarm_id=u32, flag_status=u8, alarm_type=u8, **_subiao_tail())
    return st.one_of(adas, dms, tpms, bsd)


def raw_items() -> st.SearchStrategy[j.AdditionalItem]:
    typed = typed_item_ids()
    unknown = st.integers(0, 0xFF).filter(lambda n: n not in typed)
    return st.builds(j.RawItem, unknown, st.binary(max_size=20))


def standard_items() -> st.SearchStrategy[j.AdditionalItem]:
    return st.one_of(
        st.builds(j.Mileage, tenths(u32)),
        st.builds(j.Fuel, tenths(u16)),
        st.builds(j.RecorderSpeed, tenths(u16)),
        st.builds(j.AlarmEventId, u16),
        st.builds(j.TyrePressures, st.binary(min_size=30, max_size=30)),
        st.builds(j.CompartmentTemperature, st.integers(-0x8000, 0x7FFF)),
        st.builds(j.OverspeedAlarm, u8, st.none() | u32),
        st.builds(j.AreaRouteAlarm, u8, u32, u8),
        st.builds(j.RouteTimeAlarm, u32, u16, u8),
        st.builds(j.VehicleSignals, u32),
        st.builds(j.IoStatus, u16),
        st.builds(j.AnalogInputs, u16, u16),
        st.builds(j.SignalStrength, u8),
        st.builds(j.GnssSatellites, u8),
    )


def items(max_size: int = 8) -> st.SearchStrategy[tuple[j.AdditionalItem, ...]]:
    one = st.one_of(standard_items(), subiao_items(), raw_items())
    return st.lists(one, max_size=max_size).map(tuple)


@st.composite
def locations(draw: st.DrawFn, with_items: bool = True, max_items: int = 8) -> j.Location:
    south, west = draw(st.booleans()), draw(st.booleans())
    lat, lon = draw(micro_deg()), draw(micro_deg())
    status = draw(u32) & ~0xC | (4 if south else 0) | (8 if west else 0)
    return j.Location(
        alarm_flags=draw(u32),
        status_flags=status,
        lat_deg=-lat if south else lat,
        lon_deg=-lon if west else lon,
        altitude_m=draw(u16),
        speed_kmh=draw(tenths(u16)),
        heading_deg=draw(u16),
        device_time=draw(times()),
        items=draw(items(max_items)) if with_items else (),
    )


def parameters() -> st.SearchStrategy[tuple[j.Parameter, ...]]:
    param = st.builds(j.Parameter, u32, st.binary(max_size=40))
    return st.lists(param, max_size=12).map(tuple)


def message_strategies(version: j.ProtocolVersion) -> dict[str, st.SearchStrategy[Any]]:
    """A strategy per message type, laid out as `version` can carry it."""
    is_2019 = version == V.V2019
    widths = {V.V2011: (5, 8, 7), V.V2013: (5, 20, 7), V.V2019: (11, 30, 30)}[version]
    plate = text(11) if version == V.V2011 else text(20)
    indexes = st.lists(u16, max_size=300 if is_2019 else 255).map(tuple)
    upload_location = st.none() if version == V.V2011 else locations(with_items=False)
    return {
        "TerminalGeneralResponse": st.builds(j.TerminalGeneralResponse, u16, u16, u8),
        "PlatformGeneralResponse": st.builds(j.PlatformGeneralResponse, u16, u16, u8),
        "Heartbeat": st.builds(j.Heartbeat),
        "Unregister": st.builds(j.Unregister),
        "QueryParameters": st.builds(j.QueryParameters),
        "LocationQuery": st.builds(j.LocationQuery),
        "Register": st.builds(
            j.Register, u16, u16, text(widths[0]), text(widths[1]), text(widths[2]), u8, plate
        ),
        "RegisterResponse": st.builds(j.RegisterResponse, u16, u8, text(40)),
        "Authentication": (
            st.builds(j.Authentication, text(60), text(15), text(20))
            if is_2019
            else st.builds(j.Authentication, text(60))
        ),
        "Location": locations(),
        "LocationQueryResponse": st.builds(j.LocationQueryResponse, u16, locations()),
        "BatchLocation": st.builds(
            j.BatchLocation, u8, st.lists(locations(max_items=3), max_size=3).map(tuple)
        ),
        "TemporaryTracking": st.builds(j.TemporaryTracking, u16, u32),
        "TextMessage": st.builds(j.TextMessage, u8, text(200), u8 if is_2019 else st.none()),
        "SetParameters": st.builds(j.SetParameters, parameters()),
        "ParametersResponse": st.builds(j.ParametersResponse, u16, parameters()),
        "RetransmitRequest": st.builds(j.RetransmitRequest, u16, indexes),
        "MultimediaEvent": st.builds(j.MultimediaEvent, u32, u8, u8, u8, u8),
        "MultimediaUpload": st.builds(
            j.MultimediaUpload, u32, u8, u8, u8, u8, upload_location, st.binary(max_size=300)
        ),
        "MultimediaUploadResponse": st.builds(
            j.MultimediaUploadResponse, u32, st.lists(u16, max_size=255).map(tuple)
        ),
        "AlarmAttachmentRequest": st.builds(
            j.AlarmAttachmentRequest,
            text(15),
            u16,
            u16,
            identification(),
            text(32),
            st.binary(min_size=16, max_size=16),
        ),
        "AlarmAttachmentInfo": st.builds(
            j.AlarmAttachmentInfo,
            text(7),
            identification(),
            text(32),
            u8,
            st.lists(st.builds(j.AttachmentFile, text(60), u32), max_size=4).map(tuple),
        ),
        "AttachmentFileInfo": st.builds(j.AttachmentFileInfo, text(60), u8, u32),
        "AttachmentUploadFinished": st.builds(j.AttachmentUploadFinished, text(60), u8, u32),
        "UploadFinishedResponse": st.builds(
            j.UploadFinishedResponse,
            text(60),
            u8,
            u8,
            st.lists(st.tuples(u32, u32), max_size=20).map(tuple),
        ),
        "PassengerFlow": st.tuples(
            times().filter(lambda d: d.year < 2099), st.integers(0, 3600), u16, u16
        ).map(lambda t: j.PassengerFlow(t[0], t[0] + timedelta(seconds=t[1]), t[2], t[3])),
        "DriverIdentity": st.one_of(
            st.builds(j.DriverIdentity, st.just(2), times()),
            st.builds(j.DriverIdentity, st.just(1), times(), st.integers(1, 0xFF)),
            st.builds(
                j.DriverIdentity,
                st.just(1),
                times(),
                st.just(0),
                text(40),
                text(20),
                text(60),
                st.none() | st.dates(date(1900, 1, 1), date(2099, 12, 31)),
            ),
        ),
        "RawMessage": st.builds(
            j.RawMessage, st.sampled_from([0x0900, 0x8900, 0x1205, 0x0F0F]), st.binary()
        ),
    }


def messages(version: j.ProtocolVersion) -> st.SearchStrategy[Any]:
    """Any message, laid out as `version` can carry it."""
    return st.one_of(*message_strategies(version).values())
