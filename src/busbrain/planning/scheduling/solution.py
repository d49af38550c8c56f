"""Vehicle blocks, their cost and a checker that lists every rule a schedule breaks.

A block is one vehicle's day: pull out of a depot, run its trips in order, pull back
in to the same depot. Trips are numbered 0..n-1 (cost-matrix index minus m).
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass

from busbrain.planning.scheduling.instance import FORBIDDEN, VspInstance


@dataclass(frozen=True)
class Block:
    """One vehicle: its depot and the trips it runs, in order."""

    depot: int
    trips: tuple[int, ...]


@dataclass(frozen=True)
class VspSolution:
    """A schedule: one block per vehicle used, plus an optional lower bound.

    ``lower_bound`` is a proven lower bound on the optimal cost (same units as the
    costs, e.g. an LP value) when the solver has one, else None.
    """

    blocks: tuple[Block, ...]
    lower_bound: float | None = None

    @property
    def vehicles(self) -> int:
        """Number of vehicles (blocks)."""
        return len(self.blocks)

    def depot_of(self) -> dict[int, int]:
        """Trip -> depot of the block that runs it."""
        return {t: b.depot for b in self.blocks for t in b.trips}


def block_cost(instance: VspInstance, block: Block) -> int:
    """Cost of one block: pull-out + deadheads + pull-in (no check of feasibility)."""
    m = instance.n_depots
    nodes = [block.depot, *(m + t for t in block.trips), block.depot]
    c = instance.costs
    return int(sum(int(c[a, b]) for a, b in itertools.pairwise(nodes)))


def cost(instance: VspInstance, solution: VspSolution) -> int:
    """Total cost of the schedule (sum of arc costs, fixed costs included)."""
    return sum(block_cost(instance, b) for b in solution.blocks)


def check(instance: VspInstance, solution: VspSolution) -> list[str]:
    """Every violation in the schedule, one message each; empty when it is valid.

    Checked: depot index valid, block not empty, trip index valid, every arc allowed,
    every trip run exactly once, no depot sending out more vehicles than it holds.
    """
    m, n = instance.n_depots, instance.n_trips
    problems: list[str] = []
    seen: Counter[int] = Counter()
    per_depot: Counter[int] = Counter()
    for b, block in enumerate(solution.blocks):
        if not 0 <= block.depot < m:
            problems.append(f"block {b}: depot {block.depot} does not exist (0..{m - 1})")
            continue
        per_depot[block.depot] += 1
        if not block.trips:
            problems.append(f"block {b}: no trips")
            continue
        bad = [t for t in block.trips if not 0 <= t < n]
        if bad:
            problems.append(f"block {b}: trips {bad} do not exist (0..{n - 1})")
            continue
        seen.update(block.trips)
        for i, j in zip(block.trips, block.trips[1:], strict=False):
            if instance.costs[m + i, m + j] == FORBIDDEN:
                problems.append(f"block {b}: trip {j} cannot follow trip {i}")
    missing = [t for t in range(n) if seen[t] == 0]
    if missing:
        problems.append(f"trips not covered: {missing}")
    repeated = sorted(t for t, c in seen.items() if c > 1)
    if repeated:
        problems.append(f"trips covered more than once: {repeated}")
    for k in range(m):
        if per_depot[k] > instance.capacities[k]:
            problems.append(
                f"depot {k}: {per_depot[k]} vehicles, capacity {instance.capacities[k]}"
            )
    return problems
