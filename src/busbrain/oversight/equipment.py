"""设备监管 (equipment supervision): the health of each bus's terminal, GPS, passenger
counter and card reader, from the gateway's events and the live picture.

No I/O and no clock reads: the consumer (busbrain.runner.devices) feeds `Equipment` with
events, the live picture, the terminal registry's depots and the stored taps' latest
times, always passing "now"; readers (the API) ask it for an immutable `EquipmentReport`.
Times are unix seconds (UTC) by the platform's clock (the server's, or the simulated one
in demos) unless named "device"; distances metres; speeds km/h.

Definitions (thresholds are the constants below, each with its reason):

- **In service**: the bus is on a trip in the live picture; a bus that falls silent stays
  in service for alarms up to `SILENT_KEEP_S` after the live picture last had it on a
  trip (the live picture drops a bus silent for 15 min, the alarm must not go with it).
- **Online now**: the terminal's gateway session is open (TerminalOnline after the last
  TerminalOffline, or a report since); when no session event has been seen, a report in
  the last `ONLINE_UNKNOWN_WITHIN_S`.
- **Online rate** of a line or depot = buses in service whose terminal reported in the
  last `REPORTING_WITHIN_S` ÷ buses in service. **Over the day**: the same, sampled every
  `TALLY_EVERY_S` since the service day began (it starts at 03:00 local time).
- **GPS quality**, over a terminal's last `QUALITY_WINDOW` live fixes: share without a
  valid fix (status bit 1 clear), share with fewer than `LOW_SATELLITES` satellites (of
  the fixes that give a count), **jumps** (implied speed between consecutive valid fixes
  above `JUMP_SPEED_KMH` over at least `JUMP_MIN_M`), **stuck fixes** (a valid fix at
  exactly the previous fix's coordinates while the reported speed is above
  `STUCK_SPEED_KMH`).
- **Clock skew** = received − device time, median of the last `SKEW_SAMPLES` live
  (not blind-area) fixes: positive, the terminal's clock is behind; flagged beyond
  ±`CLOCK_SKEW_LIMIT_S`.
- **Passenger counter silent**: a bus in service with no PassengerCount for more than
  `COUNTER_SILENT_S` (counted from when this server first heard the terminal, when the
  counter has said nothing yet).
- **Card reader silent**: fare taps arrive late, in batches; a bus with at least
  `CARD_MIN_SERVICE_S` of service time, older than `CARD_LAG_S`, since its last stored
  tap (or in the last day, when it has none) has a card reader that records nothing.
- **Device faults**: the fault bits (`DEVICE_FAULTS`: GNSS module and antenna, main
  power, display, TTS, camera, IC card module, VSS) set in the JT/T 808 alarm word of the
  terminal's latest live fix (by device time; blind-area catch-up reports are old and
  do not count), whether the bus is in service or not. A fault's **since** is the
  platform time of the first live fix seen with its bit set in the current run of fixes
  that have it set (after a restart: the first such fix this server heard); a fix with
  the bit clear ends the fault. The gateway raises the same bits as alarms of the same
  names (kind = the code) in 安全监管's queue.
- **Silent in service** (the module's alarm): in service and no report for more than
  `SILENT_IN_SERVICE_S`.
"""

from __future__ import annotations

import datetime as dt
import statistics
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from busbrain.domain.events import (
    Event,
    PassengerCount,
    TerminalOffline,
    TerminalOnline,
    VehicleLocation,
)
from busbrain.domain.geo import haversine_m

