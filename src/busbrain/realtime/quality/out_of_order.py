"""Out of order: a fix older than the newest fix already accepted for the vehicle.

Catches fixes that arrive late: reordered by the network, held in a gateway queue, or
sent from the terminal's store after a dead zone (blind-area batch). A late fix still
tells where the bus was, so within the lateness budget (DEFAULT_LATENESS_S unless the
caller says otherwise), or at any age when it is a blind-area fix (those are late by
design), it is kept with an INFO notice and the processors insert it in time order.
A live fix later than the budget has lost its use for live work (arrivals and
predictions have moved on) and more likely comes from a confused clock or a replaying
gateway, so it is dropped with a WARNING.

Notices:
- out_of_order (INFO, keep): late within the budget, or a blind-area fix; field "t".
- out_of_order_too_late (WARNING, drop): a live fix later than the budget; field "t".
"""

from __future__ import annotations

from busbrain.domain.notices import Notice, Severity
from busbrain.realtime.fixes import Fix
from busbrain.realtime.quality.model import Context, Finding, QualityState, Verdict

CODE = "out_of_order"
SEVERITY = Severity.INFO
CODE_TOO_LATE = "out_of_order_too_late"
SEVERITY_TOO_LATE = Severity.WARNING

DEFAULT_LATENESS_S = 300.0
"""How far (seconds) behind the newest accepted fix a live fix may be and still be kept."""


def check(state: QualityState, fix: Fix, ctx: Context) -> Finding | None:
    if state.last is None or fix.t >= state.last.t:
        return None
    late = state.last.t - fix.t
    head = (
        f"vehicle {fix.vehicle_id}: t={fix.t:.3f} s is {late:.1f} s before the newest "
        f"accepted fix (t={state.last.t:.3f} s)"
    )
    value = f"{fix.t:.3f}"
    if fix.blind_area:
        message = f"{head}; blind-area fix, kept for insertion in order"
        return Finding(Verdict.KEEP, Notice(CODE, SEVERITY, message, field="t", value=value))
    if late <= ctx.lateness_s:
        message = f"{head}, within the {ctx.lateness_s:g} s budget; kept for insertion in order"
        return Finding(Verdict.KEEP, Notice(CODE, SEVERITY, message, field="t", value=value))
    message = f"{head}, beyond the {ctx.lateness_s:g} s budget for live fixes; dropped"
    notice = Notice(CODE_TOO_LATE, SEVERITY_TOO_LATE, message, field="t", value=value)
    return Finding(Verdict.DROP, notice)
