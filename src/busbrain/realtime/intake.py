"""The way in for every fix, live or replayed: the data-quality rules, then the
terminal's clock skew corrected once it is known."""

from __future__ import annotations

from busbrain.realtime.fixes import Fix
from busbrain.realtime.quality import QualityCounters, QualityState, Verdict, check

SKEW_MIN_S = 3.0
"""Clock offsets smaller than this are left alone (network latency is of that order)."""


def corrected_time(fix: Fix, state: QualityState) -> float:
    """The fix's time on the platform's clock: its own plus the terminal's skew."""
    skew = state.skew_s
    if skew is None or abs(skew) < SKEW_MIN_S:
        return fix.t
    return fix.t + skew


def admit(
    state: QualityState | None, fix: Fix, now: float, counters: QualityCounters
) -> tuple[QualityState, float | None]:
    """The vehicle's new quality state and the fix's corrected time (unix seconds), or
    None when the rules drop the fix; notices are counted in `counters`."""
    state, verdict, notices = check(state, fix, now)
    if notices:
        counters.add(notices)
    if verdict is Verdict.DROP:
        return state, None
    return state, corrected_time(fix, state)
