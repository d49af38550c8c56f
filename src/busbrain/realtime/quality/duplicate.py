"""Duplicate: a fix the vehicle already sent and that was already accepted.

Catches the same vehicle reporting the same terminal time at the same position again:
terminals resend when an acknowledgement is lost, gateways reconnect and replay, and a
blind-area batch may repeat what was sent live. Counting it twice would double a dwell
or an arrival, so it is dropped; it is harmless, so only INFO.

The vehicle's last DUPLICATE_MEMORY_FIXES accepted fixes are remembered (see
`model.DUPLICATE_MEMORY_FIXES`); positions are compared rounded to POSITION_DECIMALS
decimal places of a degree (1e-6 deg, about 0.11 m). Same t at a different position is
not a duplicate (see impossible_speed).

Notices:
- duplicate_fix (INFO, drop): field "t".
"""

from __future__ import annotations

from busbrain.domain.notices import Notice, Severity
from busbrain.realtime.fixes import Fix
from busbrain.realtime.quality.model import (
    Context,
    Finding,
    QualityState,
    Verdict,
    fix_key,
    fmt_position,
)

CODE = "duplicate_fix"
SEVERITY = Severity.INFO


def check(state: QualityState, fix: Fix, ctx: Context) -> Finding | None:
    if state.last is None or fix.t > state.last.t:
        return None  # newer than every fix accepted (the usual case): repeats none
    if fix_key(fix) not in state.recent_keys:
        return None
    message = (
        f"vehicle {fix.vehicle_id}: repeats the accepted fix at t={fix.t:.3f} s, "
        f"position {fmt_position(fix.lat, fix.lon)}; dropped"
    )
    return Finding(Verdict.DROP, Notice(CODE, SEVERITY, message, field="t", value=f"{fix.t:.3f}"))
