"""Data-quality rules on vehicle positions: one rule per module, pure.

`check(state, fix, now)` runs the rules on one fix of one vehicle, in the fixed order of
RULES, and stops at the first that drops the fix. It reads no clock (`now` is passed in),
does no I/O and never changes the state it is given: it returns a new one (the same
object when the fix is dropped). Problems are reported as notices, never raised.

Order and verdicts (see each module for what it catches and why):

==================  ================================  ========  =======
rule                code                              severity  verdict
==================  ================================  ========  =======
invalid_fix         invalid_fix                       ERROR     drop
duplicate           duplicate_fix                     INFO      drop
out_of_order        out_of_order                      INFO      keep
out_of_order        out_of_order_too_late             WARNING   drop
impossible_speed    impossible_speed                  ERROR     drop
gps_jump            gps_jump                          WARNING   keep
stale_fix           stale_fix                         WARNING   keep
clock_skew          clock_skew                        WARNING   keep
==================  ================================  ========  =======

A kept fix becomes part of the state: the newest accepted fix (by t; a late fix kept
out of order does not replace it), a duplicate key, and a clock-skew sample
(`QualityState.skew_s`).
"""

from __future__ import annotations

from collections.abc import Callable

from busbrain.domain.notices import Notice
from busbrain.realtime.fixes import Fix
from busbrain.realtime.quality import (
    clock_skew,
    duplicate,
    gps_jump,
    impossible_speed,
    invalid_fix,
    out_of_order,
    stale_fix,
)
from busbrain.realtime.quality.counters import QualityCounters
from busbrain.realtime.quality.model import Context, Finding, QualityState, Verdict

__all__ = ["RULES", "QualityCounters", "QualityState", "Rule", "Verdict", "check"]

Rule = Callable[[QualityState, Fix, Context], Finding | None]

RULES: tuple[tuple[str, Rule], ...] = (
    ("invalid_fix", invalid_fix.check),
    ("duplicate", duplicate.check),
    ("out_of_order", out_of_order.check),
    ("impossible_speed", impossible_speed.check),
    ("gps_jump", gps_jump.check),
    ("stale_fix", stale_fix.check),
    ("clock_skew", clock_skew.check),
)
"""(rule name, rule) in the order `check` runs them: drops before keeps."""
_RULES = tuple(rule for _, rule in RULES)


def check(
    state: QualityState | None,
    fix: Fix,
    now: float,
    *,
    lateness_s: float = out_of_order.DEFAULT_LATENESS_S,
) -> tuple[QualityState, Verdict, tuple[Notice, ...]]:
    """Judge one fix of one vehicle: (new state, verdict, notices in rule order).

    `state` is what the previous call returned for this vehicle, or None for its first
    fix. `now` is the caller's clock in unix seconds (the replay clock in a replay).
    `lateness_s`: how far behind the newest accepted fix a live fix may be and be kept.

    Raises ValueError only when `state` belongs to another vehicle (a caller's bug).
    """
    if state is None:
        state = QualityState(vehicle_id=fix.vehicle_id)
    elif state.vehicle_id != fix.vehicle_id:
        raise ValueError(
            f"state of vehicle {state.vehicle_id!r} given a fix of vehicle {fix.vehicle_id!r}"
        )
    ctx = Context(now=now, lateness_s=lateness_s)
    notices: tuple[Notice, ...] = ()
    for rule in _RULES:
        found = rule(state, fix, ctx)
        if found is None:
            continue
        notices = (*notices, found.notice)
        if found.verdict is Verdict.DROP:
            return state, Verdict.DROP, notices
    return state.accept(fix), Verdict.KEEP, notices
