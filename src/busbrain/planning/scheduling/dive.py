"""LP diving on trip -> depot assignments.

Solve the (priced) LP, read how much of each trip every depot's commodity carries, fix
the trips the LP already puts (almost) wholly on one depot, and fix the most decided
fractional trips to their dominant depot; re-solve and repeat until every trip has a
depot. Given the depots, :func:`busbrain.planning.scheduling.initial.rechain` finishes
exactly. Fixing only ever removes columns, so the LP warm-starts from its last basis.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from busbrain.planning.scheduling.instance import IntArray
from busbrain.planning.scheduling.mcf_lp import MultiCommodityLp

INTEGRAL = 0.999
"""Depot share above which a trip counts as decided by the LP."""


@dataclass(frozen=True)
class DiveResult:
    """Trip -> depot (complete) and whether the LP stayed feasible all the way."""

    trip_depot: IntArray
    complete_lp: bool
    rounds: int


def dive(
    lp: MultiCommodityLp,
    time_left: Callable[[], float],
    batch_fraction: float = 0.1,
    progress: Callable[[str], None] | None = None,
) -> DiveResult:
    """Fix every trip to a depot, guided by the LP; the LP must have been solved already.

    Per round: trips at share >= INTEGRAL are fixed, and of the rest the
    ``batch_fraction`` share (at least one) with the highest dominant share. If the LP
    becomes infeasible or time runs out the remaining trips take their current
    dominant depot (the caller must then check depot capacities).
    """
    rounds = 0
    complete = True
    while True:
        share = lp.depot_share()
        best = share.argmax(axis=0)
        top = share.max(axis=0)
        free = lp.fixed < 0
        decided = free & (top >= INTEGRAL)
        fractional = np.flatnonzero(free & ~decided)
        if fractional.size == 0 or time_left() <= 0:
            rest = np.flatnonzero(free)
            if fractional.size and progress:
                progress(f"dive: out of time, rounding {fractional.size} trips")
            complete = complete and fractional.size == 0
            lp.fixed[rest] = best[rest]
            return DiveResult(lp.fixed.copy(), complete, rounds)
        count = max(1, int(np.ceil(batch_fraction * fractional.size)))
        pick = fractional[np.argsort(-top[fractional], kind="stable")[:count]]
        chosen = np.concatenate([np.flatnonzero(decided), pick])
        lp.fix(chosen, best[chosen])
        res = lp.solve_priced(time_left)
        rounds += 1
        if not res.optimal:
            if progress:
                progress(f"dive: LP {res.status} after {rounds} rounds, rounding the rest")
            rest = np.flatnonzero(lp.fixed < 0)
            lp.fixed[rest] = best[rest]
            return DiveResult(lp.fixed.copy(), False, rounds)
        if progress:
            progress(
                f"dive round {rounds}: {int((lp.fixed >= 0).sum())} trips fixed, "
                f"{fractional.size} were fractional, LP {res.objective:.1f}"
            )
