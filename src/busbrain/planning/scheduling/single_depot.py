"""Exact single-depot vehicle scheduling as an assignment problem, and the minimum fleet.

With one depot (or once each trip's depot is fixed) the problem is a minimum-cost
flow, solved exactly here as a linear assignment: every trip is matched to its
successor, or to one of the depot's "pull-in" slots; every "pull-out" slot is matched
to the first trip of a vehicle, or straight to a pull-in slot when that vehicle stays
home. Using as many slots as the depot holds vehicles enforces its capacity.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_array
from scipy.sparse.csgraph import maximum_bipartite_matching

from busbrain.planning.scheduling.instance import InfeasibleError, IntArray, VspInstance
from busbrain.planning.scheduling.solution import Block, VspSolution

FloatArray = npt.NDArray[np.float64]


def min_fleet(instance: VspInstance) -> int:
    """Fewest vehicles that can run all trips, ignoring depots: n - maximum matching.

    This is the minimum path cover of the trip compatibility graph (Dilworth / Fulkerson),
    the same number the deficit function gives when deadheads are allowed; it is a lower
    bound on every multi-depot fleet and reached by it, since any chain can use any depot.
    """
    n = instance.n_trips
    if n == 0:
        return 0
    graph = csr_array(instance.feasible.astype(np.int8))
    match = maximum_bipartite_matching(graph, perm_type="column")
    return n - int(np.count_nonzero(match >= 0))


def chains(
    trip_costs: IntArray,
    pull_out: npt.ArrayLike,
    pull_in: npt.ArrayLike,
    capacity: int,
) -> list[tuple[int, ...]]:
    """Minimum-cost set of chains covering trips 0..len-1 with at most ``capacity`` chains.

    ``trip_costs`` is the square deadhead matrix (-1 = not allowed), ``pull_out[j]`` and
    ``pull_in[i]`` the cost of starting at / ending after a trip (same cost units).
    Exact. Raises :class:`InfeasibleError` when the capacity is below the minimum fleet.
    """
    n = trip_costs.shape[0]
    if n == 0:
        return []
    slots = min(capacity, n)
    a = np.asarray(pull_out, dtype=np.float64)
    b = np.asarray(pull_in, dtype=np.float64)
    big = 1.0 + float(np.abs(trip_costs).sum() + np.abs(a).sum() + np.abs(b).sum())
    big *= 4.0
    mat = np.full((n + slots, n + slots), big)
    tt = trip_costs.astype(np.float64)
    mat[:n, :n] = np.where(trip_costs >= 0, tt, big)
    mat[:n, n:] = b[:, None]
    mat[n:, :n] = a[None, :]
    mat[n:, n:] = 0.0
    rows, cols = linear_sum_assignment(mat)
    if (mat[rows, cols] >= big).any():
        raise InfeasibleError(f"{n} trips need more than the {capacity} vehicles available")
    succ = np.full(n, -1, dtype=np.int64)
    starts: list[int] = []
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        if r < n and c < n:
            succ[r] = c
        elif r >= n and c < n:
            starts.append(c)
    out: list[tuple[int, ...]] = []
    for s in sorted(starts):
        chain = [s]
        while succ[chain[-1]] >= 0:
            chain.append(int(succ[chain[-1]]))
        out.append(tuple(chain))
    return out


def depot_blocks(instance: VspInstance, depot: int, trips: npt.ArrayLike) -> list[Block]:
    """Optimal blocks for the given trips all run from ``depot``, within its capacity."""
    ids = np.asarray(trips, dtype=np.int64)
    if ids.size == 0:
        return []
    sub = instance.trip_costs[np.ix_(ids, ids)]
    found = chains(
        sub, instance.pull_out[depot, ids], instance.pull_in[ids, depot], instance.capacities[depot]
    )
    return [Block(depot, tuple(int(ids[t]) for t in ch)) for ch in found]


def solve_single_depot(instance: VspInstance) -> VspSolution:
    """Exact solution of a one-depot instance."""
    if instance.n_depots != 1:
        raise ValueError(f"{instance.source}: {instance.n_depots} depots, expected 1")
    fleet = min_fleet(instance)
    if instance.capacities[0] < fleet:
        raise InfeasibleError(
            f"{instance.source}: depot capacity {instance.capacities[0]} is below the "
            f"minimum fleet {fleet}"
        )
    blocks = depot_blocks(instance, 0, np.arange(instance.n_trips))
    return VspSolution(tuple(blocks))


def relaxed_chains(instance: VspInstance) -> list[tuple[int, ...]]:
    """Optimal chains of the depot-free relaxation (cheapest depot at each end).

    Its cost is a lower bound on the multi-depot optimum and its chain count is the
    minimum fleet, so it is a good start for assigning whole chains to depots.
    """
    return chains(
        instance.trip_costs,
        instance.pull_out.min(axis=0),
        instance.pull_in.min(axis=1),
        sum(instance.capacities),
    )
