"""Multi-depot vehicle scheduling: LP relaxation with pricing, diving, exact re-chaining.

Steps, all within ``time_limit_s`` measured by the caller's ``clock`` (seconds):

1. a minimum-fleet feasible schedule from the depot-free relaxation (always kept as a
   fallback, so the result is feasible whenever the depots hold the minimum fleet);
2. the LP relaxation of the compact multi-commodity flow model over a reduced arc
   set, with pricing over all arcs, so its value is a true lower bound;
3. a dive fixing trips to depots (see :mod:`busbrain.planning.scheduling.dive`);
4. per-depot exact re-chaining of the fixed assignment (assignment problems);
5. with the time left, HiGHS's MIP on the arcs whose root reduced cost is below the
   gap (see :mod:`busbrain.planning.scheduling.mip_polish`): exact on small instances,
   an improvement step started from the incumbent on large ones, then re-chained;
6. the best schedule by (vehicles, cost) is returned, with the LP value as bound.

With one depot step 1 is already exact and is returned at once.
"""

from __future__ import annotations

from collections.abc import Callable

from busbrain.planning.scheduling.arcs import candidate_arcs
from busbrain.planning.scheduling.dive import dive
from busbrain.planning.scheduling.initial import initial_solution, rechain, require_capacity
from busbrain.planning.scheduling.instance import InfeasibleError, VspInstance
from busbrain.planning.scheduling.mcf_lp import MultiCommodityLp
from busbrain.planning.scheduling.mip_polish import polish
from busbrain.planning.scheduling.single_depot import solve_single_depot
from busbrain.planning.scheduling.solution import VspSolution, check, cost

ARCS_PER_TRIP = 10
"""Cheapest successors and predecessors per trip in the starting LP."""

MIP_ARCS_PER_TRIP = 30
"""Cap on (depot, arc) columns per trip in the final MIP (reduced-cost order)."""


def _key(instance: VspInstance, solution: VspSolution) -> tuple[int, int]:
    return (solution.vehicles, cost(instance, solution))


def solve(
    instance: VspInstance,
    time_limit_s: float,
    clock: Callable[[], float],
    progress: Callable[[str], None] | None = None,
) -> VspSolution:
    """Best schedule found within ``time_limit_s`` seconds of ``clock``.

    Raises :class:`InfeasibleError` naming the numbers when the depots together hold
    fewer vehicles than the minimum fleet.
    """
    start = clock()

    def time_left() -> float:
        return time_limit_s - (clock() - start)

    def say(msg: str) -> None:
        if progress:
            progress(f"[{clock() - start:6.1f} s] {msg}")

    fleet = require_capacity(instance)
    if instance.n_depots == 1:
        return solve_single_depot(instance)
    best = initial_solution(instance)
    say(f"initial: {best.vehicles} vehicles (min {fleet}), cost {cost(instance, best)}")
    if instance.n_trips == 0 or time_left() <= 0:
        return best
    lp = MultiCommodityLp(instance, candidate_arcs(instance, ARCS_PER_TRIP, (best,)))
    res = lp.solve_priced(time_left, first=True)
    if not res.optimal:
        say(f"LP not solved ({res.status}); keeping the initial schedule")
        return best
    bound = res.objective
    arc_rc = lp.arc_reduced_costs()
    say(f"LP bound {bound:.1f}")
    result = dive(lp, time_left, progress=say)
    try:
        found = rechain(instance, result.trip_depot)
    except InfeasibleError as exc:
        say(f"dive assignment infeasible ({exc}); keeping the initial schedule")
        found = best
    if not check(instance, found) and _key(instance, found) < _key(instance, best):
        best = found
    say(f"dive: {found.vehicles} vehicles, cost {cost(instance, found)}")
    best_cost = cost(instance, best)
    if best_cost - bound >= 1 and time_left() > 0:
        pol = polish(
            instance,
            arc_rc,
            bound,
            best,
            best_cost,
            time_left,
            MIP_ARCS_PER_TRIP * instance.n_trips,
        )
        say(
            f"MIP on {pol.columns} columns ({'exact' if pol.exact_filter else 'capped'} "
            f"reduced-cost filter): {pol.status}"
        )
        if pol.trip_depot is not None:
            try:
                polished = rechain(instance, pol.trip_depot)
            except InfeasibleError:
                polished = best
            if not check(instance, polished) and _key(instance, polished) < _key(instance, best):
                best = polished
    say(f"result: {best.vehicles} vehicles, cost {cost(instance, best)}")
    return VspSolution(best.blocks, lower_bound=bound)
