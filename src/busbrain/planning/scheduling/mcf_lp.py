"""LP relaxation of the compact multi-commodity flow model, solved by HiGHS with arc pricing.

One commodity per depot k. Columns are arcs of commodity k: pull-out k -> j, pull-in
i -> k, and deadhead i -> j. Rows:

* cover j (= 1): the flow entering trip j over all commodities,
* flow (k, j) (= 0): commodity k enters trip j as often as it leaves it,
* capacity k (<= v_k): pull-outs from depot k.

All pull-out and pull-in columns are always present, so every trip can be covered on
its own and the restricted LP stays feasible while capacities allow. Deadhead columns
start from a small candidate set and are added by pricing (reduced cost
c_ij - u_j - w_kj + w_ki < 0 over all feasible arcs), so the LP optimum equals that of
the full model. Trips can be fixed to a depot, which bounds the other commodities'
columns at that trip to zero and keeps them out of pricing: this is the diving step.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np
import numpy.typing as npt

from busbrain.planning.scheduling.instance import BoolArray, IntArray, VspInstance

FloatArray = npt.NDArray[np.float64]

RC_EPS = 1e-6
"""Reduced cost (cost units) below which a column is worth adding."""

OPEN = highspy.kHighsInf
"""Upper bound of a column that is not fixed to zero."""

IPM_ABOVE = 3000
"""Re-solve by interior point rather than warm simplex when pricing added more columns."""


@dataclass(frozen=True)
class LpResult:
    """Outcome of one LP solve: ``optimal`` false on infeasibility or time out."""

    optimal: bool
    objective: float
    status: str


class MultiCommodityLp:
    """The restricted compact LP with column management, pricing and trip fixing."""

    def __init__(self, instance: VspInstance, candidate: BoolArray) -> None:
        """``candidate[f]`` (or ``[k, f]``) marks which of ``instance.arcs()`` start in the LP.

        A one-dimensional mask applies to every depot.
        """
        self.inst = instance
        m, n = instance.n_depots, instance.n_trips
        self.m, self.n = m, n
        self.arc_tail, self.arc_head, self.arc_cost = instance.arcs()
        self.n_arcs = int(self.arc_tail.size)
        self.in_model = np.zeros((m, self.n_arcs), dtype=bool)
        self.col_of_arc = np.full((m, self.n_arcs), -1, dtype=np.int64)
        self.fixed = np.full(n, -1, dtype=np.int64)
        self.col_k = np.zeros(0, dtype=np.int64)
        self.col_tail = np.zeros(0, dtype=np.int64)  # -1 = pull-out from the depot
        self.col_head = np.zeros(0, dtype=np.int64)  # -1 = pull-in to the depot
        self.col_cost = np.zeros(0, dtype=np.float64)
        self.col_upper = np.zeros(0, dtype=np.float64)
        self.x = np.zeros(0, dtype=np.float64)
        self.row_dual = np.zeros(n + m * n + m, dtype=np.float64)
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        self.h = h
        inf = highspy.kHighsInf
        lower = np.concatenate([np.ones(n), np.zeros(m * n), np.full(m, -inf)])
        upper = np.concatenate(
            [np.ones(n), np.zeros(m * n), np.asarray(instance.capacities, dtype=np.float64)]
        )
        nrow = n + m * n + m
        h.addRows(
            nrow,
            lower,
            upper,
            0,
            np.zeros(0, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0, dtype=np.float64),
        )
        ks = np.repeat(np.arange(m, dtype=np.int64), n)
        js = np.tile(np.arange(n, dtype=np.int64), m)
        minus = np.full(m * n, -1, dtype=np.int64)
        self._add(ks, minus, js, instance.pull_out.reshape(-1).astype(np.float64))
        self._add(ks, js, minus, instance.pull_in.T.reshape(-1).astype(np.float64))
        per_depot = np.broadcast_to(candidate, (m, self.n_arcs))
        for k in range(m):
            self.add_arcs(k, np.flatnonzero(per_depot[k]))

    # -- columns -------------------------------------------------------------------
    def _add(self, ks: IntArray, tails: IntArray, heads: IntArray, costs: FloatArray) -> None:
        """Add columns (commodity, tail or -1, head or -1, cost)."""
        count = int(ks.size)
        if count == 0:
            return
        m, n = self.m, self.n
        cap_row = n + m * n + ks
        cover_row = heads
        flow_in = n + ks * n + heads
        flow_out = n + ks * n + tails
        idx: list[IntArray] = []
        val: list[FloatArray] = []
        nnz = np.zeros(count, dtype=np.int64)
        # Entries in row order per column: cover, flow(head), flow(tail), capacity.
        parts = (
            (heads >= 0, cover_row, 1.0),
            (heads >= 0, flow_in, 1.0),
            (tails >= 0, flow_out, -1.0),
            (tails < 0, cap_row, 1.0),
        )
        rows = np.full((count, 4), -1, dtype=np.int64)
        vals = np.zeros((count, 4), dtype=np.float64)
        for p, (mask, row, v) in enumerate(parts):
            rows[mask, p] = row[mask]
            vals[mask, p] = v
            nnz += mask
        keep = rows >= 0
        idx.append(rows[keep])
        val.append(vals[keep])
        starts = np.concatenate([[0], np.cumsum(nnz)[:-1]]).astype(np.int32)
        # Cover and flow rows already bound every column by 1; no explicit upper bound
        # keeps all LP reduced costs >= 0 at the optimum (needed for reduced-cost fixing).
        upper = np.full(count, OPEN)
        forbidden = self._forbidden(ks, tails, heads)
        upper[forbidden] = 0.0
        self.h.addCols(
            count,
            costs,
            np.zeros(count),
            upper,
            int(nnz.sum()),
            starts,
            np.concatenate(idx).astype(np.int32),
            np.concatenate(val),
        )
        self.col_k = np.concatenate([self.col_k, ks])
        self.col_tail = np.concatenate([self.col_tail, tails])
        self.col_head = np.concatenate([self.col_head, heads])
        self.col_cost = np.concatenate([self.col_cost, costs])
        self.col_upper = np.concatenate([self.col_upper, upper])

    def add_arcs(self, k: int, arc_idx: IntArray) -> None:
        """Add deadhead arcs (indices into the full arc list) for commodity k."""
        arc_idx = arc_idx[~self.in_model[k, arc_idx]]
        if arc_idx.size == 0:
            return
        self.in_model[k, arc_idx] = True
        self.col_of_arc[k, arc_idx] = self.col_k.size + np.arange(arc_idx.size)
        self._add(
            np.full(arc_idx.size, k, dtype=np.int64),
            self.arc_tail[arc_idx],
            self.arc_head[arc_idx],
            self.arc_cost[arc_idx].astype(np.float64),
        )

    def add_arcs_all_depots(self, arc_idx: IntArray) -> None:
        """Make the given arcs available to every commodity."""
        for k in range(self.m):
            self.add_arcs(k, arc_idx)

    def _forbidden(self, ks: IntArray, tails: IntArray, heads: IntArray) -> BoolArray:
        """Columns touching a trip fixed to another depot."""
        ft = np.where(tails >= 0, self.fixed[np.maximum(tails, 0)], -1)
        fh = np.where(heads >= 0, self.fixed[np.maximum(heads, 0)], -1)
        out: BoolArray = ((ft >= 0) & (ft != ks)) | ((fh >= 0) & (fh != ks))
        return out

    # -- solving -------------------------------------------------------------------
    def solve(self, time_limit_s: float, method: str = "simplex") -> LpResult:
        """Re-optimise the current restricted LP within ``time_limit_s`` seconds.

        ``method`` "simplex" warm-starts from the last basis (best after small changes:
        a few new columns or fixings); "ipm" (interior point plus crossover) is much
        faster from scratch or after adding many columns.
        """
        # HiGHS compares its time limit with the run time accumulated over all calls.
        limit = self.h.getRunTime() + max(0.01, float(time_limit_s))
        self.h.setOptionValue("time_limit", limit)
        self.h.setOptionValue("solver", method)
        self.h.run()
        status = self.h.getModelStatus()
        name = self.h.modelStatusToString(status)
        if status != highspy.HighsModelStatus.kOptimal:
            return LpResult(False, float("inf"), name)
        sol = self.h.getSolution()
        self.x = np.asarray(sol.col_value, dtype=np.float64)
        self.row_dual = np.asarray(sol.row_dual, dtype=np.float64)
        return LpResult(True, float(self.h.getInfo().objective_function_value), name)

    def arc_reduced_costs(self) -> FloatArray:
        """m x n_arcs: reduced cost of every deadhead arc for every depot at the last duals."""
        n, m = self.n, self.m
        u = self.row_dual[:n]
        w = self.row_dual[n : n + m * n].reshape(m, n)
        tail, head = self.arc_tail, self.arc_head
        out: FloatArray = (self.arc_cost - u[head])[None, :] - w[:, head] + w[:, tail]
        return out

    def column_values(self, blocks: list[tuple[int, tuple[int, ...]]]) -> FloatArray | None:
        """Column vector of a schedule given as (depot, trips); None if a column is missing."""
        x = np.zeros(self.col_k.size)
        n, m = self.n, self.m
        keys = self.arc_tail * n + self.arc_head
        for k, trips in blocks:
            x[k * n + trips[0]] += 1.0  # pull-out columns come first
            x[m * n + k * n + trips[-1]] += 1.0  # then pull-in columns
            for a, b in itertools.pairwise(trips):
                f = int(np.searchsorted(keys, a * n + b))
                if f >= keys.size or keys[f] != a * n + b or self.col_of_arc[k, f] < 0:
                    return None
                x[self.col_of_arc[k, f]] += 1.0
        return x

    def price(self, max_per_depot: int) -> int:
        """Add up to ``max_per_depot`` most negative reduced-cost arcs per depot; count added."""
        tail, head = self.arc_tail, self.arc_head
        all_rc = self.arc_reduced_costs()
        added = 0
        for k in range(self.m):
            rc = all_rc[k]
            ok = (rc < -RC_EPS) & ~self.in_model[k]
            fk = self.fixed
            ok &= ((fk[tail] < 0) | (fk[tail] == k)) & ((fk[head] < 0) | (fk[head] == k))
            cand = np.flatnonzero(ok)
            if cand.size > max_per_depot:
                cand = cand[np.argpartition(rc[cand], max_per_depot)[:max_per_depot]]
            self.add_arcs(k, cand)
            added += int(cand.size)
        return added

    def solve_priced(
        self, time_left: Callable[[], float], first: bool = False, max_per_depot: int = 0
    ) -> LpResult:
        """Solve and price until no arc has negative reduced cost (LP of the full model).

        ``time_left()`` gives the seconds still available; when it runs out the last
        restricted optimum is returned (still a valid LP solution, maybe not the best).
        ``first`` solves from scratch by interior point; later calls warm-start.
        """
        per = max_per_depot or self.n_arcs
        res = self.solve(time_left(), "ipm" if first else "simplex")
        while res.optimal and time_left() > 0:
            added = self.price(per)
            if added == 0:
                break
            res = self.solve(time_left(), "ipm" if added > IPM_ABOVE else "simplex")
        return res

    # -- reading the solution ------------------------------------------------------
    def depot_share(self) -> FloatArray:
        """m x n: LP flow of each depot's commodity through each trip (rows sum to 1)."""
        x = self.x
        mask = self.col_head >= 0
        share = np.zeros(self.m * self.n)
        np.add.at(share, self.col_k[mask] * self.n + self.col_head[mask], x[mask])
        return share.reshape(self.m, self.n)

    def fix(self, trips: IntArray, depots: IntArray) -> None:
        """Fix trips to depots: other depots' columns at those trips get upper bound 0."""
        self.fixed[trips] = depots
        forbidden = self._forbidden(self.col_k, self.col_tail, self.col_head)
        newly = np.flatnonzero(forbidden & (self.col_upper > 0))
        if newly.size:
            self.col_upper[newly] = 0.0
            self.h.changeColsBounds(
                int(newly.size),
                newly.astype(np.int32),
                np.zeros(newly.size),
                np.zeros(newly.size),
            )

    def unfix(self, trips: IntArray) -> None:
        """Release trips from their depot (columns no longer touching a fixed trip reopen)."""
        self.fixed[trips] = -1
        forbidden = self._forbidden(self.col_k, self.col_tail, self.col_head)
        reopen = np.flatnonzero(~forbidden & (self.col_upper == 0))
        if reopen.size:
            self.col_upper[reopen] = OPEN
            self.h.changeColsBounds(
                int(reopen.size),
                reopen.astype(np.int32),
                np.zeros(reopen.size),
                np.full(reopen.size, OPEN),
            )

    def check_reduced_costs(self) -> float:
        """Largest gap between our reduced-cost formula and HiGHS's (for testing)."""
        n, m = self.n, self.m
        u = self.row_dual[:n]
        w = self.row_dual[n : n + m * n].reshape(m, n)
        z = self.row_dual[n + m * n :]
        k, t, hd = self.col_k, self.col_tail, self.col_head
        rc = self.col_cost.copy()
        hm, tm = hd >= 0, t >= 0
        rc[hm] -= u[hd[hm]] + w[k[hm], hd[hm]]
        rc[tm] += w[k[tm], t[tm]]
        rc[~tm] -= z[k[~tm]]
        got = np.asarray(self.h.getSolution().col_dual, dtype=np.float64)
        return float(np.abs(rc - got).max())