REPORTING_WITHIN_S: Final = 60.0
"""A terminal in service counts as reporting when its last report is at most this old:
buses report every 10-30 s while moving (JT/T 808 parameter 0x0029), so 60 s allows
for a lost report or two without calling a healthy terminal down."""
ONLINE_UNKNOWN_WITHIN_S: Final = 360.0
"""Without a session event, a terminal is taken as online when it reported this
recently: a parked bus reports every 300 s (0x0027), plus a minute's grace."""
SILENT_IN_SERVICE_S: Final = 180.0
"""A bus on a trip silent this long raises the module's alarm: the same 180 s after which
the live side calls a bus stale and stops predicting for it (realtime.live.STALE_S)."""
SILENT_KEEP_S: Final = 2 * 3600.0
"""A silent bus stays "in service" this long after it was last seen on a trip: longer
than a city bus trip, after which nobody knows whether it is still out."""
LOW_SATELLITES: Final = 4
"""Fewer satellites than this cannot give a 3-D fix (4 unknowns: x, y, z, clock)."""
JUMP_SPEED_KMH: Final = 150.0
"""An implied speed above this between two fixes is a jump: a city bus is limited to
about 60-80 km/h and cannot do 150."""
JUMP_MIN_M: Final = 100.0
"""…over at least this distance: ordinary noise and multipath outliers (tens of metres)
between fixes a second apart are not jumps."""
STUCK_SPEED_KMH: Final = 10.0
"""A fix repeating the previous coordinates exactly while the bus reports more than this
speed is stuck (a receiver repeating its last fix); below it, a bus may stand still."""
CLOCK_SKEW_LIMIT_S: Final = 30.0
"""A terminal clock off by more than this misplaces stop times by a stop or more (buses
travel 100-300 m in 30 s) and breaks dedupe of its reports."""
SKEW_SAMPLES: Final = 21
"""Fixes whose skew's median is taken: the median ignores a few reports delayed in the
network, 21 fixes are 3-10 min of reporting."""
QUALITY_WINDOW: Final = 120
"""The GPS quality shares are over a terminal's last this many live fixes (20 min at
10 s reporting): recent enough to show a fault now, long enough not to flicker."""
POOR_SHARE: Final = 0.2
"""A terminal is flagged when more than this share of its recent fixes has no valid
fix or too few satellites: short urban-canyon spells stay below it."""
MIN_FIXES: Final = 10
"""Shares of fewer fixes than this are not flagged (too few to say)."""
COUNTER_SILENT_S: Final = 1800.0
"""A bus in service opens its doors every few minutes; a passenger counter silent for
30 min in service is broken (the live side also stops trusting its count then)."""
CARD_LAG_S: Final = 2 * 3600.0
"""Fare taps reach the store in clearing batches (hourly, up to an hour late): service
more recent than this cannot yet be judged."""
CARD_MIN_SERVICE_S: Final = 3600.0
"""An hour of service without a single tap means a card reader that records nothing: a
city bus takes dozens of taps an hour."""
SPAN_GAP_S: Final = 120.0
"""Service samples further apart than this start a new span of service time."""
SPANS_KEPT_S: Final = 26 * 3600.0
"""Service spans older than this are forgotten (one service day and a little)."""
TALLY_EVERY_S: Final = 60.0
"""The day's online rate samples the buses in service once a minute: 1,440 samples of
a thousand buses is a few counters, not a history."""
SERVICE_DAY_CHANGE_H: Final = 3
"""Local hour at which a new service day begins (trips past midnight belong to the day
before), as on the live side."""
CHINA: Final = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True, slots=True)
class DeviceFault:
    """A device-fault bit of the JT/T 808 0x0200 alarm word (table 24 of the standard)."""

    bit: int
    code: str
    """The gateway's alarm kind for the bit (the protocol's AlarmFlag name, lower case)."""
    label_zh: str
    label_en: str


DEVICE_FAULTS: Final = (
    DeviceFault(4, "gnss_module_fault", "GNSS模块故障", "GNSS module fault"),
    DeviceFault(
        5, "gnss_antenna_disconnected", "GNSS天线未接或被剪断", "GNSS antenna disconnected or cut"
    ),
    DeviceFault(6, "gnss_antenna_short_circuit", "GNSS天线短路", "GNSS antenna short circuit"),
    DeviceFault(7, "power_under_voltage", "终端主电源欠压", "Main power under-voltage"),
    DeviceFault(8, "power_lost", "终端主电源掉电", "Main power lost"),
    DeviceFault(9, "display_fault", "终端LCD或显示器故障", "LCD or display fault"),
    DeviceFault(10, "tts_fault", "TTS模块故障", "TTS module fault"),
    DeviceFault(11, "camera_fault", "摄像头故障", "Camera fault"),
    DeviceFault(
        12, "ic_card_module_fault", "道路运输证IC卡模块故障", "Road transport IC card module fault"
    ),
    DeviceFault(24, "vss_fault", "车辆VSS故障", "VSS (speed sensor) fault"),
)
"""The alarm word's bits that say a part of the terminal is broken, in bit order. The
bits are the protocol's (busbrain.protocol.jt808 AlarmFlag; a test keeps the two in
step): this pure module does not import the protocol package."""
DEVICE_FAULT_MASK: Final = sum(1 << f.bit for f in DEVICE_FAULTS)
FAULT_BY_CODE: Final = {f.code: f for f in DEVICE_FAULTS}


