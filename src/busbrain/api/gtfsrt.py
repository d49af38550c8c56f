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

_STOP_STATUS = {
    StopStatus.INCOMING_AT: gtfs_realtime_pb2.VehiclePosition.INCOMING_AT,
    StopStatus.STOPPED_AT: gtfs_realtime_pb2.VehiclePosition.STOPPED_AT,
    StopStatus.IN_TRANSIT_TO: gtfs_realtime_pb2.VehiclePosition.IN_TRANSIT_TO,
}


def vehicle_positions(snapshot: LiveSnapshot) -> gtfs_realtime_pb2.FeedMessage:
    """One VehiclePosition entity per vehicle (entity id = vehicle id).

    The trip descriptor is there only when the vehicle is matched to a trip; the stop it
    is at or heading to is there when known (its stop_sequence only with a trip, since a
    stop_sequence means nothing without one); occupancy_percentage when the bus's
    passenger counter reports (riders on board as a share of its rated capacity).
    """
    msg = _feed(snapshot.made_at)
    now = msg.header.timestamp
    for v in _unique_vehicles(snapshot.vehicles):
        entity: gtfs_realtime_pb2.FeedEntity = msg.entity.add()
        entity.id = v.vehicle_id
        vp = entity.vehicle
        has_trip = _fill_trip(vp.trip, v)
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


def trip_updates(snapshot: LiveSnapshot) -> gtfs_realtime_pb2.FeedMessage:
    """One TripUpdate entity per vehicle on a trip with usable predictions ("tu-" + id).

    Stop time updates come in stop_sequence order, with arrival time (and uncertainty,
    seconds) and a departure time. The departure is the predicted one when it is sane,
    otherwise the arrival time (no dwell predicted): the spec asks an update to carry both
    times wherever the schedule has both, which GTFS schedules almost always do.
    """
    msg = _feed(snapshot.made_at)
    now = msg.header.timestamp
    chosen: dict[tuple[str, str, str], tuple[VehicleLive, list[_Update]]] = {}
    for v in _unique_vehicles(snapshot.vehicles):
        if not v.trip_id:
            continue
        updates = _usable_predictions(v.predictions, snapshot.made_at)
        if not updates:
            continue
        key = (v.trip_id, v.start_date or "", v.start_time or "")
        held = chosen.get(key)
        if held is None or _newer(v.predicted_at, held[0].predicted_at):
            chosen[key] = (v, updates)
    for v, updates in sorted(chosen.values(), key=lambda item: item[0].vehicle_id):
        entity: gtfs_realtime_pb2.FeedEntity = msg.entity.add()
        entity.id = "tu-" + v.vehicle_id
        tu = entity.trip_update
        _fill_trip(tu.trip, v)
        _fill_vehicle(tu.vehicle, v)
        for u in updates:
            stu: gtfs_realtime_pb2.TripUpdate.StopTimeUpdate = tu.stop_time_update.add()
            stu.stop_sequence = u.stop_sequence
            stu.schedule_relationship = _STOP_SCHEDULED
            if u.stop_id:
                stu.stop_id = u.stop_id
            stu.arrival.time = u.arrival
            if u.uncertainty is not None:
                stu.arrival.uncertainty = u.uncertainty
            stu.departure.time = u.departure
        made = _unix(v.predicted_at)
        if made is not None:
            tu.timestamp = min(made, now)
        if v.delay_s is not None and math.isfinite(v.delay_s):
            delay = round(v.delay_s)
            if abs(delay) <= _INT32_MAX:
                tu.delay = delay
    return msg


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
