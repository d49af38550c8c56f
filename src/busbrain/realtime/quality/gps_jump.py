"""GPS jump: a long move that the terminal's own speed does not explain.

Catches a fix more than JUMP_MIN_M from the previous accepted fix (which it follows in
time) that is not impossible by average speed but is far more than the reported speed
can cover: distance > SPEED_FACTOR × speed × dt + SPEED_SLACK_M. The receiver's speed
comes from Doppler and is rarely wrong when the position is (multipath among tall
buildings, a fix re-acquired after a tunnel). It is only a WARNING and the fix is kept:
the position may still be right (the bus left a long dead zone, the speed was sampled
at a stop), and the matcher, which knows the route, decides.

Checked only when the terminal reports a speed (finite, not negative) and the fix is
newer than the previous accepted one (dt > 0); late fixes are left to out_of_order.

Notices:
- gps_jump (WARNING, keep): field "position".
"""

from __future__ import annotations

import math

from busbrain.domain.geo import distance_bound_m, haversine_m
from busbrain.domain.notices import Notice, Severity
from busbrain.realtime.fixes import Fix
from busbrain.realtime.quality.model import Context, Finding, QualityState, Verdict, fmt_position

CODE = "gps_jump"
SEVERITY = Severity.WARNING

JUMP_MIN_M = 500.0
"""Moves up to this many metres between two fixes are never called jumps."""
SPEED_FACTOR = 3.0
"""How many times the distance the reported speed covers in dt a move may be (ratio)."""
SPEED_SLACK_M = 200.0
"""Metres added to the distance the reported speed covers (GPS noise, acceleration)."""


def check(state: QualityState, fix: Fix, ctx: Context) -> Finding | None:
    prev, speed_kmh = state.last, fix.speed_kmh
    if prev is None or speed_kmh is None or not math.isfinite(speed_kmh) or speed_kmh < 0:
        return None
    dt = fix.t - prev.t
    if not dt > 0.0:
        return None
    if not distance_bound_m(prev.lat, prev.lon, fix.lat, fix.lon) > JUMP_MIN_M:
        return None  # plainly under JUMP_MIN_M apart: the usual case, without the trigonometry
    dist_m = haversine_m(prev.lat, prev.lon, fix.lat, fix.lon)
    if not dist_m > JUMP_MIN_M:
        return None
    allowed_m = SPEED_FACTOR * speed_kmh / 3.6 * dt + SPEED_SLACK_M
    if not dist_m > allowed_m:
        return None
    message = (
        f"vehicle {fix.vehicle_id}: moved {dist_m:.0f} m in {dt:.1f} s from the accepted "
        f"fix at t={prev.t:.3f} s, but its reported {speed_kmh:.1f} km/h allows "
        f"{allowed_m:.0f} m ({SPEED_FACTOR:g} × speed × dt + {SPEED_SLACK_M:g} m); kept"
    )
    notice = Notice(CODE, SEVERITY, message, field="position", value=fmt_position(fix.lat, fix.lon))
    return Finding(Verdict.KEEP, notice)
