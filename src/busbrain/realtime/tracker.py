"""Per-vehicle matching: which trip a bus runs, where it is along it, and its stop events.

`step(track, fix, ctx)` advances one vehicle's `Track` by one fix and returns what
happened (stop events, a trip assignment). The step takes the track it is given and
hands back the same object updated: the runner owns every track and is the only caller,
so no copy is needed (for speed: tens of thousands of fixes per second). Nothing here
reads a clock or does I/O; times are seconds after the service day's start, positions
metres in the day network's local frame.

Assignment. A bus whose trip is not known is watched for a few fixes: when it moves
forward along a pattern's shape (within `NEAR_M` of it), the pattern's scheduled trip
that best fits the time at that point is taken, if no other bus has it. At a trip's end
the block's next trip follows; a bus that keeps off its trip's shape is released.

Short-turns (区间车). A trip the dispatcher runs over part of its calls only
(`Context.served`) starts for its bus at the first call served and ends at the last:
no stop events outside the range, and the block's next trip follows from there.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from busbrain.realtime.rtnet import RtNetwork
from busbrain.realtime.stopevents import ZONE_M, Sample, stop_times

NEAR_M = 60.0
"""A fix farther than this from the trip's shape is off route."""
OFF_ROUTE_FIXES = 4
"""Consecutive off-route fixes after which the vehicle is released from its trip."""
MAX_SPEED_MS = 30.0
"""Window ahead of the last position searched for the new one: this speed times the gap."""
BACK_M = 40.0
"""GPS noise allowance behind the last position."""
STANDING_KMH = 3.0
STANDING_JUMP_M = 40.0
"""A standing bus's position moves this far before it counts as moved (GPS noise)."""
CONFIRM_M = 50.0
"""A fix this close (along the shape) to one refused as too far ahead confirms it: a
GPS that froze while the bus drove on, then caught up as the bus stood (speed 0, so
the speed rule alone would refuse the new place for as long as it stands)."""
ASSIGN_FIXES = 3
ASSIGN_NEAR_M = 35.0
"""Every fix that shows a trip must lie this close to its shape."""
STEAL_MARGIN_S = 120.0
"""A bus takes a trip another bus guessed by movement if it fits it this much better."""
AMBIGUOUS_M = 8.0
"""Patterns of other lines fitting within this much (mean offset) leave it open."""
ASSIGN_PROGRESS_M = 60.0
EARLY_S = 15 * 60.0
LATE_S = 40 * 60.0
"""How early or late against the schedule a trip may be to be assigned by movement."""


@dataclass(frozen=True, slots=True)
class StopEvent:
    vehicle_id: str
    trip: int
    k: int
    """Index of the call on the trip's pattern."""
    arrival: float
    departure: float
    stopped: bool


@dataclass(slots=True)
class Track:
    vehicle_id: str
    trip: int = -1
    dist: float = 0.0
    dist_t: float = -math.inf
    """When `dist` was last moved by a fix (s)."""
    next_k: int = 0
    last_t: float = -math.inf
    x: float = 0.0
    y: float = 0.0
    speed: float | None = None
    off_route: int = 0
    by_block: bool = False
    """The trip came from the block (stronger evidence than movement alone)."""
    delay: float | None = None
    samples: list[Sample] = field(default_factory=list)
    ahead: tuple[float, float] | None = None
    """(distance along, time) of the last fix refused as further ahead than the bus's
    speed allows: the next fix that agrees with it confirms the bus is there."""
    recent: deque[tuple[float, float, float, float | None]] = field(
        default_factory=lambda: deque(maxlen=8)
    )
    """Recent fixes (t, x, y, speed km/h) kept while no trip is assigned."""


@dataclass
class Context:
    """What all tracks share: the network and which trips are taken."""

    rt: RtNetwork
    taken: dict[int, str] = field(default_factory=dict)
    """trip -> vehicle running it."""
    tracks: dict[str, Track] = field(default_factory=dict)
    planned_block: dict[str, str] = field(default_factory=dict)
    """vehicle -> the block (路牌) the dispatch plan gives it today, when known."""
    cancelled: set[int] = field(default_factory=set)
    """Trips a dispatcher cancelled today (调度指挥): no bus is assigned to them."""
    served: dict[int, tuple[int, int]] = field(default_factory=dict)
    """trip -> (first, last) call index it still serves, both included: the trips a
    dispatcher short-turned today (区间车). A bus starts such a trip at its first call
    served and ends it at its last; trips not here serve all their calls."""


