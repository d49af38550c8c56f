"""How a simulated terminal behaves beyond its script. Pure: no I/O, no clock.

Two behaviours every real terminal has and a script does not spell out:

- it answers the platform's commands (`respond`): a text message, a tracking order or
  new parameters with a 0x0001 general response, a location query with 0x0201 and its
  last position, a parameter query with 0x0104; anything else the platform asks gets
  0x0001 result 3 (not supported), and the platform's own answers get nothing;
- it keeps the positions it could not send while offline (`BlindAreaStore`) and sends
  them after the next login as 0x0704 batches of type 1 (blind area, 盲区补报);
- it keeps the files of its 苏标 ADAS/DMS alarms (`TerminalState.remember_sent`) and,
  asked by a 0x9208, uploads them (`alarm_files` says which bytes; the upload itself,
  a second connection, is the live player's: `live.upload_attachments`).

The live player, the capture writer and the replay tool share this module so that all
three behave the same way.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from itertools import islice
from struct import Struct

from busbrain.protocol import jt808 as j

OK = 0
FAILURE = 1
NOT_SUPPORTED = 3

PLATFORM_ANSWER_IDS = frozenset({0x8001, 0x8100, 0x8800, 0x9212})
"""Platform messages that answer the terminal (general response, registration response,
multimedia upload response, attachment upload finished response): a terminal does not
acknowledge them."""

BLIND_BATCH_MAX = 20
"""Most positions in one blind-area 0x0704 batch (a longer body is sub-packaged anyway,
but real terminals send small batches so that a lost one costs little)."""

BLIND_STORE_MAX = 10_000
"""Most positions a terminal keeps while offline; past it the oldest are dropped (a
day offline at a 10 s report interval is 8,640 points)."""

_LOCATION_IDS = frozenset({0x0200, 0x0704})

ALARMS_KEPT = 256
"""Most 苏标 alarms a terminal remembers for a later 0x9208 (the oldest are forgotten;
a platform asks within seconds of the alarm)."""
FILE_NAME_MAX = 50
"""A data block carries the file name in BYTE[50]: longer names could not be matched."""
IMAGE, VIDEO = 0, 2
"""0x1211 file types used by the simulator (0 image, 2 video)."""
_JPEG_HEAD = bytes.fromhex("ffd8ffe000104a46494600010100000100010000")
"""SOI and a JFIF APP0 segment: enough for a viewer to call it a JPEG."""
_JPEG_TAIL = bytes.fromhex("ffd9")
_MP4_HEAD = bytes.fromhex("000000186674797069736f6d0000020069736f6d6d703432")
"""An ISO-BMFF `ftyp` box (isom, mp42): what a file type sniffer looks at."""

_BLOCK = Struct(">4s50sII")


def data_block(name: str, offset: int, data: bytes) -> bytes:
    """The wire bytes of one attachment data block, sent raw (unescaped) between 0x1211
    and 0x1212: magic "01cd", the name GBK and 0x00-padded to 50 bytes, the offset and
    length in bytes, the data (the gateway's own reader is `gateway.attachments`, which
    the simulator may not import)."""
    return _BLOCK.pack(b"01cd", name.encode("gbk")[:FILE_NAME_MAX], offset, len(data)) + data


AlarmKey = tuple[str, dt.datetime, int]
"""(terminal ID, alarm time to the second, sequence): names one 苏标 alarm."""


def alarm_key(ident: j.AlarmIdentification) -> AlarmKey:
    """The key of an alarm identification; seconds only, as BCD time carries no more."""
    return ident.terminal_id, ident.time.replace(microsecond=0), ident.sequence


@dataclass(frozen=True, slots=True)
class SimFile:
    """One attachment a simulated terminal uploads: name, 0x1211 type, the bytes."""

    name: str
    file_type: int
    data: bytes


def alarm_files(
    request: j.AlarmAttachmentRequest, alarm: j.AdasAlarm | j.DmsAlarm | None
) -> tuple[SimFile, ...]:
    """The files of the alarm `request` asks for: as many as its identification
    announces, a photo first, each later one a photo or (sometimes) a short clip; small
    fake payloads (photos 2–6 KB, clips 8–16 KB) whose bytes are seeded by the alarm, so
    a re-send sends the same bytes. `alarm` (the item the terminal sent, when it still
    remembers it) gives the names their channel and alarm type, as
    `<type>_<channel>_<alarmtype>_<seq>_<alarm number>.<ext>`."""
    ident = request.identification
    terminal_id, when, sequence = alarm_key(ident)
    rng = random.Random(f"{terminal_id}|{when.isoformat()}|{sequence}|{request.alarm_number}")
    channel = alarm.item_id if alarm is not None else 0
    alarm_type = alarm.alarm_type if alarm is not None else 0
    files: list[SimFile] = []
    for n in range(ident.attachment_count):
        video = n > 0 and rng.random() < 0.4
        kind, ext = (VIDEO, "mp4") if video else (IMAGE, "jpg")
        stem = f"{kind:02d}_{channel:02x}_{channel:02x}{alarm_type:02x}_{n}_"
        room = FILE_NAME_MAX - len(stem) - len(ext) - 1
        name = f"{stem}{request.alarm_number.encode('gbk')[:room].decode('gbk', 'ignore')}.{ext}"
        size = rng.randint(8192, 16384) if video else rng.randint(2048, 6144)
        filler = rng.randbytes(size)
        data = _MP4_HEAD + filler if video else _JPEG_HEAD + filler + _JPEG_TAIL
        files.append(SimFile(name, kind, data))
    return tuple(files)


def default_parameters() -> dict[int, j.Parameter]:
    """What a freshly installed bus terminal reports to 0x8104 (seconds, metres)."""
    values = {
        j.ParamId.HEARTBEAT_INTERVAL_S: 60,
        j.ParamId.TCP_RESPONSE_TIMEOUT_S: 10,
        j.ParamId.TCP_RETRANSMIT_COUNT: 3,
        j.ParamId.REPORT_STRATEGY: 0,
        j.ParamId.REPORT_SCHEME: 0,
        j.ParamId.SLEEP_REPORT_INTERVAL_S: 300,
        j.ParamId.EMERGENCY_REPORT_INTERVAL_S: 5,
        j.ParamId.DEFAULT_REPORT_INTERVAL_S: 10,
    }
    return {int(pid): j.Parameter.of(pid, value) for pid, value in values.items()}


@dataclass(slots=True)
class TerminalState:
    """What a terminal remembers to answer commands: its parameters and the last
    position it sent (as a `Location`, or as the raw frame bytes, decoded only when a
    0x8201 asks for it: the replay tool keeps frames, not messages)."""

    parameters: dict[int, j.Parameter] = field(default_factory=default_parameters)
    alarms: OrderedDict[AlarmKey, j.AdasAlarm | j.DmsAlarm] = field(default_factory=OrderedDict)
    """The 苏标 alarms sent with attachments, newest last (at most `ALARMS_KEPT`)."""
    _location: j.Location | None = None
    _location_frames: bytes | None = None

    def remember_sent(self, message: j.Message) -> None:
        """Note a message the terminal sent: its positions, and the 苏标 alarms whose
        files a 0x9208 may ask for."""
        if isinstance(message, j.Location):
            self._location, self._location_frames = message, None
            self._remember_alarms(message)
        elif isinstance(message, j.BatchLocation) and message.locations:
            self._location, self._location_frames = message.locations[-1], None
            for location in message.locations:
                self._remember_alarms(location)

    def _remember_alarms(self, location: j.Location) -> None:
        for item in location.items:
            if (
                isinstance(item, j.AdasAlarm | j.DmsAlarm)
                and item.identification.attachment_count > 0
            ):
                self.alarms[alarm_key(item.identification)] = item
                while len(self.alarms) > ALARMS_KEPT:
                    self.alarms.popitem(last=False)

    def files_for(self, request: j.AlarmAttachmentRequest) -> tuple[SimFile, ...]:
        """The files a 0x9208 asks for (see `alarm_files`)."""
        return alarm_files(request, self.alarms.get(alarm_key(request.identification)))

    def remember_frames(self, data: bytes) -> None:
        """Note wire bytes the terminal sent; kept when they carry a 0x0200 / 0x0704.

        Escaping never touches the message ID bytes of these two (no 0x7d / 0x7e), so
        the ID is read straight after the opening flag.
        """
        if len(data) > 3 and int.from_bytes(data[1:3], "big") in _LOCATION_IDS:
            self._location_frames = data

    def last_location(self) -> j.Location | None:
        """The last position sent, decoding the remembered frames if needed."""
        if self._location_frames is not None:
            found = _decode_location(self._location_frames)
            self._location_frames = None
            if found is not None:
                self._location = found
        return self._location


def _decode_location(data: bytes) -> j.Location | None:
    session = j.Jt808Session()
    session.receive_data(data)
    found: j.Location | None = None
    for event in session.events():
        if isinstance(event, j.MessageReceived):
            message = event.message
            if isinstance(message, j.Location):
                found = message
            elif isinstance(message, j.BatchLocation) and message.locations:
                found = message.locations[-1]
    return found


def respond(received: j.MessageReceived, state: TerminalState) -> tuple[j.Message, ...]:
    """The reply (or none) a real terminal sends to `received`; a 0x8103 also updates
    `state.parameters`."""
    header, message = received.header, received.message

    def general(result: int) -> tuple[j.Message, ...]:
        return (j.TerminalGeneralResponse(header.serial, header.msg_id, result),)

    if isinstance(message, j.TextMessage | j.TemporaryTracking):
        return general(OK)
    if isinstance(message, j.LocationQuery):
        location = state.last_location()
        if location is None:
            return general(FAILURE)  # no position yet: nothing to report
        return (j.LocationQueryResponse(header.serial, location),)
    if isinstance(message, j.SetParameters):
        state.parameters.update({p.param_id: p for p in message.params})
        return general(OK)
    if isinstance(message, j.QueryParameters):
        params = tuple(state.parameters[k] for k in sorted(state.parameters))
        return (j.ParametersResponse(header.serial, params[:255]),)
    if header.msg_id < 0x8000 or header.msg_id in PLATFORM_ANSWER_IDS:
        return ()  # a terminal-side ID echoed back, or the platform answering us
    return general(NOT_SUPPORTED)


class BlindAreaStore:
    """Positions a terminal keeps while it has no connection, oldest first.

    Batches are taken with `peek_batch` and removed with `commit` only once sent, so a
    link lost in the middle of a flush loses nothing.
    """

    def __init__(self, capacity: int = BLIND_STORE_MAX) -> None:
        self._points: deque[j.Location] = deque()
        self.capacity = capacity
        self.dropped = 0
        """Positions dropped because the store was full."""

    def __len__(self) -> int:
        return len(self._points)

    def add(self, message: j.Message) -> bool:
        """Keep the positions of a 0x0200 / 0x0704; False for any other message (a
        terminal offline does not keep heartbeats or answers)."""
        if isinstance(message, j.Location):
            self._keep(message)
        elif isinstance(message, j.BatchLocation):
            for location in message.locations:
                self._keep(location)
        else:
            return False
        return True

    def _keep(self, location: j.Location) -> None:
        if len(self._points) >= self.capacity:
            self._points.popleft()
            self.dropped += 1
        self._points.append(location)

    def peek_batch(self, size: int = BLIND_BATCH_MAX) -> j.BatchLocation | None:
        """The oldest `size` positions as a blind-area batch (not removed), or None."""
        if not self._points:
            return None
        points = tuple(islice(self._points, size))
        return j.BatchLocation(1, points)

    def commit(self, batch: j.BatchLocation) -> None:
        """Remove the positions of `batch` (from `peek_batch`) once it is sent."""
        for _ in batch.locations:
            self._points.popleft()
