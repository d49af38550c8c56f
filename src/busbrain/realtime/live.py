"""The single writer of live state: fixes in, stop events and snapshots out.

`LiveProcessor` owns every vehicle's quality state, track and latest predictions. It is
fed fixes one by one (from the bus, or a replay) with the clock passed in, and answers
with the events to publish (stop visits, headway status, off-route, stale) and, on
request, an immutable `LiveSnapshot` for readers; the passenger counters' riders per stop
visit wait for `take_loads` (the history writes them). One processor serves one service day
at a time and moves to the next day's network when fixes of the next day come.
Times: unix seconds (UTC) at this boundary, seconds after the service day's start inside.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zlib
import zoneinfo
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import msgspec

from busbrain.domain.daynet import DayTrip
from busbrain.domain.events import (
    Event,
    HeadwayState,
    HeadwayStatus,
    StopVisited,
    VehicleOffRoute,
    VehicleStale,
)
from busbrain.domain.gtfstime import format_time_s
from busbrain.domain.live import LiveSnapshot, StopPrediction, StopStatus, VehicleLive
from busbrain.domain.tripchanges import ChangeKind, TripChange
from busbrain.realtime.fixes import Fix
from busbrain.realtime.intake import SKEW_MIN_S, admit
from busbrain.realtime.learnt import Learnt
from busbrain.realtime.predict import LAYOVER_MIN_S, Prediction, PredictionRow, SegmentPredictor
from busbrain.realtime.quality import QualityCounters, QualityState
from busbrain.realtime.rtnet import RtNetwork
from busbrain.realtime.stopevents import ZONE_M
from busbrain.realtime.tracker import Context, StopEvent, Track, release, served_calls, step

SERVICE_DAY_CHANGE_H = 3
"""Local hour at which a new service day's network takes over (trips past midnight
belong to the day before)."""
STALE_S = 180.0
"""A bus on a trip silent this long is stale."""
GONE_S = 900.0
"""A bus silent this long leaves the snapshot."""
BUNCHED, GAPPED = 0.75, 1.25
"""Headway status thresholds: share of the scheduled headway (Swiftly's defaults)."""
DEFAULT_CAPACITY = 80
"""Rated riders (seated and standing) of a vehicle whose capacity is not given: a 10-12 m
Chinese city bus is rated about 70-90 (额定载客量)."""
COUNT_STALE_S = 1800.0
"""A bus whose passenger counter has said nothing this long shows no crowding: the
count may have drifted, and no figure is better than a wrong one."""
DOOR_MATCH_S = 20.0
"""A door opening (the passenger counter's 0x1005 interval) within this many seconds of a
stop passage proves the bus stopped there: with reports every 10 s a short dwell often
falls between two fixes, and the track alone would call the stop passed (越站)."""
DOORS_KEPT = 8
"""Recent door openings and passages kept per vehicle to match one against the other."""
OPENINGS_PENDING_S = 3600.0
"""A door opening matched to no stop visit yet waits at most this long (seconds of the
bus's own reports) for one: a bus laying over at the terminal boards its next trip's
riders long before the tracker sees it start that trip."""
OPENINGS_KEPT = 32
"""Door openings waiting for a stop visit, per vehicle (the oldest go first)."""
LOADS_KEPT = 20_000
"""Stop loads waiting for `take_loads`; beyond this the oldest are lost (counted), so a
processor nobody drains (no history) does not grow."""
SNAPSHOT_REBUILD_S = 15.0
"""A vehicle unchanged since the last snapshot is shown as it was, rebuilt at least this
often (seconds) so that predictions falling into the past drop out; each vehicle at its
own phase, so no second rebuilds the whole fleet. Rebuilding ~650 buses every second cost
25-40 ms of the serving process's time in one burst: the riders' latency tail."""
PREDICTION_METHOD = "kalman"
MAX_AHEAD_S = 3 * 3600.0


def _utc(t: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(t, dt.UTC)


@dataclass(frozen=True, slots=True)
class StopLoad:
    """The passenger counter at one stop visit of a trip: the riders of the door openings
    matched to it (summed: doors may open twice), and `onboard_after`, the running count
    of riders on board after the visit's last opening (0 at the trip's last stop, where
    the bus is emptied). People; `capacity` is the bus's rated riders (额定载客量). A
    later opening at the same visit gives a new `StopLoad` with the same key."""

    service_date: dt.date
    vehicle_id: str
    trip_id: str
    stop_id: str
    stop_sequence: int
    boarded: int
    alighted: int
    onboard_after: int
    capacity: int


@dataclass(frozen=True, slots=True)
class _Opening:
    """A door opening not yet matched to a stop visit: unix seconds on the platform's
    clock, the riders counted, and the running count right after it."""

    opened: float
    closed: float
    boarded: int
    alighted: int
    onboard_after: int


@dataclass(frozen=True, slots=True)
class _Visit:
    """A stop event the track gave: trip index, call index k, unix arrival and departure."""

    trip: int
    k: int
    arrival: float
    departure: float


@dataclass(slots=True)
class _Vehicle:
    vehicle_id: str
    phone: str
    track: Track
    quality: QualityState | None = None
    fix: Fix | None = None
    t: float = 0.0
    """Corrected time of the last fix, unix seconds."""
    predictions: list[Prediction] = field(default_factory=list)
    predicted_at: float | None = None
    stale_sent: bool = False
    off_route_sent: bool = False
    on_board: int | None = None
    """Riders on board by the passenger counter (None until it first reports)."""
    counted_at: float = 0.0
    """Unix time of the counter's last report."""
    doors: list[tuple[float, float]] = field(default_factory=list)
    """Recent door openings (open, close), unix seconds on the platform's clock."""
    passed: list[StopVisited] = field(default_factory=list)
    """Recent stops the track says were passed without stopping (the events sent)."""
    openings: list[_Opening] = field(default_factory=list)
    """Door openings waiting for the stop visit they belong to."""
    visits: list[_Visit] = field(default_factory=list)
    """Recent stop events (stopped or passed), in the order the track gave them."""
    loads: dict[tuple[int, int], tuple[float, StopLoad]] = field(default_factory=dict)
    """(trip, k) -> (close of its latest opening, its load): recent visits with counts."""
    version: int = 0
    """Bumped whenever what readers see of this vehicle may have changed (a fix, a count,
    a new day): the snapshot rebuilds its `VehicleLive` only then (see `snapshot`)."""
    shown: tuple[tuple[object, ...], VehicleLive] | None = None
    """The last `VehicleLive` built, with the key it was built for."""
    holds_over: set[TripChange] = field(default_factory=set)
    """Holds (滞站) this bus has already served: it left the hold stop after it was
    given, so the hold no longer shapes its predictions."""


@dataclass(frozen=True, slots=True)
class _Hold:
    """A hold (滞站) that shapes a bus's predictions: on trip `trip` the bus leaves call
    `k` no earlier than `until` (seconds after the service day's start)."""

    change: TripChange
    trip: int
    k: int
    until: float


def extra_block(new_trip_id: str) -> str:
    """The block (路牌) of its own an extra trip run by a named bus is in, so that the
    bus is planned on it (`LiveProcessor.planned_block`)."""
    return f"extra:{new_trip_id}"


def _extra_trips(base: RtNetwork, changes: Sequence[TripChange]) -> tuple[DayTrip, ...]:
    """The extra trips among `changes` as trips of `base`'s day: each a copy of its
    source trip (a timetable trip of `base`) with every arrival and departure shifted by
    the same seconds so that it leaves its first stop at `start_time_s`; same pattern,
    route and direction, the change's `new_trip_id`, and no block unless the change
    names a bus (`extra_block`). Changes whose source is unknown, or whose id is taken,
    are left out."""
    out: list[DayTrip] = []
    seen: set[str] = set()
    for c in changes:
        if c.kind is not ChangeKind.EXTRA or not c.new_trip_id or c.start_time_s is None:
            continue
        source = base.trip_index.get(c.trip_id or "")
        if source is None or c.new_trip_id in base.trip_index or c.new_trip_id in seen:
            continue
        seen.add(c.new_trip_id)
        trip = base.net.trips[source]
        shift = c.start_time_s - int(trip.departure_s[0])
        out.append(
            dataclasses.replace(
                trip,
                trip_id=c.new_trip_id,
                block_id=extra_block(c.new_trip_id) if c.vehicle_id else None,
                arrival_s=trip.arrival_s + shift,
                departure_s=trip.departure_s + shift,
            )
        )
    return tuple(out)


def _extra_key(t: DayTrip) -> tuple[object, ...]:
    """What tells an extra trip apart from another (its times are its start's shift)."""
    return (t.trip_id, t.pattern, t.block_id, int(t.departure_s[0]))


def service_date_of(t: float, tz: dt.tzinfo) -> dt.date:
    """The service day a fix at unix time `t` belongs to."""
    local = dt.datetime.fromtimestamp(t, tz) - dt.timedelta(hours=SERVICE_DAY_CHANGE_H)
    return local.date()


class LiveProcessor:
    def __init__(
        self,
        day_network: Callable[[dt.date], RtNetwork | None],
        tz: zoneinfo.ZoneInfo,
        *,
        labels: dict[str, str] | None = None,
        planned_block: dict[str, str] | None = None,
        capacity: dict[str, int] | None = None,
        learnt: Callable[[dt.date], Learnt | None] | None = None,
    ) -> None:
        self._day_network = day_network
        self._learnt = learnt
        """What past days teach the predictor, asked once as each service day begins."""
        self.tz = tz
        self.labels = labels or {}
        self.capacity = capacity or {}
        """vehicle -> rated riders; others have DEFAULT_CAPACITY."""
        self._plan = dict(planned_block or {})
        """vehicle -> block from the dispatch plan (`plan`), before any swap."""
        self.planned_block = dict(self._plan)
        """vehicle -> block (路牌) from the day's dispatch plan, when known, with the
        dispatchers' swaps (换车) applied."""
        self.changes: dict[dt.date, tuple[TripChange, ...]] = {}
        """Service day -> its active trip changes (调度指挥), from `apply_changes`."""
        self._holds: dict[str, TripChange] = {}
        """vehicle -> its hold (滞站) today, among the day's active changes."""
        self.day: dt.date | None = None
        self._base: RtNetwork | None = None
        """The day's network as the timetable gives it (`day_network`)."""
        self._extras: tuple[tuple[object, ...], ...] = ()
        """What the extra trips appended to `_base` in `rt` are (`_extra_key`)."""
        self.rt: RtNetwork | None = None
        """The day's network the buses are matched on: `_base` and the day's extra trips
        (加班车) appended after its trips."""
        self.ctx: Context | None = None
        self.predictor: SegmentPredictor | None = None
        self.vehicles: dict[str, _Vehicle] = {}
        self.quality = QualityCounters()
        self._last_at: dict[tuple[int, int], tuple[float, str, int]] = {}
        """(pattern, call) -> (arrival unix, vehicle, trip) of the last bus there."""
        self.fixes = 0
        self._loads: deque[StopLoad] = deque()
        """Stop loads made and not yet taken (`take_loads`)."""
        self.openings_unmatched = 0
        """Door openings whose riders went to no stop visit (they still count on board)."""
        self.loads_lost = 0
        """Stop loads dropped because nobody took them (`LOADS_KEPT`)."""

    def _ensure_day(self, t: float) -> bool:
        day = service_date_of(t, self.tz)
        if day == self.day:
            return self.rt is not None
        if self.day is not None and day < self.day:
            return self.rt is not None  # a late fix of yesterday: keep today's network
        self.day = day
        self._base = self.rt = self._day_network(day)
        self._extras = ()
        self.ctx = (
            Context(self.rt, planned_block=self.planned_block) if self.rt is not None else None
        )
        self.predictor = None
        if self.rt is not None:
            learnt = None if self._learnt is None else self._learnt(day)
            self.predictor = SegmentPredictor(
                self.rt, (PREDICTION_METHOD,), through_block=True, learnt=learnt
            )
        for v in self.vehicles.values():
            v.track = Track(v.vehicle_id)
            v.predictions = []
            v.visits, v.loads = [], {}  # trip indices of the old day's network
            v.holds_over = set()  # the old day's holds
            v.version += 1
        self._last_at.clear()
        self._apply_changes()  # the day's extra trips join the network here
        return self.rt is not None

    def plan(self, planned_block: dict[str, str]) -> None:
        """Take the day's dispatch plan (vehicle -> block)."""
        self._plan.update(planned_block)
        self._apply_changes()

    def apply_changes(self, day: dt.date, changes: Sequence[TripChange]) -> None:
        """Take service day `day`'s active trip changes (all of them: a revoked change
        is simply absent). Today's apply at once, another day's when that day comes.

        - cancel: no bus is assigned to the trip, and a bus on it is released (it is
          matched again by movement; a terminal naming the trip is not believed);
        - swap: the new bus is planned on the block (路牌) and the old one no longer is,
          so the new bus takes the block's trips from its next fixes;
        - short-turn: the trip serves its range only (`Context.served`): its bus starts
          it at the first stop served and ends it at the last (the block's next trip
          follows), and it is predicted at the stops served only;
        - hold: the held bus's predicted departure from the hold stop is no earlier
          than the hold's end, and its later stops shift with it (`_hold_of`), until
          the bus leaves that stop or the time passes;
        - extra: the day's network gets the extra trip (a copy of its source trip
          shifted to the new start, appended after the scheduled trips, see
          `_extend`); a bus the change names is planned on it (a block of its own),
          any other bus may be matched to it by movement like to a scheduled trip.
          A revoked extra trip leaves the network and a bus on it is released.
        """
        self.changes = {d: c for d, c in self.changes.items() if abs((d - day).days) <= 1}
        self.changes[day] = tuple(changes)
        self._apply_changes()

    def _apply_changes(self) -> None:
        changes = self.changes.get(self.day, ()) if self.day is not None else ()
        plan = dict(self._plan)
        for c in changes:
            if c.kind is ChangeKind.SWAP and c.block_id and c.vehicle_id and c.to_vehicle_id:
                plan.pop(c.vehicle_id, None)
                plan[c.to_vehicle_id] = c.block_id
            elif c.kind is ChangeKind.EXTRA and c.vehicle_id and c.new_trip_id:
                plan[c.vehicle_id] = extra_block(c.new_trip_id)
        self.planned_block.clear()
        self.planned_block.update(plan)
        self._extend(changes)
        ctx, rt = self.ctx, self.rt
        if ctx is None or rt is None:
            return
        ctx.planned_block.clear()
        ctx.planned_block.update(plan)
        ctx.cancelled = {
            rt.trip_index[c.trip_id]
            for c in changes
            if c.kind is ChangeKind.CANCEL and c.trip_id in rt.trip_index
        }
        served = _short_turns(rt, changes)
        holds = {c.vehicle_id: c for c in changes if c.kind is ChangeKind.HOLD and c.vehicle_id}
        shaped = served != ctx.served or holds != self._holds
        ctx.served, self._holds = served, holds
        predictor = self.predictor if shaped else None
        for v in self.vehicles.values():
            if v.track.trip >= 0 and v.track.trip in ctx.cancelled:
                release(v.track, ctx)
                v.predictions = []
                v.version += 1
            elif v.track.trip >= 0 and v.predicted_at is not None and predictor is not None:
                # short-turns or holds changed: the predictions are made again under them
                made = predictor.predict(v.track, v.predicted_at - rt.day_start_unix)
                v.predictions = self._constrain(v, made, rt, ctx)
                v.version += 1

    def _extend(self, changes: Sequence[TripChange]) -> None:
        """Match buses on the day's network with `changes`' extra trips appended (when
        they differ from those it has): trips still there keep their tracks, stop
        visits, loads and predictions under their new indices (the timetable's trips
        keep theirs: the extra trips come after them), a bus on a trip gone (revoked)
        is released and matched again from its next fixes, and the predictor keeps what
        it has learnt."""
        base, old, ctx, predictor = self._base, self.rt, self.ctx, self.predictor
        if base is None or old is None or ctx is None or predictor is None:
            return
        extras = _extra_trips(base, changes)
        key = tuple(_extra_key(t) for t in extras)
        if key == self._extras:
            return
        rt = base.with_trips(extras) if extras else base
        moved: dict[int, int | None] = {
            i: rt.trip_index.get(t.trip_id) for i, t in enumerate(old.net.trips)
        }
        for v in self.vehicles.values():
            if v.track.trip >= 0 and moved.get(v.track.trip) is None:
                release(v.track, ctx)
                v.predictions = []
                v.version += 1
        self._extras, self.rt = key, rt
        ctx.rt = rt
        ctx.taken = {n: vid for i, vid in ctx.taken.items() if (n := moved.get(i)) is not None}
        predictor.use_network(rt, moved.get)
        self._last_at = {
            at: (a[0], a[1], n)
            for at, a in self._last_at.items()
            if (n := moved.get(a[2])) is not None
        }
        for v in self.vehicles.values():
            if v.track.trip >= 0:
                trip = moved.get(v.track.trip)
                assert trip is not None  # a track on a trip gone was released above
                v.track.trip = trip
            v.predictions = [
                p if n == p.trip else dataclasses.replace(p, trip=n)
                for p in v.predictions
                if (n := moved.get(p.trip)) is not None
            ]
            v.visits = [
                x if n == x.trip else dataclasses.replace(x, trip=n)
                for x in v.visits
                if (n := moved.get(x.trip)) is not None
            ]
            v.loads = {
                (n, k): load for (i, k), load in v.loads.items() if (n := moved.get(i)) is not None
            }
            v.version += 1

    def _hold_of(self, v: _Vehicle, rt: RtNetwork, ctx: Context) -> _Hold | None:
        """The hold (滞站) that shapes `v`'s predictions now, if any: the bus's hold
        stop is ahead on its current trip (within the stops it serves), the bus has not
        left it since the hold was given, and the hold's end is after the bus's last
        fix."""
        c = self._holds.get(v.vehicle_id)
        if c is None or c in v.holds_over or c.until_utc is None or v.track.trip < 0:
            return None
        until = c.until_utc.timestamp() - rt.day_start_unix
        if until <= v.t - rt.day_start_unix:
            return None  # the time has passed
        first, last = served_calls(ctx, v.track.trip)
        for k in range(max(v.track.next_k, first), last + 1):
            if _stop_of(rt, v.track.trip, k) == c.stop_id:
                return _Hold(c, v.track.trip, k, until)
        return None

    def _constrain(
        self, v: _Vehicle, made: list[Prediction], rt: RtNetwork, ctx: Context
    ) -> list[Prediction]:
        """The predictor's `made` predictions with the dispatchers' changes applied
        after it (the predictor knows only the bus's movement): each trip's calls
        outside its short-turn range dropped (区间车), and on the held bus's trip the
        calls after the hold stop shifted so that the bus leaves it no earlier than the
        hold's end (滞站; the arrival there stands, the departure is `_live`'s), and the
        block's next trip after it as much later as the longer trip leaves it less
        layover (the predictor's rule: at least `LAYOVER_MIN_S`, never before its time)."""
        hold = self._hold_of(v, rt, ctx)
        ends: dict[str, tuple[float, float]] = {}
        """Per method: when the held trip was predicted to end, and how much later it does."""
        after = None if hold is None else rt.next_in_block.get(hold.trip)
        out: list[Prediction] = []
        for p in made:
            whole = p  # before a short-turn cuts it: where the held trip would end
            first, last = served_calls(ctx, p.trip)
            lo, hi = max(first - p.k0, 0), max(last + 1 - p.k0, 0)
            if hi <= lo:
                continue
            if lo > 0 or hi < len(p.times):
                p = dataclasses.replace(p, k0=p.k0 + lo, times=p.times[lo:hi])
            if hold is not None and hold.trip == p.trip:
                i = hold.k - p.k0  # -1: the hold stop is the trip's first, not predicted
                at = float(p.times[i]) if i >= 0 else p.made_at
                shift = max(hold.until - at, 0.0)
                end = float(whole.times[-1]) if len(whole.times) else whole.made_at
                ends_late = hold.k < whole.k0 + len(whole.times) - 1
                ends[p.method] = (end, shift if ends_late else 0.0)
                if shift > 0 and i + 1 < len(p.times):
                    times = p.times.copy()
                    times[i + 1 :] += shift
                    p = dataclasses.replace(p, times=times)
            elif p.trip == after and p.method in ends and p.method != "schedule":
                was, shift = ends[p.method]
                dep0 = float(rt.net.trips[p.trip].departure_s[0])
                delta = max(was + shift + LAYOVER_MIN_S, dep0) - max(was + LAYOVER_MIN_S, dep0)
                if delta > 0:
                    p = dataclasses.replace(p, times=p.times + delta)
            out.append(p)
        return out

    def _vehicle(self, vehicle_id: str, phone: str | None) -> _Vehicle:
        v = self.vehicles.get(vehicle_id)
        if v is None:
            v = self.vehicles[vehicle_id] = _Vehicle(
                vehicle_id, phone or vehicle_id, Track(vehicle_id)
            )
        return v

    def count(
        self,
        vehicle_id: str,
        boarded: int,
        alighted: int,
        t: float,
        phone: str | None = None,
        *,
        opened: float | None = None,
    ) -> list[Event]:
        """Take a passenger counter's totals for one door opening from `opened` to `t`
        (unix seconds, the terminal's clock) and return the stop events it refines.

        The on-board count is a running sum, floored at zero (a counter misses riders
        both ways) and emptied when the bus reaches the last stop of its trip (终点站清客),
        so a day's counting errors do not pile up from trip to trip. The opening itself is
        evidence that the bus stood at a stop: a stop the track had called passed near
        that time is sent again as stopped, with the doors' times.

        The riders are also attributed to the stop visit the opening belongs to (see
        `_attribute`), and the visit's `StopLoad` waits for `take_loads`."""
        v = self._vehicle(vehicle_id, phone)
        v.on_board = max((v.on_board or 0) + boarded - alighted, 0)
        skew = v.quality.skew_s if v.quality is not None else None
        shift = skew if skew is not None and abs(skew) >= SKEW_MIN_S else 0.0
        v.counted_at = max(v.counted_at, t + shift)
        v.version += 1
        door = (min(opened if opened is not None else t, t) + shift, t + shift)
        v.openings.append(_Opening(door[0], door[1], boarded, alighted, v.on_board))
        self._attribute(v)
        if opened is None:
            return []
        v.doors = [*v.doors[-(DOORS_KEPT - 1) :], door]
        for i, sent in enumerate(v.passed):
            u = sent.ts_utc.timestamp()
            if door[0] - DOOR_MATCH_S <= u <= door[1] + DOOR_MATCH_S:
                del v.passed[i]
                return [
                    msgspec.structs.replace(
                        sent,
                        ts_utc=_utc(min(u, door[0])),
                        departure_utc=_utc(max(u, door[1])),
                        stopped=True,
                    )
                ]
        return []

    def take_loads(self) -> list[StopLoad]:
        """The stop loads made since the last call (for the history), oldest first."""
        out = list(self._loads)
        self._loads.clear()
        return out

    def _visit_of(self, v: _Vehicle, o: _Opening) -> _Visit | None:
        """The stop visit door opening `o` belongs to, if the track has given it yet.

        - the visit whose time at the stop overlaps the opening most, or is nearest to it,
          within DOOR_MATCH_S (stops may be a few seconds' drive apart);
        - else the first stop of a trip, when the doors opened after the visit before it
          (the last stop of the previous trip, if seen) and closed before the bus left the
          first stop: riders boarding while the bus lays over at the terminal, before the
          tracker has started the trip or where it places the stop apart from the doors.
        """
        best: _Visit | None = None
        best_overlap = -DOOR_MATCH_S
        for visit in v.visits:
            overlap = min(visit.departure, o.closed) - max(visit.arrival, o.opened)
            if overlap >= best_overlap:
                best, best_overlap = visit, overlap
        if best is not None:
            return best
        before = -float("inf")
        for visit in v.visits:
            if visit.k == 0 and before <= o.closed <= visit.departure + DOOR_MATCH_S:
                return visit
            before = visit.departure
        return None

    def _attribute(self, v: _Vehicle) -> None:
        """Put the vehicle's waiting door openings on their stop visits (`_visit_of`).

        An opening that can no longer match is dropped, its riders attributed to no stop
        (`openings_unmatched`; they still count on board): when a later stop visit has
        been seen (visits come in the order driven), when it has waited
        OPENINGS_PENDING_S, or when OPENINGS_KEPT newer ones wait."""
        rt, day = self.rt, self.day
        waiting: list[_Opening] = []
        for o in v.openings:
            visit = None if rt is None or day is None else self._visit_of(v, o)
            if visit is not None:
                assert rt is not None and day is not None
                self._load(v, o, visit, rt, day)
            elif (
                any(x.arrival - DOOR_MATCH_S > o.closed for x in v.visits)
                or v.t - o.closed > OPENINGS_PENDING_S
            ):
                self.openings_unmatched += 1
            else:
                waiting.append(o)
        if len(waiting) > OPENINGS_KEPT:
            self.openings_unmatched += len(waiting) - OPENINGS_KEPT
            waiting = waiting[-OPENINGS_KEPT:]
        v.openings = waiting

    def _load(self, v: _Vehicle, o: _Opening, visit: _Visit, rt: RtNetwork, day: dt.date) -> None:
        """Add opening `o`'s riders to `visit`'s load and hand the load out."""
        net = rt.net
        trip = net.trips[visit.trip]
        key = (visit.trip, visit.k)
        had = v.loads.get(key)
        latest = had is None or o.closed >= had[0]
        last_stop = visit.k == (
            len(trip.arrival_s) - 1 if self.ctx is None else served_calls(self.ctx, visit.trip)[1]
        )  # a short-turned trip is emptied at its last stop served
        load = StopLoad(
            day,
            v.vehicle_id,
            trip.trip_id,
            net.stop_ids[int(net.patterns[trip.pattern].stops[visit.k])],
            trip.stop_sequences[visit.k],
            o.boarded + (had[1].boarded if had else 0),
            o.alighted + (had[1].alighted if had else 0),
            0 if last_stop else o.onboard_after if had is None or latest else had[1].onboard_after,
            self.capacity.get(v.vehicle_id, DEFAULT_CAPACITY),
        )
        v.loads[key] = (max(o.closed, had[0]) if had else o.closed, load)
        if len(v.loads) > DOORS_KEPT:
            del v.loads[next(iter(v.loads))]
        if len(self._loads) >= LOADS_KEPT:
            self._loads.popleft()
            self.loads_lost += 1
        self._loads.append(load)

    def _door_at(self, v: _Vehicle, passage: float) -> tuple[float, float] | None:
        """A recent door opening that shows the bus stood where it passed at `passage`."""
        for door in reversed(v.doors):
            if door[0] - DOOR_MATCH_S <= passage <= door[1] + DOOR_MATCH_S:
                return door
        return None

    def _occupancy(self, v: _Vehicle, now: float) -> int | None:
        if v.on_board is None or now - v.counted_at > COUNT_STALE_S:
            return None
        return round(100 * v.on_board / self.capacity.get(v.vehicle_id, DEFAULT_CAPACITY))

    def process(self, fix: Fix, now: float, phone: str | None = None) -> list[Event]:
        """Take one fix (received at unix time `now`) and return the events it caused."""
        self.fixes += 1
        v = self._vehicle(fix.vehicle_id, phone)
        v.version += 1  # the quality state moves even for a fix it refuses
        v.quality, t = admit(v.quality, fix, now, self.quality)
        if t is None:
            return []
        if t < v.t:
            return []  # kept by the rules as late, but the track has moved on
        v.fix, v.t, v.stale_sent = fix, t, False
        if not self._ensure_day(t):
            return []
        rt, ctx, predictor = self.rt, self.ctx, self.predictor
        assert rt is not None and ctx is not None and predictor is not None
        x, y = rt.net.frame.to_xy_point(fix.lat, fix.lon)
        hint = rt.trip_index.get(fix.trip_id) if fix.trip_id else None
        s = t - rt.day_start_unix
        before = v.track.trip
        res = step(v.track, s, x, y, fix.speed_kmh, ctx, trip_hint=hint)
        out: list[Event] = []
        for e in res.events:
            if not e.stopped and (door := self._door_at(v, rt.day_start_unix + e.arrival)):
                u = rt.day_start_unix
                e = dataclasses.replace(
                    e,
                    arrival=min(e.arrival, door[0] - u),
                    departure=max(e.departure, door[1] - u),
                    stopped=True,
                )
            predictor.observe(e)
            v.visits = [
                *v.visits[-(DOORS_KEPT - 1) :],
                _Visit(e.trip, e.k, rt.day_start_unix + e.arrival, rt.day_start_unix + e.departure),
            ]
            events = self._stop_events(v, e, rt)
            if not e.stopped:
                sent = events[0]
                assert isinstance(sent, StopVisited)
                v.passed = [*v.passed[-(DOORS_KEPT - 1) :], sent]
            out.extend(events)
            if v.on_board is not None and e.k == served_calls(ctx, e.trip)[1]:
                v.on_board = 0  # everyone leaves at the terminus (a short-turn's last stop)
            held = self._holds.get(v.vehicle_id)
            if held is not None and held.stop_id == _stop_of(rt, e.trip, e.k):
                v.holds_over.add(held)  # the bus has left the hold stop
        if res.events and v.openings:
            self._attribute(v)
        if res.released and not v.off_route_sent:
            trip_id = rt.net.trips[before].trip_id if before >= 0 else None
            out.append(
                VehicleOffRoute(
                    phone=v.phone, vehicle=v.vehicle_id, ts_utc=_utc(t), trip_id=trip_id
                )
            )
            v.off_route_sent = True
        if v.track.trip >= 0:
            v.off_route_sent = False
            v.predictions = self._constrain(v, predictor.predict(v.track, s), rt, ctx)
            v.predicted_at = t
        else:
            v.predictions = []
        return out

    def _stop_events(self, v: _Vehicle, e: StopEvent, rt: RtNetwork) -> list[Event]:
        net, u = rt.net, rt.day_start_unix
        trip = net.trips[e.trip]
        pattern = net.patterns[trip.pattern]
        stop_id = net.stop_ids[int(pattern.stops[e.k])]
        delay = e.arrival - float(trip.arrival_s[e.k])
        out: list[Event] = [
            StopVisited(
                phone=v.phone,
                vehicle=v.vehicle_id,
                ts_utc=_utc(u + e.arrival),
                trip_id=trip.trip_id,
                route_id=trip.route_id,
                stop_id=stop_id,
                stop_sequence=trip.stop_sequences[e.k],
                departure_utc=_utc(u + e.departure),
                stopped=e.stopped,
                delay_s=round(delay, 1),
            )
        ]
        key = (trip.pattern, e.k)
        ahead = self._last_at.get(key)
        self._last_at[key] = (u + e.arrival, v.vehicle_id, e.trip)
        if ahead is None or ahead[2] == e.trip or e.k == 0:
            return out
        gap = u + e.arrival - ahead[0]
        planned = float(trip.arrival_s[e.k] - net.trips[ahead[2]].arrival_s[e.k])
        if planned <= 0 or gap <= 0:
            return out
        ratio = gap / planned
        status: HeadwayState | None = (
            "bunched" if ratio <= BUNCHED else "gapped" if ratio >= GAPPED else None
        )
        if status is not None:
            out.append(
                HeadwayStatus(
                    phone=v.phone,
                    vehicle=v.vehicle_id,
                    ts_utc=_utc(u + e.arrival),
                    route_id=trip.route_id,
                    trip_id=trip.trip_id,
                    stop_id=stop_id,
                    status=status,
                    headway_s=round(gap, 1),
                    scheduled_headway_s=planned,
                    ahead_vehicle=ahead[1],
                )
            )
        return out

    def tick(self, now: float) -> list[Event]:
        """Events due with time alone: buses on a trip gone silent."""
        out: list[Event] = []
        rt = self.rt
        for v in self.vehicles.values():
            if v.fix is None or v.stale_sent or v.track.trip < 0 or now - v.t < STALE_S:
                continue
            trip_id = rt.net.trips[v.track.trip].trip_id if rt is not None else None
            out.append(
                VehicleStale(
                    phone=v.phone,
                    vehicle=v.vehicle_id,
                    ts_utc=_utc(v.t),
                    trip_id=trip_id,
                    silent_s=round(now - v.t, 1),
                )
            )
            v.stale_sent = True
        return out

    def snapshot(self, now: float) -> LiveSnapshot:
        """Every vehicle heard from in the last `GONE_S`, as readers see it. A vehicle's
        entry is rebuilt when it changed, when it turns stale or its count does, and at
        least every `SNAPSHOT_REBUILD_S` at its own phase; otherwise the previous one is
        reused (immutable values, so readers of older snapshots are unaffected)."""
        rt = self.rt
        vehicles = []
        for vid in sorted(self.vehicles):
            v = self.vehicles[vid]
            if v.fix is None or now - v.t > GONE_S:
                continue
            key = (
                v.version,
                now - v.t >= STALE_S,
                now - v.counted_at > COUNT_STALE_S,
                (now + zlib.crc32(vid.encode()) % SNAPSHOT_REBUILD_S) // SNAPSHOT_REBUILD_S,
            )
            if v.shown is None or v.shown[0] != key:
                v.shown = (key, self._live(v, rt, now))
            vehicles.append(v.shown[1])
        return LiveSnapshot(now, tuple(vehicles))

    def _live(self, v: _Vehicle, rt: RtNetwork | None, now: float) -> VehicleLive:
        fix = v.fix
        assert fix is not None
        base = VehicleLive(
            v.vehicle_id,
            v.t,
            fix.lat,
            fix.lon,
            bearing=fix.heading,
            speed_ms=None if fix.speed_kmh is None else fix.speed_kmh / 3.6,
            label=self.labels.get(v.vehicle_id),
            occupancy_percent=self._occupancy(v, now),
        )
        if rt is None or v.track.trip < 0:
            return base
        net, u = rt.net, rt.day_start_unix
        trip = net.trips[v.track.trip]
        pattern = net.patterns[trip.pattern]
        k = min(v.track.next_k, len(pattern.stops) - 1)
        standing = fix.speed_kmh is not None and fix.speed_kmh < 3.0
        at_stop = abs(v.track.dist - float(pattern.stop_dist[k])) <= ZONE_M and standing
        stale = now - v.t >= STALE_S
        mine = [r for p in v.predictions if p.trip == v.track.trip for r in p.rows()]
        preds = [] if stale else _sane(mine, u, now)
        hold = None if self.ctx is None else self._hold_of(v, rt, self.ctx)
        held = -1 if hold is None else hold.k
        return dataclasses.replace(
            base,
            trip_id=trip.trip_id,
            route_id=trip.route_id,
            direction_id=trip.direction_id,
            start_date=self.day.strftime("%Y%m%d") if self.day else None,
            start_time=format_time_s(int(trip.departure_s[0])),
            stop_id=net.stop_ids[int(pattern.stops[k])],
            stop_sequence=trip.stop_sequences[k],
            status=StopStatus.STOPPED_AT if at_stop else StopStatus.IN_TRANSIT_TO,
            delay_s=v.track.delay,
            off_route=v.track.off_route > 0,
            predictions=tuple(
                StopPrediction(
                    net.stop_ids[int(pattern.stops[p.k])],
                    trip.stop_sequences[p.k],
                    u + p.predicted,
                    departure_unix=u + max(p.predicted, hold.until)
                    if hold is not None and p.k == held
                    else None,
                )
                for p in preds
            ),
            predicted_at=None if stale else v.predicted_at,
        )


def _stop_of(rt: RtNetwork, trip: int, k: int) -> str:
    """The stop id of call `k` of `trip`."""
    net = rt.net
    return net.stop_ids[int(net.patterns[net.trips[trip].pattern].stops[k])]


def _short_turns(rt: RtNetwork, changes: Sequence[TripChange]) -> dict[int, tuple[int, int]]:
    """trip -> (first, last) call index it serves, for the trips `changes` short-turn:
    the calls whose stop_sequence lies in the change's range (both included). A range
    that holds fewer than two calls of the trip is left out (nothing to run)."""
    out: dict[int, tuple[int, int]] = {}
    for c in changes:
        a, b = c.from_stop_sequence, c.to_stop_sequence
        trip = rt.trip_index.get(c.trip_id or "")
        if c.kind is not ChangeKind.SHORT_TURN or trip is None or a is None or b is None:
            continue
        ks = [k for k, q in enumerate(rt.net.trips[trip].stop_sequences) if a <= q <= b]
        if len(ks) >= 2:
            out[trip] = (ks[0], ks[-1])
    return out


def _sane(rows: list[PredictionRow], u: float, now: float) -> list[PredictionRow]:
    """Predictions worth showing: in the near future, in stop order, never decreasing."""
    out: list[PredictionRow] = []
    last = -1.0
    for r in sorted(rows, key=lambda r: r.k):
        t = u + r.predicted
        if t < now - 60 or t > now + MAX_AHEAD_S or t < last:
            continue
        out.append(r)
        last = t
    return out