def served_calls(ctx: Context, trip: int) -> tuple[int, int]:
    """The (first, last) call index `trip` serves today: its short-turn's range, or
    all its calls."""
    got = ctx.served.get(trip)
    if got is not None:
        return got
    return 0, len(ctx.rt.net.trips[trip].arrival_s) - 1


@dataclass(slots=True)
class StepResult:
    events: list[StopEvent]
    assigned: int | None = None
    released: bool = False


def _beyond(ctx: Context, trip: int, d: float) -> bool:
    """Is distance `d` (m) along `trip`'s pattern past the zone of the last call it
    serves? Only a short-turned trip ends before its pattern does: a bus past its end
    (it ran on after the turn) is not matched to it again."""
    got = ctx.served.get(trip)
    if got is None:
        return False
    stops = ctx.rt.net.patterns[ctx.rt.net.trips[trip].pattern].stop_dist
    return d > float(stops[got[1]]) + ZONE_M


def _assign(track: Track, trip: int, dist: float, ctx: Context, *, by_block: bool = False) -> None:
    track.trip = trip
    track.by_block = by_block
    ctx.tracks[track.vehicle_id] = track
    track.dist = dist
    stops = ctx.rt.net.patterns[ctx.rt.net.trips[trip].pattern].stop_dist
    k = 0
    while k < len(stops) and stops[k] + ZONE_M < dist:
        k += 1
    track.next_k = max(k, served_calls(ctx, trip)[0])  # a short-turn starts later
    track.samples = []
    track.ahead = None
    track.off_route = 0
    ctx.taken[trip] = track.vehicle_id


def _release(track: Track, ctx: Context) -> None:
    if track.trip >= 0 and ctx.taken.get(track.trip) == track.vehicle_id:
        del ctx.taken[track.trip]
    track.trip = -1
    track.by_block = False
    track.samples = []
    track.recent.clear()


def release(track: Track, ctx: Context) -> None:
    """Free the track's trip (a dispatcher cancelled it, or gave its block to another
    bus): the bus is matched again from its next fixes."""
    _release(track, ctx)


def _try_assign(
    track: Track, ctx: Context, t: float, trip_hint: int | None
) -> tuple[int, float] | None:
    """The trip the recent fixes fit best and the first fix's distance along it, or None."""
    rt = ctx.rt
    net = rt.net
    if trip_hint is not None:
        pi = net.trips[trip_hint].pattern
        if len(track.recent) >= 2:
            found = _follow(rt, pi, list(track.recent))
            if found is not None and not _beyond(ctx, trip_hint, found[1]):
                return trip_hint, found[0]
        d, off = rt.project(pi, track.x, track.y, 0.0, float(net.patterns[pi].shape_d[-1]))
        if _beyond(ctx, trip_hint, d):
            return None  # past the end of the short-turn the terminal still names
        if off <= NEAR_M * 2 and len(track.recent) >= ASSIGN_FIXES:
            return trip_hint, d
        return None
    if len(track.recent) < ASSIGN_FIXES:
        return None
    recent = list(track.recent)
    if math.hypot(recent[-1][1] - recent[0][1], recent[-1][2] - recent[0][2]) < ASSIGN_PROGRESS_M:
        return None  # standing or creeping: nothing to tell a pattern by yet
    fits: list[tuple[float, float, int, str, float]] = []
    # (mean offset, schedule misfit, trip, route, distance of the first fix)
    planned = rt.block_trips.get(ctx.planned_block.get(track.vehicle_id, ""))
    if planned:
        found_planned = _from_plan(track, ctx, t, planned, recent)
        if found_planned is not None or len(recent) < (track.recent.maxlen or 0):
            return found_planned  # the plan's trips only, unless the bus keeps off them
    for pi in rt.patterns_near(track.x, track.y):
        p = net.patterns[pi]
        found = _follow(rt, pi, recent)
        if found is None:
            continue
        d0, d_prev, mean_off = found
        best: tuple[float, int] | None = None
        for ti in rt.trips_of_pattern.get(pi, ()):
            if ti in ctx.cancelled or _beyond(ctx, ti, d_prev):
                continue
            lateness = t - rt.sched_at(ti, d_prev)
            if not -EARLY_S <= lateness <= LATE_S:
                continue
            misfit = _misfit(lateness)
            holder = ctx.tracks.get(ctx.taken.get(ti, ""))
            if holder is not None and holder.vehicle_id != track.vehicle_id:
                if holder.by_block or holder.trip != ti:
                    continue
                theirs = _misfit(holder.last_t - rt.sched_at(ti, holder.dist))
                if misfit + STEAL_MARGIN_S >= theirs:
                    continue  # it fits its trip as well as we would
            if best is None or misfit < best[0]:
                best = (misfit, ti)
        if best is not None:
            fits.append((mean_off, best[0], best[1], p.route_id, d0))
    if not fits:
        return None
    tightest = min(f[0] for f in fits)
    close = [f for f in fits if f[0] <= tightest + AMBIGUOUS_M]
    if len({f[3] for f in close}) > 1 and len(recent) < (track.recent.maxlen or 0):
        return None  # a shared corridor: wait until the lines part
    pick = min(close, key=lambda f: f[1])
    chosen = pick[2]
    holder = ctx.tracks.get(ctx.taken.get(chosen, ""))
    if holder is not None and holder is not track:
        _release(holder, ctx)  # it fitted this trip worse: it looks again
    return chosen, pick[4]


