"""GTFS-Realtime feeds built from the live picture: VehiclePositions and TripUpdates.

Pure functions from a `LiveSnapshot` to a `FeedMessage` (GTFS-RT 2.0, FULL_DATASET), so
the HTTP layer only serialises and the building can be tested without a server. Every
time in a feed is whole unix seconds (UTC), truncated from the snapshot's float seconds.

What the live picture knows is not always fit to publish, and a consumer (a journey
planner, a validator) trusts what it gets, so anything that would make the feed wrong is
left out rather than passed on:

- a value outside its protobuf field's range or its format (negative stop_sequence,
  direction_id other than 0/1, a malformed start_date or start_time, NaN) is omitted,
  because setting it would either raise or publish garbage;
- a position at 0°, 0° (what a terminal without a GPS fix reports) or outside the globe
  is omitted; bearings are folded into [0, 360);
- entity timestamps are capped at the header timestamp: the spec wants the header to be
  the newest time in the message, and a fix a fraction of a second "after" the snapshot
  is clock noise;
- predictions that are absurd (arrival <= 0, more than `PAST_SLACK_S` before the
  snapshot, more than `HORIZON_S` after it) are dropped, and so is any update whose
  arrival is not strictly after the previous kept update's times, so that times
  increase along the trip as the spec and validators demand;
- one vehicle id appears once (the newest fix wins), and one trip instance gets one
  TripUpdate (the newest prediction wins): two contradicting answers help nobody.

Dispatchers' trip changes (`TripEdit`, from busbrain.domain.tripchanges via the app's
trip book) are published too: a cancelled trip as a TripUpdate with schedule_relationship
CANCELED (and no bus's predictions for it); a short-turned trip's stops outside its range
as stop_time_updates SKIPPED; an extra trip (加班车, a copy of a scheduled trip at a new
time) as DUPLICATED with trip_properties naming the copy (trip_id, start_date,
start_time), carrying the bus's predictions when a bus runs it, else the copy's
scheduled times. DUPLICATED rather than ADDED: ADDED is deprecated in the current spec
("the behavior was unspecified"; the validator warns, S024), and DUPLICATED is the
value the spec gives for exactly this, a scheduled trip run again at another time.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from google.protobuf.json_format import MessageToDict  # type: ignore[import-untyped]
from google.transit import gtfs_realtime_pb2

from busbrain.domain.live import LiveSnapshot, StopPrediction, StopStatus, VehicleLive

GTFS_RT_VERSION = "2.0"
PAST_SLACK_S = 120.0
"""How far before the snapshot's time a predicted arrival may lie and still be published
(seconds): a bus that is about to be marked as departed is still worth showing."""
HORIZON_S = 6 * 3600.0
"""How far after the snapshot's time a predicted arrival may lie (seconds); beyond it a
prediction is more likely a bug (a wrong service day) than a forecast."""

_UINT32_MAX = 2**32 - 1
_INT32_MAX = 2**31 - 1
_START_TIME = re.compile(r"[0-9]{2}:[0-5][0-9]:[0-5][0-9]")
"""GTFS-RT's start_time is HH:MM:SS; hours may pass 24 for trips after midnight."""
_START_DATE = re.compile(r"[0-9]{8}")
"""GTFS-RT's start_date is YYYYMMDD (and must be a real date)."""

_STOP_SCHEDULED = gtfs_realtime_pb2.TripUpdate.StopTimeUpdate.SCHEDULED
"""Said explicitly although it is the default: validators warn when it is left out."""
_STOP_SKIPPED = gtfs_realtime_pb2.TripUpdate.StopTimeUpdate.SKIPPED
_TRIP = gtfs_realtime_pb2.TripDescriptor


