"""Paths through the street graph, as a bus would drive them.

A path is a tuple of (edge, direction) steps. The search is Dijkstra over "arrived at the
end of this edge going this way" states, so turns can cost extra (buses prefer to stay
on one road) and U-turns are forbidden.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from itertools import pairwise

from busbrain.democity.geo import turn_angle
from busbrain.democity.network import Network

Step = tuple[int, int]
"""(edge index, direction +1 or -1)."""
Path = tuple[Step, ...]

TURN_RAD = 0.6
"""A change of heading above this many radians (~35°) counts as a turn."""
MAX_TURN_RAD = 2.5
"""Sharper changes of heading (radians) than this are not driveable."""


def _turn_cost(net: Network, prev: Step, nxt: Step, penalty_m: float) -> float | None:
    """Extra cost (metres) of going from `prev` into `nxt`, or None when not allowed."""
    if prev[0] == nxt[0]:
        return None
    angle = turn_angle(
        net.edges[prev[0]].end_heading(prev[1]), net.edges[nxt[0]].start_heading(nxt[1])
    )
    if angle > MAX_TURN_RAD:
        return None
    return penalty_m if angle > TURN_RAD else 0.0


def shortest_path(
    net: Network, start: int, goal: int, weights: Sequence[float], turn_penalty_m: float
) -> Path | None:
    """Cheapest path from node `start` to node `goal`; cost = Σ weights[edge] + turn penalties."""
    best: dict[Step, float] = {}
    back: dict[Step, Step | None] = {}
    heap: list[tuple[float, Step, Step | None]] = [
        (weights[e], (e, d), None) for e, d in net.out.get(start, ())
    ]
    heapq.heapify(heap)
    while heap:
        cost, step, prev = heapq.heappop(heap)
        if step in best:
            continue
        best[step] = cost
        back[step] = prev
        node = net.edges[step[0]].head_node(step[1])
        if node == goal:
            return _unwind(back, step)
        for nxt in net.out.get(node, ()):
            if nxt in best:
                continue
            extra = _turn_cost(net, step, nxt, turn_penalty_m)
            if extra is not None:
                heapq.heappush(heap, (cost + weights[nxt[0]] + extra, nxt, step))
    return None


def _unwind(back: dict[Step, Step | None], last: Step) -> Path:
    steps: list[Step] = []
    cur: Step | None = last
    while cur is not None:
        steps.append(cur)
        cur = back[cur]
    return tuple(reversed(steps))


def along_street(net: Network, street: int, a: int, b: int) -> Path:
    """The path from node a to node b staying on one street (both must lie on it)."""
    edges = net.street_edges[street]
    order = [net.edges[edges[0]].a, *(net.edges[e].b for e in edges)]
    i, j = order.index(a), order.index(b)
    if i < j:
        return tuple((edges[k], 1) for k in range(i, j))
    return tuple((edges[k], -1) for k in range(i - 1, j - 1, -1))


def path_nodes(net: Network, path: Path) -> list[int]:
    """The nodes a path visits, from its first tail to its last head."""
    first = net.edges[path[0][0]].tail_node(path[0][1])
    return [first, *(net.edges[e].head_node(d) for e, d in path)]


def path_length(net: Network, path: Path) -> float:
    """Length of a path in metres."""
    return sum(net.edges[e].line.length for e, _ in path)


def reverse(path: Path) -> Path:
    """The same streets driven the other way."""
    return tuple((e, -d) for e, d in reversed(path))


def turns(net: Network, path: Path) -> int:
    """How many turns (heading changes above `TURN_RAD`) a path makes."""
    return sum(1 for p, n in pairwise(path) if _turn_cost(net, p, n, 1.0) == 1.0)
