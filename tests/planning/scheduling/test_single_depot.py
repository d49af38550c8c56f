"""The single-depot solver is exact (checked by brute force) and reaches the minimum fleet."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from busbrain.planning.scheduling.instance import InfeasibleError, VspInstance
from busbrain.planning.scheduling.single_depot import chains, min_fleet, solve_single_depot
from busbrain.planning.scheduling.solution import check, cost

from .brute import best_chains
from .randinst import random_instance


@pytest.mark.parametrize("seed", range(12))
def test_matches_brute_force(seed: int) -> None:
    inst = random_instance(seed, n=6 + seed % 2, m=1, density=0.8)
    sol = solve_single_depot(inst)
    assert check(inst, sol) == []
    want, vehicles = best_chains(
        inst.trip_costs, inst.pull_out[0], inst.pull_in[:, 0], inst.n_trips
    )
    assert cost(inst, sol) == want
    assert sol.vehicles == vehicles


@pytest.mark.parametrize("seed", range(6))
def test_capacity_is_respected_exactly(seed: int) -> None:
    """With cheap depot arcs more vehicles pay off; the capacity must cap them."""
    base = random_instance(seed, n=7, m=1)
    fleet = min_fleet(base)
    tt = base.trip_costs.copy()
    tt[tt >= 0] += 20_000  # linking trips now costs more than a new vehicle
    for cap in range(fleet, 8):
        want, vehicles = best_chains(tt, base.pull_out[0], base.pull_in[:, 0], cap)
        found = chains(tt, base.pull_out[0], base.pull_in[:, 0], cap)
        assert len(found) == vehicles <= cap
        got = sum(int(base.pull_out[0, c[0]]) + int(base.pull_in[c[-1], 0]) for c in found)
        got += sum(int(tt[a, b]) for c in found for a, b in itertools.pairwise(c))
        assert got == want


@pytest.mark.parametrize("seed", range(10))
def test_fleet_equals_path_cover_bound(seed: int) -> None:
    """With the fixed cost dominating, the exact fleet is the minimum path cover."""
    inst = random_instance(seed, n=40, m=1)
    sol = solve_single_depot(inst)
    assert check(inst, sol) == []
    assert sol.vehicles == min_fleet(inst)


def test_min_fleet_small_cases() -> None:
    # Three trips that cannot follow one another need three vehicles; a chain needs one.
    none = np.full((3, 3), -1)
    chain = np.array([[-1, 1, 1], [-1, -1, 1], [-1, -1, -1]])
    out, inn = np.full((1, 3), 5000), np.full((3, 1), 5000)
    assert min_fleet(VspInstance.from_parts([3], out, inn, none)) == 3
    assert min_fleet(VspInstance.from_parts([3], out, inn, chain)) == 1


def test_capacity_below_fleet_raises() -> None:
    none = np.full((3, 3), -1)
    inst = VspInstance.from_parts([2], np.full((1, 3), 5000), np.full((3, 1), 5000), none, "t")
    with pytest.raises(InfeasibleError, match="capacity 2 is below the minimum fleet 3"):
        solve_single_depot(inst)