@dataclass(frozen=True, slots=True)
class TripEdit:
    """A dispatcher's change to one of the day's scheduled trips, as the feeds publish it.
    Times are unix seconds."""

    kind: str
    """cancel, short_turn or extra."""
    trip_id: str
    """The scheduled trip (for an extra: the one copied)."""
    route_id: str
    direction_id: int | None
    start_date: str
    """YYYYMMDD, the service day."""
    start_time: str
    """HH:MM:SS, the scheduled trip's start."""
    calls: tuple[tuple[int, str, float], ...] = ()
    """(stop_sequence, stop_id, scheduled arrival) of the scheduled trip."""
    served: tuple[int, int] | None = None
    """short_turn: the stop_sequences still served, both included."""
    new_trip_id: str | None = None
    """extra: the copy's trip id."""
    new_start_time: str | None = None
    """extra: the copy's start, HH:MM:SS."""
    new_calls: tuple[tuple[int, str, float], ...] = ()
    """extra: (stop_sequence, stop_id, scheduled arrival) of the copy."""

    def skipped(self) -> list[tuple[int, str]]:
        """(stop_sequence, stop_id) of the calls a short-turn leaves out."""
        if self.kind != "short_turn" or self.served is None:
            return []
        lo, hi = self.served
        return [(seq, stop) for seq, stop, _ in self.calls if not lo <= seq <= hi]


_STOP_STATUS = {
    StopStatus.INCOMING_AT: gtfs_realtime_pb2.VehiclePosition.INCOMING_AT,
    StopStatus.STOPPED_AT: gtfs_realtime_pb2.VehiclePosition.STOPPED_AT,
    StopStatus.IN_TRANSIT_TO: gtfs_realtime_pb2.VehiclePosition.IN_TRANSIT_TO,
}


def vehicle_positions(
    snapshot: LiveSnapshot, edits: Iterable[TripEdit] = ()
) -> gtfs_realtime_pb2.FeedMessage:
    """One VehiclePosition entity per vehicle (entity id = vehicle id).

    The trip descriptor is there only when the vehicle is matched to a trip; the stop it
    is at or heading to is there when known (its stop_sequence only with a trip, since a
    stop_sequence means nothing without one); occupancy_percentage when the bus's
    passenger counter reports (riders on board as a share of its rated capacity).
    """
    msg = _feed(snapshot.made_at)
    now = msg.header.timestamp
    extras = {e.new_trip_id: e for e in edits if e.kind == "extra" and e.new_trip_id}
    for v in _unique_vehicles(snapshot.vehicles):
        entity: gtfs_realtime_pb2.FeedEntity = msg.entity.add()
        entity.id = v.vehicle_id
        vp = entity.vehicle
        has_trip = v.trip_id not in extras and _fill_trip(vp.trip, v)
        # A bus on an extra trip gets no trip descriptor here: the spec's form (the
        # copy's id, DUPLICATED) is what validators built on the 2015 schema refuse
        # (E003 unknown trip, E047 pairing), and the source trip's id would be a second
        # answer for a trip another bus may run. Its TripUpdate names the bus.
        _fill_vehicle(vp.vehicle, v)
        if _valid_position(v.lat, v.lon):
            vp.position.latitude = v.lat
            vp.position.longitude = v.lon
            if v.bearing is not None and math.isfinite(v.bearing):
                vp.position.bearing = v.bearing % 360.0
            if v.speed_ms is not None and math.isfinite(v.speed_ms) and v.speed_ms >= 0:
                vp.position.speed = v.speed_ms
        has_stop = False
        if v.stop_id:
            vp.stop_id = v.stop_id
            has_stop = True
        if has_trip and v.stop_sequence is not None and _valid_uint32(v.stop_sequence):
            vp.current_stop_sequence = v.stop_sequence
            has_stop = True
        if has_stop:
            vp.current_status = _STOP_STATUS[v.status]
        fix = _unix(v.fix_unix)
        if fix is not None:
            vp.timestamp = min(fix, now)
        if v.occupancy_percent is not None and _valid_uint32(v.occupancy_percent):
            vp.occupancy_percentage = v.occupancy_percent  # of rated capacity, standing incl.
    return msg


