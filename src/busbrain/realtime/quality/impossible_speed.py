"""Impossible speed: a move no bus can make in the time between two fixes.

Catches a fix whose distance from the newest accepted fix (great circle), divided by
the time between them, exceeds MAX_SPEED_KMH — a bus on city and intercity roads never
averages that, so one of the two positions is wrong, and the accepted one was judged
already. Also catches two fixes with the same t more than SAME_TIME_TOLERANCE_M apart
(a bus cannot be in two places at once; within the tolerance it is GPS noise). Such a
fix would teleport the bus along or off its route, so it is dropped as an ERROR.

The time between is taken as |dt|, so a late fix kept out of order is checked against
the newest accepted fix too: the speed bound holds whichever of the two came first.

Notices:
- impossible_speed (ERROR, drop): field "position".
"""

from __future__ import annotations

from busbrain.domain.geo import distance_bound_m, haversine_m
from busbrain.domain.notices import Notice, Severity
from busbrain.realtime.fixes import Fix
from busbrain.realtime.quality.model import Context, Finding, QualityState, Verdict, fmt_position

CODE = "impossible_speed"
SEVERITY = Severity.ERROR

MAX_SPEED_KMH = 150.0
"""The highest average speed (km/h) between two fixes taken as possible."""
SAME_TIME_TOLERANCE_M = 30.0
"""How far apart (metres) two fixes with the same t may be (GPS noise)."""


def check(state: QualityState, fix: Fix, ctx: Context) -> Finding | None:
    prev = state.last
    if prev is None:
        return None
    dt = abs(fix.t - prev.t)
    bound_m = distance_bound_m(prev.lat, prev.lon, fix.lat, fix.lon)
    if dt > 0.0 and bound_m / dt * 3.6 <= MAX_SPEED_KMH:
        return None  # plainly within the limit: the usual case, without the trigonometry
    dist_m = haversine_m(prev.lat, prev.lon, fix.lat, fix.lon)
    head = f"vehicle {fix.vehicle_id}: {dist_m:.0f} m from the accepted fix at t={prev.t:.3f} s"
    if dt == 0.0:
        if dist_m <= SAME_TIME_TOLERANCE_M:
            return None
        message = (
            f"{head}, at the same time: more than {SAME_TIME_TOLERANCE_M:g} m apart at once; "
            "dropped"
        )
    else:
        speed_kmh = dist_m / dt * 3.6
        if not speed_kmh > MAX_SPEED_KMH:
            return None
        message = (
            f"{head} in {dt:.1f} s implies {speed_kmh:.0f} km/h, above the "
            f"{MAX_SPEED_KMH:g} km/h limit; dropped"
        )
    notice = Notice(CODE, SEVERITY, message, field="position", value=fmt_position(fix.lat, fix.lon))
    return Finding(Verdict.DROP, notice)
