"""A first feasible schedule with the minimum fleet: relax depots, then place whole chains.

The depot-free relaxation (cheapest depot at either end) is solved exactly; its chains
are then given depots by a transportation problem (chain -> depot slot, cost = pull-out
+ pull-in at that depot, at most v_k chains per depot), and each depot's trips are
re-chained exactly. Any chain may use any depot, so this reaches the minimum fleet
whenever the depots together hold that many vehicles.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from busbrain.planning.scheduling.instance import InfeasibleError, IntArray, VspInstance
from busbrain.planning.scheduling.single_depot import depot_blocks, min_fleet, relaxed_chains
from busbrain.planning.scheduling.solution import Block, VspSolution


def require_capacity(instance: VspInstance) -> int:
    """The minimum fleet; raise :class:`InfeasibleError` if the depots hold fewer vehicles."""
    fleet = min_fleet(instance)
    total = sum(instance.capacities)
    if total < fleet:
        raise InfeasibleError(
            f"{instance.source}: the depots hold {total} vehicles in total "
            f"(capacities {list(instance.capacities)}) but the {instance.n_trips} trips "
            f"need at least {fleet}"
        )
    return fleet


def assign_chains(instance: VspInstance, chains: list[tuple[int, ...]]) -> IntArray:
    """Depot for each chain, cheapest total pull-out + pull-in within capacities."""
    if not chains:
        return np.zeros(0, dtype=np.int64)
    first = np.array([ch[0] for ch in chains])
    last = np.array([ch[-1] for ch in chains])
    per_chain = instance.pull_out[:, first].T + instance.pull_in[last, :]  # chains x m
    slots = np.concatenate(
        [np.full(min(v, len(chains)), k, dtype=np.int64) for k, v in enumerate(instance.capacities)]
    )
    if slots.size < len(chains):
        raise InfeasibleError(
            f"{instance.source}: {len(chains)} chains but only {slots.size} vehicles"
        )
    rows, cols = linear_sum_assignment(per_chain[:, slots])
    depot = np.empty(len(chains), dtype=np.int64)
    depot[rows] = slots[cols]
    return depot


def rechain(instance: VspInstance, trip_depot: IntArray) -> VspSolution:
    """Exact blocks given each trip's depot (one assignment problem per depot)."""
    blocks: list[Block] = []
    for k in range(instance.n_depots):
        blocks += depot_blocks(instance, k, np.flatnonzero(trip_depot == k))
    return VspSolution(tuple(blocks))


def initial_solution(instance: VspInstance) -> VspSolution:
    """Minimum-fleet feasible schedule from the depot-free relaxation."""
    require_capacity(instance)
    chains = relaxed_chains(instance)
    depots = assign_chains(instance, chains)
    trip_depot = np.empty(instance.n_trips, dtype=np.int64)
    for ch, k in zip(chains, depots.tolist(), strict=True):
        trip_depot[list(ch)] = k
    try:
        return rechain(instance, trip_depot)
    except InfeasibleError:
        # Re-chaining cannot need more vehicles than the chains it started from, but keep
        # the chains themselves if the assignment solver ever disagrees.
        return VspSolution(
            tuple(Block(int(k), ch) for ch, k in zip(chains, depots.tolist(), strict=True))
        )
