"""The multi-depot solver: optimal on small benchmark and tiny random cases, always valid."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from busbrain.planning.jobs.vsp import read_instance
from busbrain.planning.scheduling.instance import InfeasibleError, VspInstance
from busbrain.planning.scheduling.mdvsp import solve
from busbrain.planning.scheduling.single_depot import min_fleet, solve_single_depot
from busbrain.planning.scheduling.solution import check, cost

from .brute import best_multi_depot
from .randinst import random_instance

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "vsp"


def _best_known() -> dict[str, dict[str, str]]:
    with (DATA / "best_known.csv").open(encoding="utf-8") as fh:
        return {r["instance"]: r for r in csv.DictReader(fh)}


@pytest.mark.parametrize("name", ["n50m2s0", "n100m3s1", "n150m4s0", "n150m4s3"])
def test_small_benchmark_reaches_best_known(name: str) -> None:
    row = _best_known()[name]
    inst = read_instance(DATA / row["file"])
    t0 = time.monotonic()
    sol = solve(inst, 10.0, time.monotonic)
    # it keeps to its budget: the time limit, plus the last step's overrun on a busy machine
    assert time.monotonic() - t0 < 15.0
    assert check(inst, sol) == []
    assert sol.vehicles == int(row["min_fleet_lb"]) == min_fleet(inst)
    assert cost(inst, sol) == int(row["best_known_cost"])
    assert sol.lower_bound is not None and sol.lower_bound <= cost(inst, sol)


@pytest.mark.parametrize("seed", range(8))
def test_tiny_random_is_optimal(seed: int) -> None:
    inst = random_instance(seed, n=5, m=2, capacity=3 - seed % 2, density=0.9)
    want = best_multi_depot(inst)
    sol = solve(inst, 10.0, time.monotonic)
    assert check(inst, sol) == []
    assert cost(inst, sol) == want


@pytest.mark.parametrize("seed", range(3))
def test_one_depot_is_exact(seed: int) -> None:
    inst = random_instance(seed, n=30, m=1)
    sol = solve(inst, 10.0, time.monotonic)
    assert cost(inst, sol) == cost(inst, solve_single_depot(inst))
    assert sol.vehicles == min_fleet(inst)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(0, 40),
    m=st.integers(1, 4),
    density=st.floats(0.2, 1.0),
    spare=st.integers(0, 3),
)
def test_always_valid_at_minimum_fleet(
    seed: int, n: int, m: int, density: float, spare: int
) -> None:
    inst = random_instance(seed, n=n, m=m, capacity=n, density=density)
    fleet = min_fleet(inst)
    # Tight capacities: spread fleet + spare vehicles over the depots.
    caps = [(fleet + spare) // m + (1 if k < (fleet + spare) % m else 0) for k in range(m)]
    inst = VspInstance.from_parts(caps, inst.pull_out, inst.pull_in, inst.trip_costs)
    sol = solve(inst, 5.0, time.monotonic)
    assert check(inst, sol) == []
    assert sol.vehicles == fleet
    if sol.lower_bound is not None:
        assert sol.lower_bound <= cost(inst, sol) + 1e-6


def test_time_limit_zero_still_gives_a_valid_schedule() -> None:
    inst = random_instance(3, n=60, m=3)
    sol = solve(inst, 0.0, time.monotonic)
    assert check(inst, sol) == []
    assert sol.vehicles == min_fleet(inst)


def test_too_few_vehicles_raises_naming_the_numbers() -> None:
    none = np.full((4, 4), -1)  # four trips at the same time: four vehicles needed
    inst = VspInstance.from_parts(
        [1, 2], np.full((2, 4), 5000), np.full((4, 2), 5000), none, "tight.inp"
    )
    with pytest.raises(InfeasibleError) as err:
        solve(inst, 5.0, time.monotonic)
    msg = str(err.value)
    assert "tight.inp" in msg and "3 vehicles in total" in msg and "at least 4" in msg


def test_progress_is_reported() -> None:
    seen: list[str] = []
    inst = random_instance(1, n=40, m=2)
    solve(inst, 5.0, time.monotonic, seen.append)
    assert any("LP bound" in s for s in seen)
    assert any("result" in s for s in seen)
