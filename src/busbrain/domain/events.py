"""The typed events the gateway publishes, and their stable wire form.

Every event concerns one terminal (its SIM "phone" number, the JT/T 808 terminal id), which
is also its partition key: events of one vehicle go to one partition and so stay in order.

Wire form, envelope version 1 (JSON, UTF-8, keys in this order):

    {"type": "vehicle_location", "version": 1, "data": {...the event's fields...}}

- JSON rather than msgpack: an operator can read it in `nats stream view` and in a log, the
  golden file reviews as text, any language reads it, and msgspec encodes or decodes a
  location in about a microsecond, far below the bus round trip. msgpack would save about
  a third of the bytes, which the event rates of a city do not need.
- `version` is per event type. Adding a field with a default is not a new version (readers
  ignore fields they do not know, so old readers keep working). Removing or renaming a
  field, or changing its unit or meaning, is: register a decoder for the new version and
  keep the old one while old producers run.
- Times are RFC 3339 instants in UTC ("2026-11-29T08:00:00Z"); a time with another offset
  is converted to UTC on construction and on decode, a naive time is refused.
- Units are in the field names: degrees (WGS-84), km/h, metres, km.

Pure: no I/O, no clock reads.
"""

from __future__ import annotations

import datetime as dt
import math
import zlib
from typing import Annotated, ClassVar, Final, Literal, TypeAlias

import msgspec

from busbrain.domain.errors import EventDecodeError

ENVELOPE_VERSION: Final = 1
"""The version of the envelope and of the subject layout (`<prefix>.v1.<type>.<partition>`)."""

Scalar: TypeAlias = str | int | float | bool | None
UtcTime = Annotated[dt.datetime, msgspec.Meta(tz=True)]
OfflineReason: TypeAlias = Literal["closed", "idle_timeout", "replaced", "unregistered"]
CommandStatus: TypeAlias = Literal["acked", "failed", "timed_out", "offline", "unsupported"]


def _stamp(t: dt.datetime) -> str:
    """An instant as text for event ids: ISO 8601 in UTC, microseconds when present."""
    return t.isoformat()


class _Event(msgspec.Struct, frozen=True, kw_only=True):
    """Fields and checks shared by all events. Unknown fields are ignored on decode."""

    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1
    _TIMES: ClassVar[tuple[str, ...]] = ("ts_utc",)
    _FLOATS: ClassVar[tuple[str, ...]] = ()
    _MAPS: ClassVar[tuple[str, ...]] = ()

    phone: str
    """The terminal's id (SIM number, JT/T 808 header), the partition key."""
    vehicle: str | None = None
    """The vehicle id or plate bound to the terminal, when the registry knows it."""
    ts_utc: UtcTime
    """When it happened, by the terminal's clock for terminal reports (UTC)."""

    def __post_init__(self) -> None:
        """Check invariants on construction and on decode (a ValueError fails a decode)."""
        # Hot path (every location report): only rewrite a field that needs it.
        for name in self._TIMES:
            value = getattr(self, name)
            if value.tzinfo is not dt.UTC:
                msgspec.structs.force_setattr(self, name, _as_utc(name, value))
        for name in self._FLOATS:
            value = getattr(self, name)
            if value is None:
                continue
            if type(value) is not float or value - value != 0.0:  # int, NaN or infinite
                msgspec.structs.force_setattr(self, name, _finite(name, value))
        for name in self._MAPS:
            if mapping := getattr(self, name):
                _check_flat(name, mapping)


