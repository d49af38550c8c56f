"""One module per message ID (`mXXXX_name.py`), each with its message type, `decode`,
`encode` and `CODEC`; `CODECS` lists them all for the registry."""

from __future__ import annotations

from typing import Any

from busbrain.protocol.jt808.messages import (
    m0001_terminal_general_response,
    m0002_heartbeat,
    m0003_unregister,
    m0100_register,
    m0102_authentication,
    m0104_parameters_response,
    m0200_location,
    m0201_location_query_response,
    m0702_driver_identity,
    m0704_batch_location,
    m0800_multimedia_event,
    m0801_multimedia_upload,
    m1005_passenger_flow,
    m1210_alarm_attachment_info,
    m1211_attachment_file_info,
    m1212_attachment_upload_finished,
    m8001_platform_general_response,
    m8003_retransmit_request,
    m8100_register_response,
    m8103_set_parameters,
    m8104_query_parameters,
    m8201_location_query,
    m8202_temporary_tracking,
    m8300_text_message,
    m8800_multimedia_upload_response,
    m9208_alarm_attachment_request,
    m9212_upload_finished_response,
)
from busbrain.protocol.jt808.messages.base import MessageCodec
from busbrain.protocol.jt808.messages.m0001_terminal_general_response import (
    TerminalGeneralResponse,
)
from busbrain.protocol.jt808.messages.m0002_heartbeat import Heartbeat
from busbrain.protocol.jt808.messages.m0003_unregister import Unregister
from busbrain.protocol.jt808.messages.m0100_register import Register
from busbrain.protocol.jt808.messages.m0102_authentication import Authentication
from busbrain.protocol.jt808.messages.m0104_parameters_response import ParametersResponse
from busbrain.protocol.jt808.messages.m0200_location import Location
from busbrain.protocol.jt808.messages.m0201_location_query_response import (
    LocationQueryResponse,
)
from busbrain.protocol.jt808.messages.m0702_driver_identity import DriverIdentity
from busbrain.protocol.jt808.messages.m0704_batch_location import BatchLocation
from busbrain.protocol.jt808.messages.m0800_multimedia_event import MultimediaEvent
from busbrain.protocol.jt808.messages.m0801_multimedia_upload import MultimediaUpload
from busbrain.protocol.jt808.messages.m1005_passenger_flow import PassengerFlow
from busbrain.protocol.jt808.messages.m1210_alarm_attachment_info import (
    AlarmAttachmentInfo,
    AttachmentFile,
)
from busbrain.protocol.jt808.messages.m1211_attachment_file_info import AttachmentFileInfo
from busbrain.protocol.jt808.messages.m1212_attachment_upload_finished import (
    AttachmentUploadFinished,
)
from busbrain.protocol.jt808.messages.m8001_platform_general_response import (
    PlatformGeneralResponse,
)
from busbrain.protocol.jt808.messages.m8003_retransmit_request import RetransmitRequest
from busbrain.protocol.jt808.messages.m8100_register_response import RegisterResponse
from busbrain.protocol.jt808.messages.m8103_set_parameters import SetParameters
from busbrain.protocol.jt808.messages.m8104_query_parameters import QueryParameters
from busbrain.protocol.jt808.messages.m8201_location_query import LocationQuery
from busbrain.protocol.jt808.messages.m8202_temporary_tracking import TemporaryTracking
from busbrain.protocol.jt808.messages.m8300_text_message import TextMessage
from busbrain.protocol.jt808.messages.m8800_multimedia_upload_response import (
    MultimediaUploadResponse,
)
from busbrain.protocol.jt808.messages.m9208_alarm_attachment_request import (
    AlarmAttachmentRequest,
)
from busbrain.protocol.jt808.messages.m9212_upload_finished_response import (
    UploadFinishedResponse,
)
from busbrain.protocol.jt808.messages.raw import RawMessage

Message = (
    TerminalGeneralResponse
    | PlatformGeneralResponse
    | Heartbeat
    | Unregister
    | Register
    | RegisterResponse
    | Authentication
    | Location
    | LocationQuery
    | LocationQueryResponse
    | BatchLocation
    | TemporaryTracking
    | TextMessage
    | SetParameters
    | QueryParameters
    | ParametersResponse
    | RetransmitRequest
    | MultimediaEvent
    | MultimediaUpload
    | MultimediaUploadResponse
    | AlarmAttachmentRequest
    | AlarmAttachmentInfo
    | AttachmentFileInfo
    | AttachmentUploadFinished
    | UploadFinishedResponse
    | PassengerFlow
    | DriverIdentity
    | RawMessage
)
"""Every message the codec decodes to."""

CODECS: tuple[MessageCodec[Any], ...] = (
    m0001_terminal_general_response.CODEC,
    m0002_heartbeat.CODEC,
    m0003_unregister.CODEC,
    m0100_register.CODEC,
    m0102_authentication.CODEC,
    m0104_parameters_response.CODEC,
    m0200_location.CODEC,
    m0201_location_query_response.CODEC,
    m0702_driver_identity.CODEC,
    m0704_batch_location.CODEC,
    m0800_multimedia_event.CODEC,
    m0801_multimedia_upload.CODEC,
    m1005_passenger_flow.CODEC,
    m1210_alarm_attachment_info.CODEC,
    m1211_attachment_file_info.CODEC,
    m1212_attachment_upload_finished.CODEC,
    m8001_platform_general_response.CODEC,
    m8003_retransmit_request.CODEC,
    m8100_register_response.CODEC,
    m8103_set_parameters.CODEC,
    m8104_query_parameters.CODEC,
    m8201_location_query.CODEC,
    m8202_temporary_tracking.CODEC,
    m8300_text_message.CODEC,
    m8800_multimedia_upload_response.CODEC,
    m9208_alarm_attachment_request.CODEC,
    m9212_upload_finished_response.CODEC,
)

__all__ = [
    "CODECS",
    "AlarmAttachmentInfo",
    "AlarmAttachmentRequest",
    "AttachmentFile",
    "AttachmentFileInfo",
    "AttachmentUploadFinished",
    "Authentication",
    "BatchLocation",
    "DriverIdentity",
    "Heartbeat",
    "Location",
    "LocationQuery",
    "LocationQueryResponse",
    "Message",
    "MultimediaEvent",
    "MultimediaUpload",
    "MultimediaUploadResponse",
    "ParametersResponse",
    "PassengerFlow",
    "PlatformGeneralResponse",
    "QueryParameters",
    "RawMessage",
    "Register",
    "RegisterResponse",
    "RetransmitRequest",
    "SetParameters",
    "TemporaryTracking",
    "TerminalGeneralResponse",
    "TextMessage",
    "Unregister",
    "UploadFinishedResponse",
]
