"""Brute-force optima for tiny instances (the reference the solvers are tested against)."""

from __future__ import annotations

import itertools

import numpy as np

from busbrain.planning.scheduling.instance import VspInstance


def best_chains(
    tt: np.ndarray, pull_out: np.ndarray, pull_in: np.ndarray, capacity: int
) -> tuple[float, int]:
    """(min cost, vehicles) over every way to chain the trips, by enumerating successors."""
    n = tt.shape[0]
    best = (float("inf"), -1)
    succ = [-1] * n
    taken = [False] * n

    def has_cycle() -> bool:
        for s in range(n):
            seen, t = 0, s
            while t >= 0:
                t = succ[t]
                seen += 1
                if seen > n:
                    return True
        return False

    def rec(i: int) -> None:
        nonlocal best
        if i == n:
            if has_cycle():
                return
            starts = [j for j in range(n) if not taken[j]]
            if len(starts) > capacity:
                return
            c = sum(int(pull_out[j]) for j in starts)
            c += sum(int(pull_in[j]) for j in range(n) if succ[j] < 0)
            c += sum(int(tt[j, succ[j]]) for j in range(n) if succ[j] >= 0)
            if c < best[0]:
                best = (c, len(starts))
            return
        succ[i] = -1
        rec(i + 1)
        for j in range(n):
            if tt[i, j] >= 0 and not taken[j]:
                succ[i], taken[j] = j, True
                rec(i + 1)
                succ[i], taken[j] = -1, False

    rec(0)
    return best


def best_multi_depot(instance: VspInstance) -> float:
    """Optimal MDVSP cost: every trip -> depot map, each depot chained by brute force."""
    n, m = instance.n_trips, instance.n_depots
    best = float("inf")
    for assign in itertools.product(range(m), repeat=n):
        total = 0.0
        for k in range(m):
            ids = [t for t in range(n) if assign[t] == k]
            if not ids:
                continue
            c, _ = best_chains(
                instance.trip_costs[np.ix_(ids, ids)],
                instance.pull_out[k, ids],
                instance.pull_in[ids, k],
                instance.capacities[k],
            )
            total += c
            if total >= best:
                break
        best = min(best, total)
    return best