def _as_utc(name: str, value: dt.datetime) -> dt.datetime:
    """`value` as an instant in UTC; refuses naive times, whose zone nobody knows."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got {value.isoformat()}")
    return value if value.tzinfo is dt.UTC else value.astimezone(dt.UTC)


def _finite(name: str, value: float) -> float:
    """`value` as a float (so 90 and 90.0 encode alike); NaN and infinities are refused,
    as JSON cannot carry them."""
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def _check_flat(name: str, mapping: dict[str, Scalar]) -> None:
    """A small flat mapping must hold only JSON scalars, so it reads back as it was written."""
    for key, value in mapping.items():
        ok = value is None or isinstance(value, str | int | bool)
        ok = ok or (isinstance(value, float) and math.isfinite(value))
        if not isinstance(key, str) or not ok:
            raise ValueError(f"{name}[{key!r}] must be a str, int, finite float, bool or None")


def _check_position(lat_deg: float, lon_deg: float) -> None:
    if not -90.0 <= lat_deg <= 90.0 or not -180.0 <= lon_deg <= 180.0:
        raise ValueError(f"not a WGS-84 position: lat {lat_deg!r}, lon {lon_deg!r}")


class Position(msgspec.Struct, frozen=True, kw_only=True):
    """A WGS-84 position in degrees."""

    lat_deg: float
    lon_deg: float

    def __post_init__(self) -> None:
        _check_position(self.lat_deg, self.lon_deg)


class VehicleLocation(_Event, frozen=True, kw_only=True):
    """One position report of a terminal (JT/T 808 0x0200, or one item of a 0x0704 batch)."""

    TYPE: ClassVar[str] = "vehicle_location"
    _MAPS: ClassVar[tuple[str, ...]] = ("extra",)
    _TIMES: ClassVar[tuple[str, ...]] = ("ts_utc", "received_utc")
    _FLOATS: ClassVar[tuple[str, ...]] = (
        "lat_deg",
        "lon_deg",
        "speed_kmh",
        "heading_deg",
        "altitude_m",
        "mileage_km",
    )

    lat_deg: float
    lon_deg: float
    speed_kmh: float
    heading_deg: float
    """Direction of travel, degrees clockwise from true north, 0 <= heading < 360."""
    altitude_m: float
    received_utc: UtcTime
    """When the gateway received the report (UTC); later than ts_utc by the network delay,
    by much more for blind-area catch-up."""
    alarm_bits: int = 0
    """The JT/T 808 alarm flag word as reported (bit meanings in the protocol package)."""
    status_bits: int = 0
    """The JT/T 808 status word as reported."""
    blind_area: bool = False
    """True when the report came in a 0x0704 catch-up batch (stored while out of coverage)."""
    mileage_km: float | None = None
    """The odometer (additional item 0x01), when the terminal sends it."""
    extra: dict[str, Scalar] = {}
    """Other additional items, small and flat (e.g. {"gnss_satellites": 12}); read-only."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_position(self.lat_deg, self.lon_deg)

    @property
    def event_id(self) -> str:
        """Identity for deduplication: a terminal reports one state per instant, so a re-sent
        report (or a point seen live and again in a catch-up batch) has the same id."""
        return (
            f"{self.TYPE}/{self.phone}/{_stamp(self.ts_utc)}"
            f"/{self.alarm_bits:x}/{self.status_bits:x}"
        )


class _Alarm(_Event, frozen=True, kw_only=True):
    _MAPS: ClassVar[tuple[str, ...]] = ("details",)

    kind: str
    """A dotted code: "overspeed", "fatigue", "adas.forward_collision", "dms.phone", ..."""
    level: int | None = None
    """The alarm level when the protocol gives one (苏标 ADAS/DMS: 1 or 2), else None."""
    position: Position | None = None
    alarm_id: str | None = None
    """The terminal's alarm id (苏标 alarm identification number) when there is one."""
    details: dict[str, Scalar] = {}
    """Small, flat details of the alarm; read-only."""

    @property
    def event_id(self) -> str:
        """One alarm of one kind per terminal and instant (and alarm id, when given)."""
        return f"{self.TYPE}/{self.phone}/{self.kind}/{_stamp(self.ts_utc)}/{self.alarm_id or ''}"


class AlarmRaised(_Alarm, frozen=True, kw_only=True):
    """An alarm began (a flag rose, or an ADAS/DMS alarm was reported)."""

    TYPE: ClassVar[str] = "alarm_raised"


class AlarmCleared(_Alarm, frozen=True, kw_only=True):
    """An alarm ended (its flag fell)."""

    TYPE: ClassVar[str] = "alarm_cleared"


class TerminalOnline(_Event, frozen=True, kw_only=True):
    """A terminal authenticated on a connection (ts_utc is the gateway's receive time)."""

    TYPE: ClassVar[str] = "terminal_online"

    @property
    def event_id(self) -> str:
        return f"{self.TYPE}/{self.phone}/{_stamp(self.ts_utc)}"


class TerminalOffline(_Event, frozen=True, kw_only=True):
    """A terminal's session ended (ts_utc is the gateway's time), and why.

    reason: "closed" (the connection closed), "idle_timeout" (no heartbeat in time),
    "replaced" (the terminal connected again elsewhere), "unregistered" (0x0003).
    """

    TYPE: ClassVar[str] = "terminal_offline"

    reason: OfflineReason

    @property
    def event_id(self) -> str:
        return f"{self.TYPE}/{self.phone}/{_stamp(self.ts_utc)}/{self.reason}"


class CommandOutcome(_Event, frozen=True, kw_only=True):
    """How a command sent down to a terminal ended (ts_utc is the gateway's time).

    status: "acked" (general response OK), "failed" (the terminal answered failure or
    error), "timed_out" (no answer after the retries), "offline" (not connected),
    "unsupported" (the terminal answered "not supported").
    """

    TYPE: ClassVar[str] = "command_outcome"

    command_id: str
    kind: str
    """What was asked: "text", "location_query", "set_params", "temp_tracking", ..."""
    status: CommandStatus
    detail: str = ""

    @property
    def event_id(self) -> str:
        """A command ends once per status (an "offline" may later become "acked")."""
        return f"{self.TYPE}/{self.command_id}/{self.status}"


