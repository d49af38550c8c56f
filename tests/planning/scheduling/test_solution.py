"""check() lists every kind of violation; cost() sums the arcs."""

from __future__ import annotations

from busbrain.planning.scheduling.instance import parse_inp
from busbrain.planning.scheduling.solution import Block, VspSolution, check, cost

from .test_instance import GOLDEN

INST = parse_inp(GOLDEN, "golden.inp")


def test_valid_schedule_and_its_cost() -> None:
    sol = VspSolution((Block(0, (0, 1, 2)),))
    assert check(INST, sol) == []
    assert cost(INST, sol) == 5010 + 7 + 9 + 5005
    two = VspSolution((Block(0, (0,)), Block(1, (1, 2))))
    assert check(INST, two) == []
    assert cost(INST, two) == 5010 + 5001 + 5050 + 9 + 5006


def test_missing_trip() -> None:
    assert check(INST, VspSolution((Block(0, (0, 1)),))) == ["trips not covered: [2]"]


def test_repeated_trip() -> None:
    sol = VspSolution((Block(0, (0, 1, 2)), Block(0, (2,))))
    assert check(INST, sol) == ["trips covered more than once: [2]"]


def test_infeasible_arc() -> None:
    sol = VspSolution((Block(0, (0, 2)), Block(1, (1,))))
    assert check(INST, sol) == ["block 0: trip 2 cannot follow trip 0"]


def test_depot_over_capacity() -> None:
    sol = VspSolution((Block(1, (0,)), Block(1, (1, 2))))
    assert check(INST, sol) == ["depot 1: 2 vehicles, capacity 1"]


def test_bad_depot_empty_block_and_unknown_trip() -> None:
    sol = VspSolution((Block(5, (0,)), Block(0, ()), Block(0, (1, 2, 9))))
    problems = check(INST, sol)
    assert "block 0: depot 5 does not exist (0..1)" in problems
    assert "block 1: no trips" in problems
    assert "block 2: trips [9] do not exist (0..2)" in problems
    assert "trips not covered: [0, 1, 2]" in problems


def test_several_violations_all_listed() -> None:
    sol = VspSolution((Block(1, (0, 2)), Block(1, (0,))))
    problems = check(INST, sol)
    assert len(problems) == 4, problems