class Problem(StrEnum):
    """What can be wrong with a bus's equipment (the `problem` filter's values)."""

    SILENT = "silent"  # in service, no report for > SILENT_IN_SERVICE_S (the alarm)
    OFFLINE = "offline"  # in service and its session is closed
    NO_FIX = "no_fix"  # > POOR_SHARE of recent fixes not valid
    LOW_SATELLITES = "low_satellites"  # > POOR_SHARE with < LOW_SATELLITES satellites
    JUMPS = "jumps"  # a jump among the recent fixes
    STUCK = "stuck"  # a stuck fix among the recent fixes
    CLOCK_SKEW = "clock_skew"  # |median skew| > CLOCK_SKEW_LIMIT_S
    COUNTER_SILENT = "counter_silent"  # passenger counter silent in service
    CARD_SILENT = "card_silent"  # card reader stored no tap over an hour of service
    DEVICE_FAULT = "device_fault"  # a device-fault bit set in the latest live fix


_INVALID, _LOW_SAT, _HAS_SAT, _JUMP, _STUCK = 1, 2, 4, 8, 16


@dataclass(slots=True)
class DeviceState:
    """What is known of one terminal (mutable; only `Equipment` changes it)."""

    phone: str
    vehicle_id: str
    first_seen: float
    last_report: float | None = None
    """Latest platform time a position came in (unix s)."""
    session_open: bool | None = None
    session_changed: float | None = None
    offline_reason: str | None = None
    depot: str | None = None
    plate: str | None = None
    prev_t: float | None = None
    """Device time of the previous valid live fix (unix s), with its position."""
    prev_lat: float = 0.0
    prev_lon: float = 0.0
    window: deque[int] = field(default_factory=lambda: deque(maxlen=QUALITY_WINDOW))
    counts: dict[int, int] = field(
        default_factory=lambda: dict.fromkeys((_INVALID, _LOW_SAT, _HAS_SAT, _JUMP, _STUCK), 0)
    )
    satellites: int | None = None
    fixes_total: int = 0
    jumps_total: int = 0
    stuck_total: int = 0
    skews: deque[float] = field(default_factory=lambda: deque(maxlen=SKEW_SAMPLES))
    counter_last: float | None = None
    counts_total: int = 0
    route_id: str | None = None
    trip_id: str | None = None
    in_service_seen: float | None = None
    spans: list[list[float]] = field(default_factory=list)
    """Service time as [start, end] spans (unix s), from the live picture's samples."""
    last_tap: float | None = None
    fault_t: float | None = None
    """Device time of the live fix whose alarm word gave the faults (unix s)."""
    fault_bits: int = 0
    """Its device-fault bits (DEVICE_FAULT_MASK of the alarm word)."""
    fault_since: dict[int, float] = field(default_factory=dict)
    """Platform time each set fault bit was first seen set in its current run, by bit."""

    def note_faults(self, e: VehicleLocation, at: float) -> None:
        """The device faults of a live fix received at `at` (a fix older, by device
        time, than the one the faults came from is out of order and changes nothing)."""
        t = e.ts_utc.timestamp()
        if self.fault_t is not None and t <= self.fault_t:
            return
        self.fault_t = t
        bits = e.alarm_bits & DEVICE_FAULT_MASK
        for f in DEVICE_FAULTS:
            if bits >> f.bit & 1:
                self.fault_since.setdefault(f.bit, at)
            else:
                self.fault_since.pop(f.bit, None)
        self.fault_bits = bits

    def add_flags(self, flags: int) -> None:
        """One live fix into the quality window (the oldest falls out)."""
        if len(self.window) == self.window.maxlen:
            old = self.window[0]
            for bit in self.counts:
                if old & bit:
                    self.counts[bit] -= 1
        self.window.append(flags)
        for bit in self.counts:
            if flags & bit:
                self.counts[bit] += 1