class PassengerCount(_Event, frozen=True, kw_only=True):
    """The passenger counter's totals for one door opening (JT/T 1078 0x1005): riders who
    boarded and alighted between `start_utc` and `ts_utc` (the doors closing). The live
    side keeps a running on-board count per bus from these (满载率)."""

    TYPE: ClassVar[str] = "passenger_count"
    _TIMES: ClassVar[tuple[str, ...]] = ("ts_utc", "start_utc")
    start_utc: UtcTime
    boarded: int
    alighted: int

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.boarded < 0 or self.alighted < 0:
            raise ValueError(f"passenger counts must be >= 0, got {self.boarded}/{self.alighted}")
        if self.start_utc > self.ts_utc:
            raise ValueError("start_utc after ts_utc")

    @property
    def event_id(self) -> str:
        return f"{self.TYPE}/{self.phone}/{_stamp(self.start_utc)}/{_stamp(self.ts_utc)}"


class DriverIdentity(_Event, frozen=True, kw_only=True):
    """A driver signed in (inserted their qualification certificate IC card, 插卡) or out
    (pulled it, 拔卡) on a bus's terminal (JT/T 808 0x0702); ts_utc is the card time by
    the terminal's clock.

    `certificate` (从业资格证编码) is the driver's id in the platform. `driver_name` is
    personal data, carried because a dispatcher needs a name on the waybill; it goes to
    the driver-shift store and the console and nowhere else. A sign-out carries neither
    (the card is gone); a card that could not be read (`read_ok` False) carries no
    identity either, and signs nobody in. `valid_until`: the certificate's expiry date,
    None when the card gave none."""

    TYPE: ClassVar[str] = "driver_identity"
    signed_in: bool
    read_ok: bool = True
    driver_name: str | None = None
    certificate: str | None = None
    authority: str | None = None
    valid_until: dt.date | None = None

    @property
    def event_id(self) -> str:
        move = "out" if not self.signed_in else "in" if self.read_ok else "unread"
        return f"{self.TYPE}/{self.phone}/{_stamp(self.ts_utc)}/{move}"


class StopVisited(_Event, frozen=True, kw_only=True):
    """A bus arrived at a stop of its trip and left it (ts_utc: the arrival), as the
    real-time processors detected it; `stopped` False: it went past without standing."""

    TYPE: ClassVar[str] = "stop_visited"
    _TIMES: ClassVar[tuple[str, ...]] = ("ts_utc", "departure_utc")
    _FLOATS: ClassVar[tuple[str, ...]] = ("delay_s",)
    trip_id: str
    route_id: str | None = None
    stop_id: str
    stop_sequence: int
    departure_utc: UtcTime
    stopped: bool = True
    delay_s: float | None = None
    """Seconds late against the scheduled arrival (negative: early)."""

    @property
    def event_id(self) -> str:
        return f"{self.TYPE}/{self.trip_id}/{self.stop_sequence}/{self.vehicle or self.phone}"


HeadwayState: TypeAlias = Literal["bunched", "gapped", "normal"]


class HeadwayStatus(_Event, frozen=True, kw_only=True):
    """The gap to the bus ahead at a stop, against the scheduled gap: "bunched" at or
    below 75 %, "gapped" at or above 125 % (ts_utc: this bus's arrival)."""

    TYPE: ClassVar[str] = "headway_status"
    _FLOATS: ClassVar[tuple[str, ...]] = ("headway_s", "scheduled_headway_s")
    route_id: str | None = None
    trip_id: str
    stop_id: str
    status: HeadwayState
    headway_s: float
    scheduled_headway_s: float
    ahead_vehicle: str | None = None

    @property
    def event_id(self) -> str:
        return f"{self.TYPE}/{self.trip_id}/{self.stop_id}/{self.vehicle or self.phone}"


class VehicleOffRoute(_Event, frozen=True, kw_only=True):
    """A bus left its trip's shape (detour, wrong turn, or a wrong trip guess)."""

    TYPE: ClassVar[str] = "vehicle_off_route"
    trip_id: str | None = None

    @property
    def event_id(self) -> str:
        return f"{self.TYPE}/{self.phone}/{_stamp(self.ts_utc)}"


class VehicleStale(_Event, frozen=True, kw_only=True):
    """No position from a bus on a trip for too long (ts_utc: its last fix)."""

    TYPE: ClassVar[str] = "vehicle_stale"
    trip_id: str | None = None
    silent_s: float = 0.0

    @property
    def event_id(self) -> str:
        return f"{self.TYPE}/{self.phone}/{_stamp(self.ts_utc)}"