def trip_updates(
    snapshot: LiveSnapshot, edits: Iterable[TripEdit] = ()
) -> gtfs_realtime_pb2.FeedMessage:
    """One TripUpdate entity per vehicle on a trip with usable predictions ("tu-" + id).

    Stop time updates come in stop_sequence order, with arrival time (and uncertainty,
    seconds) and a departure time. The departure is the predicted one when it is sane,
    otherwise the arrival time (no dwell predicted): the spec asks an update to carry both
    times wherever the schedule has both, which GTFS schedules almost always do.

    `edits` are the day's trip changes (see the module docstring): a cancelled trip gets
    a CANCELED entity ("cancel-" + trip) instead of any bus's predictions; a short-turned
    trip's left-out stops are SKIPPED (an entity "short-" + trip of SKIPPED updates when
    no bus runs it); an extra trip is DUPLICATED ("extra-" + its id when no bus runs it,
    with the copy's scheduled times still ahead).
    """
    msg = _feed(snapshot.made_at)
    now = msg.header.timestamp
    edits = list(edits)
    cancelled = {e.trip_id: e for e in edits if e.kind == "cancel"}
    short = {e.trip_id: e for e in edits if e.kind == "short_turn"}
    extras = {e.new_trip_id: e for e in edits if e.kind == "extra" and e.new_trip_id}
    chosen: dict[tuple[str, str, str], tuple[VehicleLive, list[_Update]]] = {}
    for v in _unique_vehicles(snapshot.vehicles):
        if not v.trip_id or v.trip_id in cancelled:
            continue
        updates = _usable_predictions(v.predictions, snapshot.made_at)
        if v.trip_id in short:
            lo, hi = short[v.trip_id].served or (0, _UINT32_MAX)
            updates = [u for u in updates if lo <= u.stop_sequence <= hi]
        if not updates and v.trip_id not in short:
            continue
        key = (v.trip_id, v.start_date or "", v.start_time or "")
        held = chosen.get(key)
        if held is None or _newer(v.predicted_at, held[0].predicted_at):
            chosen[key] = (v, updates)
    running = {v.trip_id for v, _ in chosen.values()}
    for v, updates in sorted(chosen.values(), key=lambda item: item[0].vehicle_id):
        entity: gtfs_realtime_pb2.FeedEntity = msg.entity.add()
        entity.id = "tu-" + v.vehicle_id
        tu = entity.trip_update
        _fill_trip(tu.trip, v)
        _fill_vehicle(tu.vehicle, v)
        extra = extras.get(v.trip_id or "")
        if extra is not None:
            _fill_duplicate(tu, extra)
        cut = short.get(v.trip_id or "")
        _fill_updates(tu, updates, [] if cut is None else cut.skipped())
        made = _unix(v.predicted_at)
        if made is not None:
            tu.timestamp = min(made, now)
        if v.delay_s is not None and math.isfinite(v.delay_s):
            delay = round(v.delay_s)
            if abs(delay) <= _INT32_MAX:
                tu.delay = delay
    _add_edits(msg, snapshot.made_at, cancelled, short, extras, running)
    return msg


def _add_edits(
    msg: gtfs_realtime_pb2.FeedMessage,
    made_at: float,
    cancelled: dict[str, TripEdit],
    short: dict[str, TripEdit],
    extras: dict[str, TripEdit],
    running: set[str | None],
) -> None:
    """The entities of trip changes no bus's TripUpdate already carries: trips not over
    yet (last call after `made_at` - PAST_SLACK_S) and starting within HORIZON_S."""

    def current(calls: tuple[tuple[int, str, float], ...]) -> bool:
        return (
            bool(calls)
            and calls[-1][2] >= made_at - PAST_SLACK_S
            and (calls[0][2] <= made_at + HORIZON_S)
        )

    for trip_id in sorted(cancelled):
        e = cancelled[trip_id]
        if not current(e.calls):
            continue
        tu = _edit_entity(msg, "cancel-" + trip_id, e)
        tu.trip.schedule_relationship = _TRIP.CANCELED
    for trip_id in sorted(short):
        e = short[trip_id]
        if trip_id in running or not current(e.calls) or not e.skipped():
            continue
        _fill_updates(_edit_entity(msg, "short-" + trip_id, e), [], e.skipped())
    for new_id in sorted(extras):
        e = extras[new_id]
        if new_id in running or not current(e.new_calls):
            continue
        scheduled = [StopPrediction(stop, seq, at) for seq, stop, at in e.new_calls]
        updates = _usable_predictions(scheduled, made_at)
        if not updates:
            continue
        tu = _edit_entity(msg, "extra-" + new_id, e)
        _fill_duplicate(tu, e)
        _fill_updates(tu, updates, [])


