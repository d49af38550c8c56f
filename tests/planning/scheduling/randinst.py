"""Small random instances in the Pepin style: trips in time, fixed cost split on depot arcs."""

from __future__ import annotations

import numpy as np

from busbrain.planning.scheduling.instance import VspInstance


def random_instance(
    seed: int, n: int, m: int, capacity: int | None = None, density: float = 1.0
) -> VspInstance:
    """n trips with random times on a line of places; j may follow i if it can get there.

    Pull-out/in cost 5000 + distance, deadhead cost = distance + waiting, so the fixed
    cost dominates like in the benchmark sets. ``density`` < 1 drops some arcs at random.
    """
    rng = np.random.default_rng(seed)
    start = rng.integers(0, 600, size=n)
    dur = rng.integers(20, 120, size=n)
    end = start + dur
    a_loc = rng.integers(0, 50, size=n)
    b_loc = rng.integers(0, 50, size=n)
    d_loc = rng.integers(0, 50, size=m)
    tt = np.full((n, n), -1, dtype=np.int64)
    for i in range(n):
        for j in range(n):
            travel = abs(int(b_loc[i]) - int(a_loc[j]))
            if i != j and end[i] + travel <= start[j] and rng.random() < density:
                tt[i, j] = 5 * travel + (int(start[j]) - int(end[i]) - travel)
    pull_out = 5000 + 5 * np.abs(d_loc[:, None] - a_loc[None, :])
    pull_in = 5000 + 5 * np.abs(b_loc[:, None] - d_loc[None, :])
    caps = [capacity if capacity is not None else n] * m
    return VspInstance.from_parts(caps, pull_out, pull_in, tt, source=f"random-{seed}")
