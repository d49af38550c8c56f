"""Invalid fix: a position that is not a position at all.

Catches a fix the terminal itself marks as without a GPS fix (`valid` False), a
latitude or longitude out of range (or not a finite number), the (0, 0) "null island"
that terminals send before their first fix, and a time that is not a finite number.
Such a fix would put the bus in the sea or at the last place the receiver remembers,
and poison every check that compares later fixes with it, so it is dropped.

Notices:
- invalid_fix (ERROR, drop): field "valid", "position" or "t" says which part is wrong.
"""

from __future__ import annotations

import math

from busbrain.domain.notices import Notice, Severity
from busbrain.realtime.fixes import Fix
from busbrain.realtime.quality.model import Context, Finding, QualityState, Verdict, fmt_position

CODE = "invalid_fix"
SEVERITY = Severity.ERROR

MAX_ABS_LAT_DEG = 90.0
"""Latitudes beyond ±90 degrees do not exist."""
MAX_ABS_LON_DEG = 180.0
"""Longitudes beyond ±180 degrees do not exist."""


def check(state: QualityState, fix: Fix, ctx: Context) -> Finding | None:
    lat, lon = fix.lat, fix.lon
    if (
        fix.valid
        and -MAX_ABS_LAT_DEG <= lat <= MAX_ABS_LAT_DEG
        and -MAX_ABS_LON_DEG <= lon <= MAX_ABS_LON_DEG
        and (lat != 0.0 or lon != 0.0)
        and math.isfinite(fix.t)
    ):
        return None  # the usual case, decided before any message is written (NaN fails <=)
    who = f"vehicle {fix.vehicle_id}"
    if not fix.valid:
        return _drop("valid", "False", f"{who}: the terminal flags the fix as not valid")
    if not math.isfinite(fix.t):
        return _drop("t", str(fix.t), f"{who}: the fix time is not a finite number")
    where = fmt_position(lat, lon)
    in_range = (
        math.isfinite(lat)
        and math.isfinite(lon)
        and abs(lat) <= MAX_ABS_LAT_DEG
        and abs(lon) <= MAX_ABS_LON_DEG
    )
    if not in_range:
        return _drop(
            "position",
            where,
            f"{who}: position out of range (latitude must be within ±{MAX_ABS_LAT_DEG:g}°, "
            f"longitude within ±{MAX_ABS_LON_DEG:g}°)",
        )
    if fix.lat == 0.0 and fix.lon == 0.0:
        return _drop("position", where, f"{who}: position (0, 0), sent by terminals without a fix")
    return None


def _drop(field: str, value: str, message: str) -> Finding:
    notice = Notice(CODE, SEVERITY, f"{message}; dropped", field=field, value=value)
    return Finding(Verdict.DROP, notice)
