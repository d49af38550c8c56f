"""Vehicle scheduling: chain trips into blocks with the fewest vehicles, then least cost."""

from busbrain.planning.scheduling.instance import (
    InfeasibleError,
    InstanceError,
    VspInstance,
    parse_inp,
)
from busbrain.planning.scheduling.mdvsp import solve
from busbrain.planning.scheduling.single_depot import min_fleet, solve_single_depot
from busbrain.planning.scheduling.solution import Block, VspSolution, check, cost

__all__ = [
    "Block",
    "InfeasibleError",
    "InstanceError",
    "VspInstance",
    "VspSolution",
    "check",
    "cost",
    "min_fleet",
    "parse_inp",
    "solve",
    "solve_single_depot",
]