def _follow(
    rt: RtNetwork, pi: int, recent: list[tuple[float, float, float, float | None]]
) -> tuple[float, float, float] | None:
    """Whether the recent fixes move forward along the pattern: (distance of the first,
    of the last, mean offset), trying each pass of the shape near the first fix."""
    best: tuple[float, float, float] | None = None
    for d0 in rt.passes(pi, recent[0][1], recent[0][2], ASSIGN_NEAR_M):
        d_prev, total, ok = d0, 0.0, True
        for _, rx, ry, _ in recent[1:]:
            d, off = rt.project(pi, rx, ry, d_prev - BACK_M, d_prev + 600.0)
            if off > ASSIGN_NEAR_M:
                ok = False
                break
            d_prev, total = max(d_prev, d), total + off
        if ok and d_prev - d0 >= ASSIGN_PROGRESS_M:
            mean = total / max(len(recent) - 1, 1)
            if best is None or mean < best[2]:
                best = (d0, d_prev, mean)
    return best


def _from_plan(
    track: Track,
    ctx: Context,
    t: float,
    planned: list[int],
    recent: list[tuple[float, float, float, float | None]],
) -> tuple[int, float] | None:
    """The trip of the vehicle's planned block that its fixes follow and the time fits."""
    rt = ctx.rt
    best: tuple[float, int, float] | None = None
    seen: dict[int, tuple[float, float, float] | None] = {}
    for ti in planned:
        if ti in ctx.cancelled:
            continue
        pi = rt.net.trips[ti].pattern
        if pi not in seen:
            seen[pi] = _follow(rt, pi, recent)
        found = seen[pi]
        if found is None or _beyond(ctx, ti, found[1]):
            continue
        lateness = t - rt.sched_at(ti, found[1])
        if not -EARLY_S <= lateness <= LATE_S * 2:
            continue
        misfit = _misfit(lateness)
        if best is None or misfit < best[0]:
            best = (misfit, ti, found[0])
    if best is None:
        return None
    holder = ctx.tracks.get(ctx.taken.get(best[1], ""))
    if holder is not None and holder is not track:
        _release(holder, ctx)  # the plan says this bus runs it
    track.by_block = True
    return best[1], best[2]


def _misfit(lateness: float) -> float:
    """How badly a lateness (s) fits: buses run late more often than early."""
    return lateness if lateness >= 0 else -2 * lateness


def step(
    track: Track,
    t: float,
    x: float,
    y: float,
    speed_kmh: float | None,
    ctx: Context,
    *,
    trip_hint: int | None = None,
) -> StepResult:
    """Advance `track` by the fix (t, x, y, speed) and return what happened."""
    result = StepResult([])
    if t <= track.last_t:
        return result  # duplicates and late fixes: the quality rules count them
    track.last_t, track.x, track.y, track.speed = t, x, y, speed_kmh
    if trip_hint is not None and trip_hint in ctx.cancelled:
        trip_hint = None  # the terminal's trip was cancelled: match by movement
    if trip_hint is not None and track.trip >= 0 and trip_hint != track.trip:
        _release(track, ctx)
    if track.trip < 0:
        track.recent.append((t, x, y, speed_kmh))
        found = _try_assign(track, ctx, t, trip_hint)
        if found is None:
            return result
        trip, d0 = found
        recent = list(track.recent)
        _assign(track, trip, d0, ctx, by_block=track.by_block)
        result.assigned = trip
        for rt_, rx, ry, rv in recent:  # the fixes that showed the trip count on it
            if track.trip < 0:
                break
            _advance(track, rt_, rx, ry, rv, ctx, result)
        return result
    _advance(track, t, x, y, speed_kmh, ctx, result)
    return result


