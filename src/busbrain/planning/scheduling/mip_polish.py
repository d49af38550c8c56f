"""Improve a schedule by the compact MIP over the arcs that reduced costs allow.

At an optimal LP solution (all reduced costs >= 0, bound ``lb``) any schedule cheaper
than the incumbent ``ub`` uses only arcs whose reduced cost is below ``ub - lb``. On
small instances the LP gap is a few units, so this MIP is tiny and HiGHS proves the
optimum of the full problem. On large ones the kept arcs are capped to the lowest
reduced costs, so the MIP is a heuristic improvement started from the incumbent.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np

from busbrain.planning.scheduling.instance import IntArray, VspInstance
from busbrain.planning.scheduling.mcf_lp import FloatArray, MultiCommodityLp
from busbrain.planning.scheduling.solution import VspSolution


@dataclass(frozen=True)
class PolishResult:
    """Trip -> depot of the MIP's best schedule (None if none found) and what HiGHS said."""

    trip_depot: IntArray | None
    proved_optimal: bool
    status: str
    columns: int
    exact_filter: bool


def polish(
    instance: VspInstance,
    arc_rc: FloatArray,
    lower_bound: float,
    incumbent: VspSolution,
    incumbent_cost: int,
    time_left: Callable[[], float],
    max_arcs: int,
) -> PolishResult:
    """Run the MIP on arcs with reduced cost < ub - lb (at most ``max_arcs`` of them)."""
    gap = incumbent_cost - lower_bound
    keep = arc_rc < gap - 1e-6
    exact = int(keep.sum()) <= max_arcs
    if not exact:
        flat = np.argpartition(arc_rc.ravel(), max_arcs)[:max_arcs]
        keep = np.zeros(arc_rc.size, dtype=bool)
        keep[flat] = True
        keep = keep.reshape(arc_rc.shape)
    mip = MultiCommodityLp(instance, keep)
    blocks = [(b.depot, b.trips) for b in incumbent.blocks]
    start = mip.column_values(blocks)
    if start is None:
        # Add the incumbent's arcs so the MIP starts from a feasible schedule.
        tail, head = mip.arc_tail, mip.arc_head
        n = instance.n_trips
        keys = tail * n + head
        for k, trips in blocks:
            want = np.array([a * n + b for a, b in itertools.pairwise(trips)])
            if want.size:
                mip.add_arcs(k, np.searchsorted(keys, want))
        start = mip.column_values(blocks)
    h = mip.h
    ncol = h.getNumCol()
    h.changeColsIntegrality(
        ncol,
        np.arange(ncol, dtype=np.int32),
        np.full(ncol, highspy.HighsVarType.kInteger, dtype=np.uint8),
    )
    h.setOptionValue("mip_abs_gap", 0.999)  # costs are integers
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("time_limit", max(0.01, time_left()))
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = start.tolist()
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    status = h.getModelStatus()
    name = h.modelStatusToString(status)
    if h.getInfo().primal_solution_status != 2:  # 2 = feasible
        return PolishResult(None, False, name, ncol, exact)
    x = np.asarray(h.getSolution().col_value)
    m = instance.n_depots
    nt = instance.n_trips
    share = np.zeros(m * nt)
    mask = mip.col_head >= 0
    np.add.at(share, mip.col_k[mask] * nt + mip.col_head[mask], x[mask])
    trip_depot = share.reshape(m, nt).argmax(axis=0)
    proved = exact and status == highspy.HighsModelStatus.kOptimal
    return PolishResult(trip_depot, proved, name, ncol, exact)