def _edit_entity(
    msg: gtfs_realtime_pb2.FeedMessage, entity_id: str, e: TripEdit
) -> gtfs_realtime_pb2.TripUpdate:
    """A new TripUpdate entity describing `e`'s scheduled trip."""
    entity: gtfs_realtime_pb2.FeedEntity = msg.entity.add()
    entity.id = entity_id
    tu = entity.trip_update
    tu.trip.trip_id = e.trip_id
    tu.trip.route_id = e.route_id
    if e.direction_id in (0, 1):
        tu.trip.direction_id = e.direction_id
    if _valid_date(e.start_date):
        tu.trip.start_date = e.start_date
    if _START_TIME.fullmatch(e.start_time):
        tu.trip.start_time = e.start_time
    tu.trip.schedule_relationship = _TRIP.SCHEDULED
    return tu


def _fill_duplicate(tu: gtfs_realtime_pb2.TripUpdate, e: TripEdit) -> None:
    """Mark `tu` as the extra trip `e`: DUPLICATED of the scheduled trip it copies, its
    own id, date and start in trip_properties (the three the spec requires)."""
    tu.trip.trip_id = e.trip_id
    tu.trip.route_id = e.route_id
    if _START_TIME.fullmatch(e.start_time):
        tu.trip.start_time = e.start_time
    tu.trip.schedule_relationship = _TRIP.DUPLICATED
    tu.trip_properties.trip_id = e.new_trip_id or ""
    tu.trip_properties.start_date = e.start_date
    tu.trip_properties.start_time = e.new_start_time or ""


def _fill_updates(
    tu: gtfs_realtime_pb2.TripUpdate, updates: list[_Update], skipped: list[tuple[int, str]]
) -> None:
    """Predicted stops and SKIPPED ones, merged in stop_sequence order."""
    rows: list[tuple[int, _Update | None, str]] = [(u.stop_sequence, u, u.stop_id) for u in updates]
    rows += [(seq, None, stop) for seq, stop in skipped]
    for seq, u, stop in sorted(rows, key=lambda r: r[0]):
        stu: gtfs_realtime_pb2.TripUpdate.StopTimeUpdate = tu.stop_time_update.add()
        stu.stop_sequence = seq
        if stop:
            stu.stop_id = stop
        if u is None:
            stu.schedule_relationship = _STOP_SKIPPED
            continue
        stu.schedule_relationship = _STOP_SCHEDULED
        stu.arrival.time = u.arrival
        if u.uncertainty is not None:
            stu.arrival.uncertainty = u.uncertainty
        stu.departure.time = u.departure


def feed_as_json(msg: gtfs_realtime_pb2.FeedMessage) -> dict[str, Any]:
    """The feed as the protobuf JSON mapping, with the .proto's field names.

    As that mapping says, 64-bit integers (all the timestamps) come out as strings and
    enums as their names. `entity` is always present, as an empty list when there is none,
    so readers need not special-case a quiet moment.
    """
    out: dict[str, Any] = MessageToDict(msg, preserving_proto_field_name=True)
    out.setdefault("entity", [])
    return out


# ---- building blocks ----


@dataclass(frozen=True, slots=True)
class _Update:
    """One stop time update that passed the checks, times in unix seconds."""

    stop_sequence: int
    stop_id: str
    arrival: int
    departure: int
    uncertainty: int | None
    """About one standard deviation of the arrival's error, seconds."""