def _advance(
    track: Track, t: float, x: float, y: float, v: float | None, ctx: Context, result: StepResult
) -> None:
    net = ctx.rt.net
    trip = net.trips[track.trip]
    p = net.patterns[trip.pattern]
    end = float(p.shape_d[-1])
    gap = max(t - (track.samples[-1].t if track.samples else t), 0.0)
    lo = max(track.dist - BACK_M, 0.0)
    hi = min(track.dist + MAX_SPEED_MS * gap + 150.0, end)
    d, off = ctx.rt.project(trip.pattern, x, y, lo, hi)
    if off > NEAR_M:
        track.off_route += 1
        if track.off_route >= OFF_ROUTE_FIXES:
            _release(track, ctx)
            result.released = True
        return
    track.off_route = 0
    if not track.samples:
        track.dist, track.dist_t = max(track.dist, d), t
    else:
        moved = _plausible(track, d, v, t - track.dist_t)
        if moved is _OUTLIER:
            seen = track.ahead
            if seen is None or abs(d - seen[0]) > CONFIRM_M:
                track.ahead = (d, t)
                return  # not a place the bus was (yet): no sample from it
            moved = d  # two fixes agree: the bus is there (its GPS had frozen behind it)
        track.ahead = None
        if moved is not None:
            track.dist, track.dist_t = moved, t
    track.samples.append(Sample(t, track.dist, v))
    stops = p.stop_dist
    last = served_calls(ctx, track.trip)[1]
    if track.next_k > last:
        _end_trip(track, t, x, y, v, ctx)  # short-turned behind the bus: its trip is over
        return
    while track.next_k <= last:
        k = track.next_k
        s = float(stops[k])
        if k == last:
            before = track.samples[-2].d if len(track.samples) >= 2 else -math.inf
            settled = v is None or v < 3.0 or before >= s - ZONE_M
            near_end = track.dist >= s - ZONE_M and settled
            if not near_end:
                break
            times = stop_times(track.samples, s, terminal_end=True)
        else:
            if track.dist <= s + ZONE_M:
                break
            times = stop_times(track.samples, s)
        if times is not None:
            result.events.append(
                StopEvent(
                    track.vehicle_id, track.trip, k, times.arrival, times.departure, times.stopped
                )
            )
            track.delay = times.arrival - float(trip.arrival_s[k])
            keep = [smp for smp in track.samples if smp.d > s + ZONE_M or smp.t >= times.departure]
            track.samples = keep or track.samples[-1:]
        track.next_k += 1
        if k == last:
            _end_trip(track, t, x, y, v, ctx)
            return


_OUTLIER = -1.0


def _plausible(track: Track, d: float, v: float | None, since: float) -> float | None:
    """The new distance along, or None to keep the old one: never backwards (GPS
    noise), not forward while the terminal says it has been standing, and not further
    than its reported speed allows since the last good fix `since` seconds ago (a GPS
    outlier would otherwise pass the bus through stops it has not reached): `_OUTLIER`."""
    if d <= track.dist:
        return None
    if v is None:
        return d
    prev = track.samples[-1].v if track.samples and track.samples[-1].v is not None else v
    if max(v, prev) < STANDING_KMH and d - track.dist < STANDING_JUMP_M:
        return None
    reach = max(v, prev) / 3.6 * since * 1.5 + 20.0
    return d if d - track.dist <= reach else _OUTLIER  # wait for the next fix


def _end_trip(track: Track, t: float, x: float, y: float, v: float | None, ctx: Context) -> None:
    nxt = ctx.rt.next_in_block.get(track.trip)
    _release(track, ctx)
    holder = ctx.tracks.get(ctx.taken.get(nxt, "")) if nxt is not None else None
    if holder is not None and not holder.by_block:
        _release(holder, ctx)  # it guessed from movement; the block knows better
    if nxt is None or nxt in ctx.taken or nxt in ctx.cancelled:
        track.recent.append((t, x, y, v))
        return
    pi = ctx.rt.net.trips[nxt].pattern
    end = float(ctx.rt.net.patterns[pi].shape_d[-1])
    begin = float(ctx.rt.net.patterns[pi].stop_dist[served_calls(ctx, nxt)[0]])
    d, off = ctx.rt.project(pi, x, y, max(begin - 300.0, 0.0), min(begin + 300.0, end))
    if off > 300.0:
        track.recent.append((t, x, y, v))
        return
    _assign(track, nxt, d, ctx, by_block=True)
    track.samples = [Sample(t, d, v)]
