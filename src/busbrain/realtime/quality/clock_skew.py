"""Clock skew: a fix time ahead of the time the platform received the fix.

Catches a fix whose terminal time t is more than MAX_AHEAD_S after its `received` time
(or after `now` when it has none). A fix cannot arrive before it is taken, so the
terminal's clock runs ahead (an RTC not synced to GPS, a wrong time zone, a GPS week
rollover). Times on that clock would put arrivals in the future and confuse ordering,
so it is a WARNING; the fix is kept because its position is fine.

Besides the notice, `QualityState.skew_s` estimates each vehicle's offset as the least
received - t over its last SKEW_WINDOW_FIXES (see `model`) accepted live fixes that
have a received time, so consumers can correct t; delays only add to received - t, so
the least ignores fixes held in a queue or re-sent after a lost link.

Notices:
- clock_skew (WARNING, keep): field "t".
"""

from __future__ import annotations

from busbrain.domain.notices import Notice, Severity
from busbrain.realtime.fixes import Fix
from busbrain.realtime.quality.model import Context, Finding, QualityState, Verdict

CODE = "clock_skew"
SEVERITY = Severity.WARNING

MAX_AHEAD_S = 30.0
"""How far (seconds) a fix's t may be ahead of its receive time (clock jitter)."""


def check(state: QualityState, fix: Fix, ctx: Context) -> Finding | None:
    ref, against = (ctx.now, "now") if fix.received is None else (fix.received, "received")
    ahead_s = fix.t - ref
    if not ahead_s > MAX_AHEAD_S:
        return None
    message = (
        f"vehicle {fix.vehicle_id}: fix time t={fix.t:.3f} s is {ahead_s:.1f} s after "
        f"{against}={ref:.3f} s, more than {MAX_AHEAD_S:g} s: the terminal clock runs ahead; "
        "kept"
    )
    return Finding(Verdict.KEEP, Notice(CODE, SEVERITY, message, field="t", value=f"{fix.t:.3f}"))
