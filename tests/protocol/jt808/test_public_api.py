"""The public surface of busbrain.protocol.jt808 is exactly its `__all__`, and the
exception tree is the one errors.py draws."""

from __future__ import annotations

import busbrain.protocol.jt808 as j
from busbrain.domain.errors import BusbrainError

PUBLIC = {
    "CHINA_TZ", "AdasAlarm", "AdditionalItem", "AlarmAttachmentInfo", "AlarmAttachmentRequest",
    "AlarmEventId", "AlarmFlag", "AlarmIdentification", "AnalogInputs", "AreaRouteAlarm",
    "AttachmentFile", "AttachmentFileInfo", "AttachmentUploadFinished", "Authentication",
    "BatchLocation", "BsdAlarm", "ChecksumError", "CompartmentTemperature", "DmsAlarm",
    "EscapeError", "Event", "FlagStatus", "Frame", "FrameRejected", "FrameTooLongError",
    "FramingError", "Fuel", "GeneralResult", "GnssSatellites", "Header", "Heartbeat",
    "IoStatus", "IoStatusFlag", "Jt808Error", "Jt808Session", "LengthMismatch", "LoadState",
    "LocalProtocolError", "Location", "LocationQuery", "LocationQueryResponse", "Message",
    "MessageDecodeError", "MessageReceived", "Mileage", "MultimediaEvent", "MultimediaUpload",
    "MultimediaUploadResponse", "OverspeedAlarm", "ParamId", "Parameter", "ParametersResponse",
    "PassengerFlow", "DriverIdentity", "UploadFinishedResponse",
    "PlatformGeneralResponse", "ProtocolVersion", "QueryParameters", "RawItem", "RawMessage",
    "ReassemblyAbandoned", "ReassemblyError", "RecorderSpeed", "Register", "RegisterResponse",
    "RemoteProtocolError", "RetransmitRequest", "RouteTimeAlarm", "SessionConfig",
    "SetParameters", "SignalStrength", "StatusFlag", "SuBiaoVehicleStatus", "TemporaryTracking",
    "TerminalGeneralResponse", "TextMessage", "TpmsAlarm", "TyrePressures", "TyreState",
    "Unregister", "VehicleSignal", "VehicleSignals", "decode_body", "decode_frame",
    "encode_body", "encode_frame", "encode_message", "encode_packages", "normalise_phone",
}  # fmt: skip


def test_all_is_exactly_the_public_surface() -> None:
    assert set(j.__all__) == PUBLIC
    assert len(j.__all__) == len(PUBLIC)
    assert all(hasattr(j, name) for name in j.__all__)


def test_exception_tree() -> None:
    assert issubclass(j.Jt808Error, BusbrainError)
    for local_or_remote in (j.LocalProtocolError, j.RemoteProtocolError):
        assert issubclass(local_or_remote, j.Jt808Error)
    for framing in (j.EscapeError, j.ChecksumError, j.FrameTooLongError):
        assert issubclass(framing, j.FramingError)
    for remote in (j.FramingError, j.MessageDecodeError, j.ReassemblyError):
        assert issubclass(remote, j.RemoteProtocolError)
    assert not issubclass(j.LocalProtocolError, j.RemoteProtocolError)


def test_every_message_type_names_its_id() -> None:
    from busbrain.protocol.jt808.registry import BY_ID

    for msg_id, codec in BY_ID.items():
        assert codec.message_type.msg_id == msg_id
        assert codec.message_type.__module__.split(".")[-1].startswith(f"m{msg_id:04x}_")
