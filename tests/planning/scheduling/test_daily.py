"""A day's trips into blocks: fewest buses (equal to the deficit-function bound when buses
may not deadhead), then least deadhead and idle; unreachable trips refused."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from busbrain.planning.scheduling.daily import DayTrip, deficit_bound, schedule_day
from busbrain.planning.scheduling.instance import InfeasibleError


def no_deadhead(a: str, b: str) -> float | None:
    return None


def shuttle(n: int, seed: int) -> list[DayTrip]:
    """Random trips back and forth between terminals A and B."""
    rng = random.Random(seed)
    trips = []
    for k in range(n):
        start = rng.uniform(6 * 3600, 20 * 3600)
        a, b = ("A", "B") if rng.random() < 0.5 else ("B", "A")
        trips.append(DayTrip(f"t{k}", a, b, start, start + rng.uniform(1200, 3600)))
    return trips


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 40), st.integers(0, 10_000))
def test_without_deadheads_the_fleet_is_the_deficit_bound(n: int, seed: int) -> None:
    trips = shuttle(n, seed)
    day = schedule_day(trips, deadhead_s=no_deadhead, layover_s=300)
    assert day.fleet == day.deficit_bound == deficit_bound(trips, 300)
    assert day.fleet == day.lower_bound
    assert sorted(t for b in day.blocks for t in b) == sorted(t.trip_id for t in trips)


def brute_fleet(trips: list[DayTrip], layover: float) -> int:
    """Fewest chains by trying every assignment of successors (tiny cases only)."""
    n = len(trips)
    can = {
        (i, j)
        for i, j in itertools.permutations(range(n), 2)
        if trips[i].end_terminal == trips[j].start_terminal
        and trips[i].end_s + layover <= trips[j].start_s
    }
    best = n
    for succ in itertools.product([None, *range(n)], repeat=n):
        used = [s for s in succ if s is not None]
        if len(used) != len(set(used)):
            continue
        if any(s is not None and (i, s) not in can for i, s in enumerate(succ)):
            continue
        best = min(best, n - len(used))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_the_fleet_is_optimal_on_small_days(seed: int) -> None:
    trips = shuttle(6, seed)
    day = schedule_day(trips, deadhead_s=no_deadhead, layover_s=300)
    assert day.fleet == brute_fleet(trips, 300)


def test_a_deadhead_saves_a_bus_when_it_fits() -> None:
    trips = [
        DayTrip("a", "A", "B", 0, 1800),
        DayTrip("b", "C", "A", 2400, 4000),  # starts at C, 10 minutes' drive from B
    ]
    alone = schedule_day(trips, deadhead_s=no_deadhead)
    assert alone.fleet == 2
    linked = schedule_day(trips, deadhead_s=lambda a, b: 300.0, layover_s=120)
    assert linked.fleet == 1 and linked.blocks == [["a", "b"]]
    assert linked.deadhead_s == 300 and linked.idle_s == 2400 - 1800 - 300


def test_among_equal_fleets_the_least_idle_wins() -> None:
    trips = [
        DayTrip("early", "A", "B", 0, 1000),
        DayTrip("late", "A", "B", 100, 1100),
        DayTrip("back1", "B", "A", 1500, 2500),
        DayTrip("back2", "B", "A", 3000, 4000),
    ]
    day = schedule_day(trips, deadhead_s=no_deadhead, layover_s=300)
    assert day.fleet == 2
    assert day.idle_s == (1500 - 1000) + (3000 - 1100)  # not 1500-1100 + 3000-1000: same
    pairs = {tuple(b) for b in day.blocks}
    assert pairs in (
        {("early", "back1"), ("late", "back2")},
        {("early", "back2"), ("late", "back1")},
    )


def test_a_trip_no_bus_can_reach_is_refused() -> None:
    trips = [DayTrip("a", "A", "B", 0, 1800), DayTrip("island", "X", "Y", 0, 600)]
    with pytest.raises(InfeasibleError, match=r"trip island \(X to Y\) cannot be reached"):
        schedule_day(trips, deadhead_s=no_deadhead, depot_s=lambda t: None if t in "XY" else 0.0)
