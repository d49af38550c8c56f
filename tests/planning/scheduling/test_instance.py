"""parse_inp reads the .inp format and names source, what and where for every bad input."""

from __future__ import annotations

import numpy as np
import pytest

from busbrain.planning.scheduling.instance import InstanceError, format_inp, parse_inp

GOLDEN = """2 3 2 1
-1 -1 5010 5020 5030
-1 -1 5040 5050 5060
5001 5002 -1 7 -1
5003 5004 -1 -1 9
5005 5006 -1 -1 -1
"""


def test_golden_parses() -> None:
    inst = parse_inp(GOLDEN, "golden.inp")
    assert inst.capacities == (2, 1)
    assert inst.n_depots == 2
    assert inst.n_trips == 3
    assert inst.pull_out.tolist() == [[5010, 5020, 5030], [5040, 5050, 5060]]
    assert inst.pull_in.tolist() == [[5001, 5002], [5003, 5004], [5005, 5006]]
    assert inst.feasible.tolist() == [[False, True, False], [False, False, True], [False] * 3]
    tails, heads, costs = inst.arcs()
    assert (tails.tolist(), heads.tolist(), costs.tolist()) == ([0, 1], [1, 2], [7, 9])
    assert parse_inp(format_inp(inst)).costs.tolist() == inst.costs.tolist()


def _replace_line(text: str, index: int, new: str) -> str:
    lines = text.splitlines()
    lines[index] = new
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "x.inp: empty file"),
        ("2\n", "x.inp: header needs"),
        ("a 3 2 1\n", "x.inp: header depot count m is 'a', not an integer"),
        ("2 3 2\n", "x.inp: header has 1 depot capacities, expected m = 2"),
        ("0 3\n", "x.inp: header says 0 depots"),
        (_replace_line(GOLDEN, 0, "2 3 2 -1"), "x.inp: capacity of depot 1 is -1"),
        (_replace_line(GOLDEN, 0, "2 3 2 x"), "x.inp: capacity of depot 1 is 'x'"),
        (GOLDEN.rsplit("\n", 2)[0] + "\n", "x.inp: 4 matrix rows, expected m + n = 5"),
        (
            _replace_line(GOLDEN, 2, "-1 -1 5040 5050"),
            "x.inp: row 2 has 4 values, expected 5",
        ),
        (
            _replace_line(GOLDEN, 3, "5001 5002 -1 7.5 -1"),
            "x.inp: row 3 column 4 is '7.5', not an integer",
        ),
        (
            _replace_line(GOLDEN, 1, "-1 3 5010 5020 5030"),
            "x.inp: row 1 column 2 (depot 0 -> depot 1) is 3, expected -1",
        ),
        (
            _replace_line(GOLDEN, 3, "5001 5002 0 7 -1"),
            "x.inp: row 3 column 3 (node to itself) is 0, expected -1",
        ),
        (
            _replace_line(GOLDEN, 2, "-1 -1 5040 -1 5060"),
            "x.inp: row 2 column 4 (pull-out depot -> trip arc) is -1",
        ),
        (
            _replace_line(GOLDEN, 4, "5003 -1 -1 -1 9"),
            "x.inp: row 4 column 2 (pull-in arc) is -1",
        ),
        (
            _replace_line(GOLDEN, 4, "5003 5004 -1 -1 -7"),
            "x.inp: row 4 column 5 is -7, costs must be >= -1",
        ),
    ],
)
def test_errors_name_source_and_place(text: str, message: str) -> None:
    with pytest.raises(InstanceError) as err:
        parse_inp(text, "x.inp")
    assert str(err.value).startswith(message), str(err.value)
    assert isinstance(err.value, ValueError)


def test_costs_are_read_only() -> None:
    inst = parse_inp(GOLDEN)
    with pytest.raises(ValueError):
        inst.costs[0, 0] = 3
    assert inst.costs.dtype == np.int64