class AlarmAttachment(_Event, frozen=True, kw_only=True):
    """A file a terminal uploaded for one of its 苏标 alarms (0x1210 ... 0x1212), kept by
    the gateway under its attachments folder; ts_utc is the gateway's time of the 0x1212.

    `alarm_id` is the terminal's alarm id (as in AlarmRaised), which with `phone` names
    the alarm. `file_type`: 0 image, 1 audio, 2 video, 3 text, 4 other. `path` is relative
    to the attachments folder ("/"-separated, made safe by the gateway). `complete` is
    False when bytes were missing at the end of the upload (the terminal is asked to send
    them again, and a later event says complete)."""

    TYPE: ClassVar[str] = "alarm_attachment"

    alarm_id: str
    file_name: str
    file_type: int
    size_bytes: int
    path: str
    complete: bool

    @property
    def event_id(self) -> str:
        return f"{self.TYPE}/{self.phone}/{self.alarm_id}/{self.file_name}/{self.complete}"


Event: TypeAlias = (
    VehicleLocation
    | AlarmRaised
    | AlarmCleared
    | TerminalOnline
    | TerminalOffline
    | CommandOutcome
    | PassengerCount
    | DriverIdentity
    | StopVisited
    | HeadwayStatus
    | VehicleOffRoute
    | VehicleStale
    | AlarmAttachment
)
EVENT_TYPES: Final[tuple[type[Event], ...]] = (
    VehicleLocation,
    AlarmRaised,
    AlarmCleared,
    TerminalOnline,
    TerminalOffline,
    CommandOutcome,
    PassengerCount,
    DriverIdentity,
    StopVisited,
    HeadwayStatus,
    VehicleOffRoute,
    VehicleStale,
    AlarmAttachment,
)


class _OutEnvelope(msgspec.Struct, frozen=True):
    type: str
    version: int
    data: Event


class _InEnvelope(msgspec.Struct, frozen=True):
    type: str
    version: int
    data: msgspec.Raw


_ENCODER: Final = msgspec.json.Encoder()
_ENVELOPE_DECODER: Final = msgspec.json.Decoder(_InEnvelope)
_DECODERS: Final[dict[tuple[str, int], msgspec.json.Decoder[Event]]] = {
    (cls.TYPE, cls.VERSION): msgspec.json.Decoder(cls) for cls in EVENT_TYPES
}


def encode_event(event: Event) -> bytes:
    """The wire form of an event (see the module docstring)."""
    return _ENCODER.encode(_OutEnvelope(event.TYPE, event.VERSION, event))


def decode_event(payload: bytes) -> Event:
    """The event in a wire form; fields this build does not know are ignored.

    Raises EventDecodeError for bytes that are not an envelope, an unknown type or version,
    or data that does not fit the type.
    """
    try:
        envelope = _ENVELOPE_DECODER.decode(payload)
    except msgspec.DecodeError as exc:
        raise EventDecodeError(f"not an event envelope: {exc}") from exc
    decoder = _DECODERS.get((envelope.type, envelope.version))
    if decoder is None:
        raise EventDecodeError(_unknown(envelope.type, envelope.version))
    try:
        return decoder.decode(envelope.data)
    except msgspec.DecodeError as exc:
        raise EventDecodeError(f"bad {envelope.type} v{envelope.version} event: {exc}") from exc


def _unknown(type_name: str, version: int) -> str:
    versions = sorted(v for t, v in _DECODERS if t == type_name)
    if not versions:
        known = ", ".join(sorted({t for t, _ in _DECODERS}))
        return f"unknown event type {type_name!r} (this build reads: {known})"
    return (
        f"unsupported version {version} of event type {type_name!r} "
        f"(this build reads versions {versions})"
    )


def partition_key(event: Event) -> str:
    """The key that keeps a vehicle's events in order: its terminal's phone."""
    return event.phone


def partition_of(key: str, partitions: int) -> int:
    """The partition (0 <= p < partitions) of a key: CRC-32 of its UTF-8 bytes, so every
    process and every run agrees (Python's hash() of a str differs per process)."""
    if partitions < 1:
        raise ValueError(f"partitions must be >= 1, got {partitions}")
    return zlib.crc32(key.encode()) % partitions


def subject_for(event: Event, partitions: int, prefix: str = "busbrain") -> str:
    """The bus subject of an event: `<prefix>.v1.<type>.<partition>`.

    A consumer of some partitions filters on `<prefix>.v1.*.<partition>` and so sees all
    event types of its vehicles in publish order.
    """
    partition = partition_of(partition_key(event), partitions)
    return f"{prefix}.v{ENVELOPE_VERSION}.{event.TYPE}.{partition}"