def fix_flags(state: DeviceState, e: VehicleLocation) -> int:
    """The quality flags of a live fix against the terminal's previous valid fix, and
    that fix remembered as the previous one (when valid and later)."""
    valid = bool(e.status_bits & 0b10) and e.extra.get("fix_valid") is not False
    flags = 0 if valid else _INVALID
    sats = e.extra.get("gnss_satellites")
    if isinstance(sats, int) and not isinstance(sats, bool):
        flags |= _HAS_SAT | (_LOW_SAT if sats < LOW_SATELLITES else 0)
        state.satellites = sats
    t = e.ts_utc.timestamp()
    if not valid:
        return flags
    if state.prev_t is not None and t > state.prev_t:
        metres = haversine_m(state.prev_lat, state.prev_lon, e.lat_deg, e.lon_deg)
        if metres >= JUMP_MIN_M and metres / (t - state.prev_t) * 3.6 > JUMP_SPEED_KMH:
            flags |= _JUMP
        same = e.lat_deg == state.prev_lat and e.lon_deg == state.prev_lon
        if same and e.speed_kmh > STUCK_SPEED_KMH:
            flags |= _STUCK
    if state.prev_t is None or t > state.prev_t:
        state.prev_t, state.prev_lat, state.prev_lon = t, e.lat_deg, e.lon_deg
    return flags


def service_day(t: float, tz: dt.tzinfo = CHINA) -> dt.date:
    """The service day of unix time `t` (it changes at 03:00 local time)."""
    return (dt.datetime.fromtimestamp(t, tz) - dt.timedelta(hours=SERVICE_DAY_CHANGE_H)).date()


@dataclass(frozen=True, slots=True)
class TerminalHealth:
    """One terminal as a reader sees it. Ages and the skew in seconds; shares 0-1."""

    phone: str
    vehicle_id: str
    plate: str | None
    depot: str | None
    route_id: str | None
    trip_id: str | None
    in_service: bool
    online: bool
    last_report_unix: float | None
    last_report_age_s: float | None
    fixes: int
    """Live fixes in the quality window."""
    invalid_fix_share: float | None
    low_satellite_share: float | None
    satellites: int | None
    jumps: int
    stuck: int
    clock_skew_s: float | None
    counter_last_unix: float | None
    counter_age_s: float | None
    last_tap_unix: float | None
    unticketed_service_s: float | None
    """Settled service time since the last stored tap (None: taps not checked)."""
    problems: tuple[Problem, ...]
    faults: tuple[str, ...]
    """Codes of the device faults set now (DEVICE_FAULTS order)."""
    faults_since_unix: tuple[float, ...]
    """When each of `faults` began (platform time), in the same order."""


@dataclass(frozen=True, slots=True)
class GroupRate:
    """Online figures of a line or a depot."""

    key: str | None
    in_service: int
    reporting: int
    terminals: int
    online: int
    day_samples: int
    day_reporting: int
    device_faults: int
    """Its buses whose terminal has a device fault now."""

    @property
    def rate(self) -> float | None:
        """In-service buses reporting ÷ in service, now (None: none in service)."""
        return self.reporting / self.in_service if self.in_service else None

    @property
    def day_rate(self) -> float | None:
        """The same over the service day's samples."""
        return self.day_reporting / self.day_samples if self.day_samples else None


@dataclass(frozen=True, slots=True)
class SilentAlarm:
    """A bus in service whose terminal has said nothing for over SILENT_IN_SERVICE_S."""

    phone: str
    vehicle_id: str
    plate: str | None
    depot: str | None
    route_id: str | None
    trip_id: str | None
    since_unix: float | None
    """Its last report (None: never heard by this server)."""
    age_s: float | None


@dataclass(frozen=True, slots=True)
class EquipmentReport:
    """Everything the module shows, as of `now_unix`."""

    now_unix: float
    service_day: dt.date
    terminals: tuple[TerminalHealth, ...]
    lines: tuple[GroupRate, ...]
    depots: tuple[GroupRate, ...]
    totals: GroupRate
    alarms: tuple[SilentAlarm, ...]
    problems: Mapping[Problem, int]
    taps_checked_unix: float | None
    faults: Mapping[str, int]
    """Terminals with each device fault now, by code (every code, DEVICE_FAULTS order)."""


