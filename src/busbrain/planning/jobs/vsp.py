"""Read a vehicle-scheduling instance file, solve it, and check the answer.

This is the I/O shell around the pure solver in :mod:`busbrain.planning.scheduling`:
it reads `.inp`, `.inp.gz` or a `.zip` holding exactly one `.inp`, and measures the
wall-clock time limit with :func:`time.monotonic`.
"""

from __future__ import annotations

import gzip
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from busbrain.planning.scheduling.instance import InstanceError, VspInstance, parse_inp
from busbrain.planning.scheduling.mdvsp import solve
from busbrain.planning.scheduling.solution import check, cost


class SolutionCheckError(RuntimeError):
    """The solver returned a schedule that breaks the rules (a bug, never expected)."""


def read_instance(path: Path) -> VspInstance:
    """Parse an instance from `.inp`, `.inp.gz` or a `.zip` with one `.inp` inside."""
    name = path.name
    if name.endswith(".zip"):
        with zipfile.ZipFile(path) as zf:
            inner = [i for i in zf.namelist() if i.endswith(".inp") and not i.endswith("/")]
            if len(inner) != 1:
                found = ", ".join(inner) if inner else "none"
                raise InstanceError(f"{name}: expected exactly one .inp inside, found {found}")
            text = zf.read(inner[0]).decode("utf-8")
            return parse_inp(text, f"{name}:{inner[0]}")
    if name.endswith(".gz"):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return parse_inp(fh.read(), name)
    return parse_inp(path.read_text(encoding="utf-8"), name)


def solve_file(
    path: Path, time_limit_s: float, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Solve the instance in ``path``; vehicles, cost (instance units) and wall seconds.

    Also reports the trip count, depot count and the LP lower bound when one was found.
    Raises :class:`SolutionCheckError` if the schedule fails :func:`check`.
    """
    instance = read_instance(path)
    t0 = time.monotonic()
    solution = solve(instance, time_limit_s, time.monotonic, progress)
    seconds = time.monotonic() - t0
    problems = check(instance, solution)
    if problems:
        shown = "; ".join(problems[:5])
        raise SolutionCheckError(
            f"{path.name}: the solver's schedule has {len(problems)} problems: {shown}"
        )
    return {
        "vehicles": solution.vehicles,
        "cost": cost(instance, solution),
        "seconds": round(seconds, 3),
        "trips": instance.n_trips,
        "depots": instance.n_depots,
        "lower_bound": solution.lower_bound,
    }
