"""Stale fix: a live fix that was already old when it reached the platform.

Catches a live (not blind-area) fix whose terminal time t is more than MAX_AGE_S before
its `received` time (or before `now` when it has none): a terminal repeating its last
position after losing GPS, a queue in a gateway, or a terminal clock running behind.
Shown as where the bus is now it would be wrong by minutes, so it is a WARNING; it is
kept because the position was true at t (and the skew estimate of clock_skew tells a
slow clock from a slow link). Blind-area fixes are old by design and not checked.

With `received` missing the age is measured against `now`: a replay must pass its
replay clock as `now`.

Notices:
- stale_fix (WARNING, keep): field "t".
"""

from __future__ import annotations

from busbrain.domain.notices import Notice, Severity
from busbrain.realtime.fixes import Fix
from busbrain.realtime.quality.model import Context, Finding, QualityState, Verdict

CODE = "stale_fix"
SEVERITY = Severity.WARNING

MAX_AGE_S = 120.0
"""How old (seconds, receive time minus fix time) a live fix may be."""


def check(state: QualityState, fix: Fix, ctx: Context) -> Finding | None:
    if fix.blind_area:
        return None
    ref, against = (ctx.now, "now") if fix.received is None else (fix.received, "received")
    age_s = ref - fix.t
    if not age_s > MAX_AGE_S:
        return None
    message = (
        f"vehicle {fix.vehicle_id}: live fix taken {age_s:.1f} s before it was {against} "
        f"(t={fix.t:.3f} s, {against}={ref:.3f} s), more than {MAX_AGE_S:g} s; kept"
    )
    return Finding(Verdict.KEEP, Notice(CODE, SEVERITY, message, field="t", value=f"{fix.t:.3f}"))
