"""The 112 third-party frames of ../shared/data/jt808/frames.jsonl, and views of decoded
messages in that file's vocabulary (raw wire units: `lat_1e6deg`, `speed_x0_1kmh` ...),
so a test can compare a decoded message with `expected.body` as one dict."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import busbrain.protocol.jt808 as j

FRAMES_FILE = (
    Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "jt808" / "frames.jsonl"
)
EXPECTED_COUNT = 112
MISSING = (
    f"JT/T 808 test frames not found at {FRAMES_FILE.resolve()}: the golden tests need "
    "the shared reference data (../shared/data/jt808/frames.jsonl beside the repo)"
)


def load_frames() -> list[dict[str, Any]]:
    """Every record of the frames file, numbered from 0 in `index` (empty if missing)."""
    if not FRAMES_FILE.is_file():
        return []
    lines = FRAMES_FILE.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    for n, rec in enumerate(records):
        rec["index"] = n
    return records


def _time(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


def _id(n: int) -> str:
    return f"0x{n:04X}"


def _ident(ident: j.AlarmIdentification) -> dict[str, Any]:
    return {
        "terminal_id": ident.terminal_id,
        "time": _time(ident.time),
        "sn": ident.sequence,
        "attach_count": ident.attachment_count,
    }


def _micro(deg: float) -> int:
    return round(abs(deg) * 1_000_000)


def _subiao_common(item: j.AdasAlarm | j.DmsAlarm | j.TpmsAlarm | j.BsdAlarm) -> dict[str, Any]:
    return {
        "speed": item.speed_kmh,
        "alt": item.altitude_m,
        "lat": _micro(item.lat_deg),
        "lon": _micro(item.lon_deg),
        "time": _time(item.time),
        "veh_status": item.vehicle_status,
        "ident": _ident(item.identification),
    }


def item_view(item: j.AdditionalItem) -> Any:
    """An additional item as the frames file states it (hex for items it leaves raw)."""
    if isinstance(item, j.Mileage):
        return {"mileage_x0_1km": round(item.mileage_km * 10)}
    if isinstance(item, j.Fuel):
        return {"fuel_x0_1L": round(item.fuel_l * 10)}
    if isinstance(item, j.RecorderSpeed):
        return {"rec_speed_x0_1kmh": round(item.speed_kmh * 10)}
    if isinstance(item, j.AlarmEventId):
        return {"alarm_event_id": item.event_id}
    if isinstance(item, j.OverspeedAlarm):
        view = {"loc_type": item.location_type}
        return view if item.area_id is None else {**view, "area_id": item.area_id}
    if isinstance(item, j.VehicleSignals):
        return {"ext_signal": item.signals}
    if isinstance(item, j.IoStatus):
        return {"io_status": item.status}
    if isinstance(item, j.AnalogInputs):
        return {"analog": item.ad1 << 16 | item.ad0}
    if isinstance(item, j.SignalStrength):
        return {"csq": item.strength}
    if isinstance(item, j.GnssSatellites):
        return {"sats": item.satellites}
    if isinstance(item, j.AdasAlarm):
        return {
            "alarm_id": item.alarm_id,
            "flag": item.flag_status,
            "type": item.alarm_type,
            "level": item.level,
            "front_speed": item.front_speed_kmh,
            "front_dist": item.front_distance_100ms,
            "deviate": item.departure_type,
            "sign_type": item.road_sign_type,
            "sign_data": item.road_sign_value,
            **_subiao_common(item),
        }
    if isinstance(item, j.DmsAlarm):
        return {
            "alarm_id": item.alarm_id,
            "flag": item.flag_status,
            "type": item.alarm_type,
            "level": item.level,
            "fatigue": item.fatigue_degree,
            "reserved": item.reserved.hex(),
            **_subiao_common(item),
        }
    if isinstance(item, j.TpmsAlarm):
        tyres = [
            {
                "position": t.position,
                "alarms": t.alarms,
                "pressure_kpa": t.pressure_kpa,
                "temperature_c": t.temperature_c,
                "battery_pct": t.battery_pct,
            }
            for t in item.tyres
        ]
        common = {"alarm_id": item.alarm_id, "flag": item.flag_status, **_subiao_common(item)}
        return {**common, "count": len(tyres), "list": tyres}
    if isinstance(item, j.BsdAlarm):
        return {
            "alarm_id": item.alarm_id,
            "flag": item.flag_status,
            "type": item.alarm_type,
            **_subiao_common(item),
        }
    return item.encode_value().hex()


def location_view(loc: j.Location) -> dict[str, Any]:
    view: dict[str, Any] = {
        "alarm_flag": loc.alarm_flags,
        "status": loc.status_flags,
        "status_acc_on": loc.acc_on,
        "status_positioned": loc.fix_valid,
        "south": j.StatusFlag.SOUTH in loc.status,
        "west": j.StatusFlag.WEST in loc.status,
        "lat_1e6deg": _micro(loc.lat_deg),
        "lon_1e6deg": _micro(loc.lon_deg),
        "altitude_m": loc.altitude_m,
        "speed_x0_1kmh": round(loc.speed_kmh * 10),
        "direction_deg": loc.heading_deg,
        "time_gmt8": _time(loc.device_time),
    }
    if loc.items or loc.trailing:
        view["additional"] = {f"0x{it.item_id:02X}": item_view(it) for it in loc.items}
        if loc.trailing:
            view["additional"]["_trailing"] = loc.trailing.hex()
    return view


def _params(params: tuple[j.Parameter, ...]) -> dict[str, Any]:
    return {_id(p.param_id): p.value.hex() for p in params}


def body_view(msg: j.Message, version_label: str) -> dict[str, Any]:
    """`msg` in the vocabulary of `expected.body`."""
    if isinstance(msg, (j.TerminalGeneralResponse, j.PlatformGeneralResponse)):
        return {"ack_serial": msg.ack_serial, "ack_id": _id(msg.ack_msg_id), "result": msg.result}
    if isinstance(msg, j.Register):
        model_key = "model8" if version_label == "2011" else "model"
        return {
            "province": msg.province_id,
            "city": msg.city_id,
            "maker": msg.maker_id,
            model_key: msg.model,
            "term_id": msg.terminal_id,
            "color": msg.plate_color,
            "plate": msg.plate,
        }
    if isinstance(msg, j.RegisterResponse):
        return {"ack_serial": msg.ack_serial, "result": msg.result, "auth": msg.auth_code}
    if isinstance(msg, j.Authentication):
        if not version_label.startswith("2019"):
            return {"auth": msg.auth_code}
        return {
            "auth_len": len(msg.auth_code.encode("gbk")),
            "auth": msg.auth_code,
            "imei": msg.imei,
            "sw_ver": msg.software_version,
        }
    if isinstance(msg, j.Location):
        return location_view(msg)
    if isinstance(msg, j.LocationQueryResponse):
        return {"ack_serial": msg.ack_serial, "location": location_view(msg.location)}
    if isinstance(msg, j.BatchLocation):
        return {
            "count": len(msg.locations),
            "type": msg.batch_type,
            "items": [location_view(loc) for loc in msg.locations],
        }
    if isinstance(msg, j.SetParameters):
        return {"count": len(msg.params), "params": _params(msg.params), "trailing": 0}
    if isinstance(msg, j.ParametersResponse):
        return {
            "ack_serial": msg.ack_serial,
            "count": len(msg.params),
            "params": _params(msg.params),
            "trailing": 0,
        }
    if isinstance(msg, j.TemporaryTracking):
        return {"interval_s": msg.interval_s, "validity_s": msg.validity_s}
    if isinstance(msg, j.TextMessage):
        view: dict[str, Any] = {"flag": msg.flags, "text": msg.text}
        if msg.text_type is not None:
            view = {"flag": msg.flags, "text_type": msg.text_type, "text": msg.text}
        return view
    if isinstance(msg, j.MultimediaEvent):
        return {
            "media_id": msg.media_id,
            "media_type": msg.media_type,
            "format": msg.media_format,
            "event": msg.event_code,
            "channel": msg.channel,
        }
    if isinstance(msg, j.MultimediaUpload):
        assert msg.location is not None
        return {
            "media_id": msg.media_id,
            "media_type": msg.media_type,
            "format": msg.media_format,
            "event": msg.event_code,
            "channel": msg.channel,
            "loc": location_view(msg.location),
            "data_len": len(msg.data),
            "data_head": msg.data[:16].hex(),
        }
    if isinstance(msg, j.MultimediaUploadResponse):
        return {
            "media_id": msg.media_id,
            "retx_count": len(msg.retransmit_indexes),
            "retx_ids": list(msg.retransmit_indexes),
        }
    if isinstance(msg, j.AlarmAttachmentRequest):
        return {
            "ip": msg.server_ip,
            "tcp_port": msg.tcp_port,
            "udp_port": msg.udp_port,
            "ident": _ident(msg.identification),
            "alarm_no": msg.alarm_number,
        }
    if isinstance(msg, j.AlarmAttachmentInfo):
        return {
            "terminal_id": msg.terminal_id,
            "ident": _ident(msg.identification),
            "alarm_no": msg.alarm_number,
            "info_type": msg.info_type,
            "count": len(msg.files),
            "files": [{"name": f.name, "size": f.size_bytes} for f in msg.files],
        }
    if isinstance(msg, (j.AttachmentFileInfo, j.AttachmentUploadFinished)):
        return {"name": msg.name, "file_type": msg.file_type, "size": msg.size_bytes}
    if isinstance(msg, (j.Heartbeat, j.Unregister, j.QueryParameters, j.LocationQuery)):
        return {}
    raise AssertionError(f"no view for {type(msg).__name__}")


def header_view(frame: j.Frame, wire: bytes, *, check_ok: bool = True) -> dict[str, Any]:
    """The frame's header fields as `expected` states them (without `body`)."""
    h = frame.header
    view: dict[str, Any] = {
        "msg_id": _id(h.msg_id),
        "body_length": h.body_length,
        "encryption": h.encryption,
        "subpackage": h.is_subpackage,
        "version_flag": int(h.version == j.ProtocolVersion.V2019),
        "terminal_phone_bcd": h.phone,
        "serial": h.serial,
        "check_code": f"{frame.check_code:02x}",
        "check_ok": check_ok,
        "escaped_on_wire": b"\x7d" in wire,
    }
    if h.version == j.ProtocolVersion.V2019:
        view["protocol_version"] = h.protocol_version
    if h.is_subpackage:
        view["package_total"] = h.package_total
        view["package_index"] = h.package_index
    if frame.length_mismatch is not None:
        lm = frame.length_mismatch
        view["length_mismatch"] = {"declared": lm.declared, "present": lm.present}
    return view
