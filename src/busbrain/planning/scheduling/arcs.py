"""Pick a small set of deadhead arcs to start the LP with.

Optimal schedules mostly use cheap deadheads, so each trip keeps its ``per_trip``
cheapest successors and predecessors; arcs of a known schedule are added so that
schedule stays feasible in the restricted LP. Pricing adds any other arc it needs.
"""

from __future__ import annotations

import numpy as np

from busbrain.planning.scheduling.instance import BoolArray, IntArray, VspInstance
from busbrain.planning.scheduling.solution import VspSolution


def _cheapest_per_group(group: IntArray, costs: IntArray, n: int, keep: int) -> IntArray:
    """Indices of the ``keep`` cheapest entries in each group 0..n-1."""
    order = np.lexsort((costs, group))
    sorted_group = group[order]
    first = np.searchsorted(sorted_group, np.arange(n))
    rank = np.arange(order.size) - first[sorted_group]
    out: IntArray = order[rank < keep]
    return out


def candidate_arcs(
    instance: VspInstance, per_trip: int, schedules: tuple[VspSolution, ...] = ()
) -> BoolArray:
    """Mask over ``instance.arcs()``: cheap arcs around every trip plus the schedules' arcs."""
    tail, head, c = instance.arcs()
    n = instance.n_trips
    mask = np.zeros(tail.size, dtype=bool)
    if tail.size == 0:
        return mask
    mask[_cheapest_per_group(tail, c, n, per_trip)] = True
    mask[_cheapest_per_group(head, c, n, per_trip)] = True
    mask[arc_index(instance, schedules)] = True
    return mask


def arc_index(instance: VspInstance, schedules: tuple[VspSolution, ...]) -> IntArray:
    """Positions in ``instance.arcs()`` of the deadheads the schedules use."""
    tail, head, _ = instance.arcs()
    n = instance.n_trips
    pairs = [
        (a, b)
        for s in schedules
        for blk in s.blocks
        for a, b in zip(blk.trips, blk.trips[1:], strict=False)
    ]
    if not pairs:
        return np.zeros(0, dtype=np.int64)
    arr = np.asarray(pairs, dtype=np.int64)
    keys = tail * n + head  # sorted, since arcs() lists them in row-major order
    want = arr[:, 0] * n + arr[:, 1]
    pos = np.searchsorted(keys, want)
    pos = np.minimum(pos, keys.size - 1)
    found: IntArray = pos[keys[pos] == want]
    return found
