"""Schedule adherence and headways of the buses on a line, for the dispatcher's line strip.

Pure functions over plain values (no clock, no store): the API gathers the buses of one
line and direction, and these say how late each is, how far (in seconds) it runs behind
the bus ahead, and whether that is bunching (串车) or a gap (大间隔).

Definitions follow TransitClock and Swiftly: a bus more than 60 s early is early, more
than 300 s late is late, on time in between; a headway at or below 75 % of the scheduled
headway is bunched, at or above 125 % gapped.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

EARLY_S = -60.0
"""A bus more than a minute early (delay below this) is early."""
LATE_S = 300.0
"""A bus more than five minutes late (delay above this) is late."""
BUNCHED_SHARE = 0.75
"""A headway at or below this share of the scheduled one is bunching (串车)."""
GAPPED_SHARE = 1.25
"""A headway at or above this share of the scheduled one is a gap (大间隔)."""


class Adherence(StrEnum):
    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"
    UNKNOWN = "unknown"


class Spacing(StrEnum):
    BUNCHED = "bunched"  # 串车
    GAPPED = "gapped"  # 大间隔
    NORMAL = "normal"
    UNKNOWN = "unknown"  # no headway or no scheduled headway to compare with


def adherence(delay_s: float | None) -> Adherence:
    """Early, on time or late by the bus's delay (seconds late; negative early)."""
    if delay_s is None:
        return Adherence.UNKNOWN
    if delay_s < EARLY_S:
        return Adherence.EARLY
    if delay_s > LATE_S:
        return Adherence.LATE
    return Adherence.ON_TIME


def spacing(headway_s: float | None, scheduled_s: float | None) -> Spacing:
    """Bunched, gapped or normal: the headway against the scheduled one."""
    if headway_s is None or scheduled_s is None or scheduled_s <= 0:
        return Spacing.UNKNOWN
    if headway_s <= BUNCHED_SHARE * scheduled_s:
        return Spacing.BUNCHED
    if headway_s >= GAPPED_SHARE * scheduled_s:
        return Spacing.GAPPED
    return Spacing.NORMAL


def scheduled_headway(departures_unix: Sequence[float], now: float) -> float | None:
    """The scheduled headway around `now`: the gap between the two consecutive departures
    (sorted, from the line's first stop) that bracket `now`; before the first or after the
    last departure, the first or last gap. None with fewer than two departures."""
    deps = sorted(departures_unix)
    if len(deps) < 2:
        return None
    k = bisect.bisect_right(deps, now)
    k = min(max(k, 1), len(deps) - 1)
    gap = deps[k] - deps[k - 1]
    return gap if gap > 0 else None


@dataclass(frozen=True, slots=True)
class StripBus:
    """One bus of a line and direction, as the headway estimate needs it."""

    vehicle_id: str
    at: float | None
    """Where it is along the strip in stop numbers (1.0 at the first stop, 1.5 halfway
    to the second); None when it is not on the strip."""
    arrivals: Mapping[str, float]
    """Predicted arrival (unix seconds) at the stops ahead, by stop_id."""
    schedule: Sequence[float | None] = ()
    """Its trip's scheduled time (unix seconds) at each stop of the strip, in strip order;
    None at a stop the trip does not serve; empty when unknown."""


@dataclass(frozen=True, slots=True)
class Headway:
    """How far a bus runs behind the bus ahead of it in the same direction."""

    ahead: str | None
    """The vehicle_id of the bus ahead; None for the lead bus (or a bus alone)."""
    headway_s: float | None
    source: str | None
    """"predictions" (both buses' predicted arrivals at a common stop ahead), "schedule"
    (the gap in positions at the follower's scheduled running time), or None."""


def headways(buses: Sequence[StripBus]) -> dict[str, Headway]:
    """Each bus's headway to the bus ahead of it along the strip.

    Buses are ordered by `at` (further along is ahead). The headway is the follower's
    predicted arrival minus the leader's at the first stop both have predictions for;
    without one, the time the follower's trip is scheduled to take from where it is to
    where the leader is. A bus not on the strip, and the lead bus, have none."""
    placed = sorted((b for b in buses if b.at is not None), key=lambda b: -(b.at or 0.0))
    out = {b.vehicle_id: Headway(None, None, None) for b in buses}
    for leader, follower in itertools.pairwise(placed):
        by_predictions = _predicted_gap(leader, follower)
        if by_predictions is not None:
            out[follower.vehicle_id] = Headway(leader.vehicle_id, by_predictions, "predictions")
            continue
        by_schedule = _scheduled_gap(follower, leader.at or 0.0)
        source = None if by_schedule is None else "schedule"
        out[follower.vehicle_id] = Headway(leader.vehicle_id, by_schedule, source)
    return out


def _predicted_gap(leader: StripBus, follower: StripBus) -> float | None:
    common = [s for s in leader.arrivals if s in follower.arrivals]
    if not common:
        return None
    first = min(common, key=lambda s: leader.arrivals[s])
    gap = follower.arrivals[first] - leader.arrivals[first]
    return gap if gap >= 0 else None


def _scheduled_gap(follower: StripBus, leader_at: float) -> float | None:
    start = _time_at(follower.schedule, follower.at or 0.0)
    end = _time_at(follower.schedule, leader_at)
    if start is None or end is None or end < start:
        return None
    return end - start


def _time_at(schedule: Sequence[float | None], at: float) -> float | None:
    if not schedule or at < 1:
        return None
    k = int(at) - 1  # the stop at or before `at`, 0-based
    if k >= len(schedule) - 1:
        return schedule[-1] if k == len(schedule) - 1 else None
    here, there = schedule[k], schedule[k + 1]
    if here is None or there is None:
        return None
    return here + (there - here) * (at - (k + 1))