def _feed(made_at: float) -> gtfs_realtime_pb2.FeedMessage:
    """An empty FULL_DATASET feed stamped `made_at` (unix seconds)."""
    msg = gtfs_realtime_pb2.FeedMessage()
    msg.header.gtfs_realtime_version = GTFS_RT_VERSION
    msg.header.incrementality = gtfs_realtime_pb2.FeedHeader.FULL_DATASET
    msg.header.timestamp = _unix(made_at) or 0
    return msg


def _unique_vehicles(vehicles: Iterable[VehicleLive]) -> list[VehicleLive]:
    """The vehicles with an id, each id once (the newest fix), in their given order."""
    best: dict[str, VehicleLive] = {}
    for v in vehicles:
        if not v.vehicle_id:
            continue
        held = best.get(v.vehicle_id)
        if held is None or v.fix_unix > held.fix_unix:
            best[v.vehicle_id] = v
    return list(best.values())


def _fill_trip(trip: gtfs_realtime_pb2.TripDescriptor, v: VehicleLive) -> bool:
    """Describe `v`'s trip on `trip`; False (and nothing set) when it has none."""
    if not v.trip_id:
        return False
    trip.trip_id = v.trip_id
    if v.route_id:
        trip.route_id = v.route_id
    if v.direction_id in (0, 1):
        trip.direction_id = v.direction_id
    if v.start_date is not None and _valid_date(v.start_date):
        trip.start_date = v.start_date
    if v.start_time is not None and _START_TIME.fullmatch(v.start_time):
        trip.start_time = v.start_time
    trip.schedule_relationship = gtfs_realtime_pb2.TripDescriptor.SCHEDULED
    return True


def _fill_vehicle(descriptor: gtfs_realtime_pb2.VehicleDescriptor, v: VehicleLive) -> None:
    descriptor.id = v.vehicle_id
    if v.label:
        descriptor.label = v.label


def _usable_predictions(predictions: Iterable[StopPrediction], made_at: float) -> list[_Update]:
    """The predictions fit to publish, in stop_sequence order.

    Kept when the arrival lies in [made_at - PAST_SLACK_S, made_at + HORIZON_S] and is
    strictly after the previous kept update's departure (times must increase from stop
    to stop: validators flag equal times too). Of several predictions for one stop_sequence
    only the first given is considered.
    """
    earliest = made_at - PAST_SLACK_S
    latest = made_at + HORIZON_S
    kept: list[_Update] = []
    previous_sequence: int | None = None
    for p in sorted(predictions, key=lambda p: p.stop_sequence):
        if p.stop_sequence == previous_sequence or not _valid_uint32(p.stop_sequence):
            continue  # a second answer for one stop contradicts the first: only that counts
        previous_sequence = p.stop_sequence
        arrival = _unix(p.arrival_unix)
        if arrival is None or not earliest <= p.arrival_unix <= latest:
            continue
        if kept and arrival <= kept[-1].departure:
            continue
        departure = _unix(p.departure_unix)
        if departure is None or departure < arrival or departure > latest:
            departure = arrival
        uncertainty = p.uncertainty_s
        if uncertainty is not None and not 0 <= uncertainty <= _INT32_MAX:
            uncertainty = None
        kept.append(_Update(p.stop_sequence, p.stop_id, arrival, departure, uncertainty))
    return kept


def _unix(t: float | None) -> int | None:
    """`t` as whole unix seconds, or None when missing, not finite or not positive."""
    if t is None or not math.isfinite(t) or t <= 0:
        return None
    return int(t)


def _newer(a: float | None, b: float | None) -> bool:
    """Is prediction time `a` newer than `b` (a missing time is the oldest)?"""
    if a is None or not math.isfinite(a):
        return False
    return b is None or not math.isfinite(b) or a > b


def _valid_uint32(n: int) -> bool:
    return 0 <= n <= _UINT32_MAX


def _valid_position(lat: float, lon: float) -> bool:
    """A real fix: finite, on the globe, and not the 0°, 0° of a terminal without GPS."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return False
    if lat == 0.0 and lon == 0.0:
        return False
    return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0


def _valid_date(yyyymmdd: str) -> bool:
    if not _START_DATE.fullmatch(yyyymmdd):
        return False
    try:
        dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return False
    return True