def _share(n: int, of: int) -> float | None:
    return n / of if of else None


def _in(spans: list[list[float]], start: float, end: float) -> float:
    """Seconds of `spans` inside [start, end]."""
    return sum(max(0.0, min(b, end) - max(a, start)) for a, b in spans)


class Equipment:
    """The fleet's equipment state: written by one consumer, read by any thread.

    `observe` takes events, `note_service` the live picture, `note_registry` the depots,
    `note_taps` the stored taps' latest times; `report` answers readers (built at most
    once a second: a thousand terminals take a few milliseconds).
    """

    def __init__(self, tz: dt.tzinfo = CHINA) -> None:
        self.tz = tz
        self._lock = threading.Lock()
        self._states: dict[str, DeviceState] = {}
        self._key_of_phone: dict[str, str] = {}
        self._day: dt.date | None = None
        self._tally: dict[tuple[str, str | None], list[int]] = {}
        self._last_tally: float | None = None
        self._taps_checked: float | None = None
        self._cached: EquipmentReport | None = None

    # --- writers -------------------------------------------------------------------

    def _state(self, phone: str, vehicle: str | None, now: float) -> DeviceState:
        key = vehicle or self._key_of_phone.get(phone) or phone
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = DeviceState(phone, key, now)
        state.phone = phone
        self._key_of_phone[phone] = key
        return state

    def observe(self, event: Event, at: float) -> None:
        """One event; `at` is when the platform got it (unix s, platform clock): for a
        position, its received time. Events of other kinds are ignored."""
        with self._lock:
            self._observe(event, at)

    def observe_many(self, events: Iterable[tuple[Event, float]]) -> int:
        """Events with their arrival times, under one lock; returns how many applied."""
        n = 0
        with self._lock:
            for event, at in events:
                n += self._observe(event, at)
        return n

    def _observe(self, event: Event, at: float) -> bool:
        if isinstance(event, VehicleLocation):
            s = self._state(event.phone, event.vehicle, at)
            s.last_report = at if s.last_report is None else max(s.last_report, at)
            if s.session_open is False and (s.session_changed or 0.0) <= at:
                s.session_open, s.session_changed = True, at
            s.fixes_total += 1
            if event.blind_area:  # catch-up: late by design, and out of the live order
                return True
            flags = fix_flags(s, event)
            s.add_flags(flags)
            s.jumps_total += bool(flags & _JUMP)
            s.stuck_total += bool(flags & _STUCK)
            s.skews.append(at - event.ts_utc.timestamp())
            s.note_faults(event, at)
            return True
        if isinstance(event, PassengerCount):
            s = self._state(event.phone, event.vehicle, at)
            s.counter_last = at if s.counter_last is None else max(s.counter_last, at)
            s.counts_total += 1
            return True
        if isinstance(event, TerminalOnline | TerminalOffline):
            s = self._state(event.phone, event.vehicle, at)
            if s.session_changed is None or at >= s.session_changed:
                s.session_open = isinstance(event, TerminalOnline)
                s.session_changed = at
                s.offline_reason = event.reason if isinstance(event, TerminalOffline) else None
            return True
        return False

    def note_service(
        self, vehicles: Iterable[tuple[str, str | None, str | None]], now: float
    ) -> None:
        """The live picture at `now`: (vehicle_id, route_id, trip_id) of every live bus.
        A bus on a trip is in service; a live bus without one is not; a bus missing from
        the picture keeps what it had (the picture drops long-silent buses)."""
        with self._lock:
            for vid, route_id, trip_id in vehicles:
                s = self._states.get(vid)
                if s is None:
                    s = self._states[vid] = DeviceState(vid, vid, now)
                s.route_id, s.trip_id = route_id, trip_id
                if trip_id is None:
                    continue
                s.in_service_seen = now
                if s.spans and now - s.spans[-1][1] <= SPAN_GAP_S:
                    s.spans[-1][1] = now
                else:
                    s.spans.append([now, now])
                while s.spans and s.spans[0][1] < now - SPANS_KEPT_S:
                    s.spans.pop(0)
            self._sample(now)
            self._cached = None

    def note_registry(self, records: Mapping[str, tuple[str | None, str | None]]) -> None:
        """The registry's depot and plate of each terminal, by phone."""
        with self._lock:
            for s in self._states.values():
                depot, plate = records.get(s.phone, (s.depot, s.plate))
                s.depot, s.plate = depot, plate
            self._cached = None

    def note_taps(self, last_tap: Mapping[str, float], checked: float) -> None:
        """The latest stored tap (unix s) of each vehicle that has one, read at `checked`."""
        with self._lock:
            for s in self._states.values():
                s.last_tap = last_tap.get(s.vehicle_id)
            self._taps_checked = checked
            self._cached = None

    def phones(self) -> set[str]:
        """The phones heard so far (for registry look-ups)."""
        with self._lock:
            return {s.phone for s in self._states.values()}

    # --- rules ---------------------------------------------------------------------

    def _in_service(self, s: DeviceState, now: float) -> bool:
        return (
            s.trip_id is not None
            and s.in_service_seen is not None
            and now - s.in_service_seen <= SILENT_KEEP_S
        )

    def _online(self, s: DeviceState, now: float) -> bool:
        if s.session_open is not None:
            return s.session_open
        return s.last_report is not None and now - s.last_report <= ONLINE_UNKNOWN_WITHIN_S

    @staticmethod
    def _reporting(s: DeviceState, now: float) -> bool:
        return s.last_report is not None and now - s.last_report <= REPORTING_WITHIN_S

    def _sample(self, now: float) -> None:
        """Add a sample of the day's online rate when one is due (lock held)."""
        day = service_day(now, self.tz)
        if day != self._day:
            self._day, self._tally, self._last_tally = day, {}, None
        if self._last_tally is not None and 0.0 <= now - self._last_tally < TALLY_EVERY_S:
            return  # (a clock set back, as a simulator does, samples at once)
        self._last_tally = now
        for s in self._states.values():
            if not self._in_service(s, now):
                continue
            ok = self._reporting(s, now)
            for key in (("line", s.route_id), ("depot", s.depot), ("all", None)):
                got = self._tally.setdefault(key, [0, 0])
                got[0] += 1
                got[1] += ok

    def _health(self, s: DeviceState, now: float) -> TerminalHealth:
        in_service = self._in_service(s, now)
        online = self._online(s, now)
        age = None if s.last_report is None else max(0.0, now - s.last_report)
        n = len(s.window)
        invalid = _share(s.counts[_INVALID], n)
        low = _share(s.counts[_LOW_SAT], s.counts[_HAS_SAT])
        skew = statistics.median(s.skews) if s.skews else None
        counter_age = None if s.counter_last is None else max(0.0, now - s.counter_last)
        unticketed = None
        if self._taps_checked is not None:
            settled = min(now, self._taps_checked) - CARD_LAG_S
            since = s.last_tap if s.last_tap is not None else settled - 24 * 3600.0
            unticketed = _in(s.spans, since, settled)
        problems: list[Problem] = []
        if in_service and (age is None or age > SILENT_IN_SERVICE_S):
            problems.append(Problem.SILENT)
        if in_service and not online:
            problems.append(Problem.OFFLINE)
        if n >= MIN_FIXES and invalid is not None and invalid > POOR_SHARE:
            problems.append(Problem.NO_FIX)
        if s.counts[_HAS_SAT] >= MIN_FIXES and low is not None and low > POOR_SHARE:
            problems.append(Problem.LOW_SATELLITES)
        if s.counts[_JUMP]:
            problems.append(Problem.JUMPS)
        if s.counts[_STUCK]:
            problems.append(Problem.STUCK)
        if skew is not None and abs(skew) > CLOCK_SKEW_LIMIT_S:
            problems.append(Problem.CLOCK_SKEW)
        counter_from = s.counter_last if s.counter_last is not None else s.first_seen
        if in_service and now - counter_from > COUNTER_SILENT_S:
            problems.append(Problem.COUNTER_SILENT)
        if unticketed is not None and unticketed >= CARD_MIN_SERVICE_S:
            problems.append(Problem.CARD_SILENT)
        faults = [f for f in DEVICE_FAULTS if s.fault_bits >> f.bit & 1]
        if faults:
            problems.append(Problem.DEVICE_FAULT)
        return TerminalHealth(
            phone=s.phone,
            vehicle_id=s.vehicle_id,
            plate=s.plate,
            depot=s.depot,
            route_id=s.route_id,
            trip_id=s.trip_id if in_service else None,
            in_service=in_service,
            online=online,
            last_report_unix=s.last_report,
            last_report_age_s=age,
            fixes=n,
            invalid_fix_share=invalid,
            low_satellite_share=low,
            satellites=s.satellites,
            jumps=s.counts[_JUMP],
            stuck=s.counts[_STUCK],
            clock_skew_s=skew,
            counter_last_unix=s.counter_last,
            counter_age_s=counter_age,
            last_tap_unix=s.last_tap,
            unticketed_service_s=unticketed,
            problems=tuple(problems),
            faults=tuple(f.code for f in faults),
            faults_since_unix=tuple(s.fault_since[f.bit] for f in faults),
        )

    def _groups(self, rows: list[TerminalHealth], kind: str, key: str) -> tuple[GroupRate, ...]:
        keys: dict[str | None, list[TerminalHealth]] = {}
        for r in rows:
            k = getattr(r, key)
            if kind == "line" and not r.in_service:
                continue  # a line's buses are those on its trips now
            keys.setdefault(k, []).append(r)
        for (kd, k), _ in self._tally.items():
            if kd == kind:
                keys.setdefault(k, [])
        return tuple(
            self._group(k, keys[k], kind) for k in sorted(keys, key=lambda k: (k is None, k or ""))
        )

    def _group(self, key: str | None, rows: list[TerminalHealth], kind: str) -> GroupRate:
        serving = [r for r in rows if r.in_service]
        samples, reporting = self._tally.get((kind, key), [0, 0])
        return GroupRate(
            key=key,
            in_service=len(serving),
            reporting=sum(
                r.last_report_age_s is not None and r.last_report_age_s <= REPORTING_WITHIN_S
                for r in serving
            ),
            terminals=len(rows),
            online=sum(r.online for r in rows),
            day_samples=samples,
            day_reporting=reporting,
            device_faults=sum(bool(r.faults) for r in rows),
        )

    # --- readers -------------------------------------------------------------------

    def report(self, now: float) -> EquipmentReport:
        """The figures as of `now` (unix s, platform clock); reused within a second."""
        with self._lock:
            cached = self._cached
            if cached is not None and 0.0 <= now - cached.now_unix < 1.0:
                return cached
            rows = [self._health(s, now) for s in self._states.values()]
            rows.sort(key=lambda r: (not r.problems, r.vehicle_id))
            day = service_day(now, self.tz)
            tally = self._tally if day == self._day else {}
            saved, self._tally = self._tally, tally
            try:
                lines = self._groups(rows, "line", "route_id")
                depots = self._groups(rows, "depot", "depot")
                totals = self._group(None, rows, "all")
            finally:
                self._tally = saved
            problems = dict.fromkeys(Problem, 0)
            faults = dict.fromkeys((f.code for f in DEVICE_FAULTS), 0)
            for r in rows:
                for p in r.problems:
                    problems[p] += 1
                for code in r.faults:
                    faults[code] += 1
            alarms = tuple(
                sorted(
                    (
                        SilentAlarm(
                            r.phone,
                            r.vehicle_id,
                            r.plate,
                            r.depot,
                            r.route_id,
                            r.trip_id,
                            r.last_report_unix,
                            r.last_report_age_s,
                        )
                        for r in rows
                        if Problem.SILENT in r.problems
                    ),
                    key=lambda a: -(a.age_s if a.age_s is not None else float("inf")),
                )
            )
            report = EquipmentReport(
                now_unix=now,
                service_day=day,
                terminals=tuple(rows),
                lines=lines,
                depots=depots,
                totals=totals,
                alarms=alarms,
                problems=problems,
                taps_checked_unix=self._taps_checked,
                faults=faults,
            )
            self._cached = report
            return report
