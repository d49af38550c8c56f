"""Laying out bus lines over the street graph.

Most lines join two terminals (dead ends of the network: railway stations, universities,
the port, outlying neighbourhoods) along a cheap path, with per-line random edge costs
so that lines spread over the city instead of all sharing one shortest path. A couple of
loop lines (环线) go round a rectangle of arterial roads.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from itertools import combinations

from busbrain.democity.geo import dist
from busbrain.democity.names import LOOP_NAMES, TERMINALS, Place
from busbrain.democity.network import Network
from busbrain.democity.paths import Path, along_street, path_length, path_nodes, shortest_path

MIN_PAIR_DISTANCE_M = 3500.0
"""Terminals closer than this (metres, straight line) are not joined by a line."""
MAX_LINE_M = 15_000.0
"""Longest acceptable line, metres (express lines to the port excepted)."""
MAX_EXPRESS_M = 30_000.0
"""Longest acceptable express line, metres."""
MAX_OVERLAP = 0.7
"""A new line may share at most this fraction of its length with any existing line."""
MUST_PAIRS = (
    ("锦州站", "锦州港"),
    ("汽车站", "北普陀山"),
    ("锦州站", "锦州南站"),
    ("锦州站", "渤海大学"),
)
"""Terminal pairs every demo city connects."""
LOOP_RECTANGLES = (
    ("北京路", "上海路", "士英街", "康宁街"),
    ("中山路", "南京路", "士英街", "康宁街"),
    ("北京路", "延安路", "人民街", "凌安街"),
    ("重庆路", "上海路", "锦义街", "云飞街"),
    ("解放路", "洛阳路", "士英街", "凌安街"),
)
"""Candidate loops: (north road, south road, west street, east street)."""


@dataclass(frozen=True, slots=True)
class Line:
    """A laid-out line: its path in direction 0 and what kind of service it is.

    `kind` is "regular", "express" (K, skips minor stops), "tourist" (Y) or "loop".
    `origin`/`destination` are terminal names ("" for loops, named after their stations).
    """

    kind: str
    path: Path
    origin: str
    destination: str
    loop_name: str = ""


def terminal_places(net: Network) -> dict[int, Place]:
    """Each dead-end node's terminal (the nearest entry of `TERMINALS`)."""
    out: dict[int, Place] = {}
    for node in net.nodes:
        if node.dead_end:
            out[node.index] = min(TERMINALS, key=lambda p: dist(p.pos, node.pos))
    return out


def _overlap(net: Network, a: Path, b: Path) -> float:
    """Fraction of path a's length on edges that path b also uses."""
    used = {e for e, _ in b}
    shared = sum(net.edges[e].line.length for e, _ in a if e in used)
    return shared / path_length(net, a)


def _acceptable(net: Network, path: Path | None, lines: list[Line], longest: float) -> bool:
    if path is None:
        return False
    nodes = path_nodes(net, path)
    if len(set(nodes)) != len(nodes) or path_length(net, path) > longest:
        return False
    return all(_overlap(net, path, line.path) <= MAX_OVERLAP for line in lines)


def _try_pair(
    net: Network,
    a: int,
    b: int,
    lines: list[Line],
    covered: Counter[int],
    rng: random.Random,
    longest: float,
) -> Path | None:
    """A path from a to b that is different enough from `lines`, or None after a few tries."""
    for _ in range(4):
        weights = [
            e.line.length * rng.uniform(0.85, 1.45) * (0.75 if covered[e.index] == 0 else 1.0)
            for e in net.edges
        ]
        path = shortest_path(net, a, b, weights, rng.uniform(250.0, 700.0))
        if _acceptable(net, path, lines, longest):
            return path
    return None


def _pair_order(terminals: dict[int, Place], rng: random.Random) -> list[tuple[int, int]]:
    """Terminal pairs in the order they are tried: the must-pairs, then a weighted shuffle."""
    by_name = {p.name: n for n, p in terminals.items()}
    must = [(by_name[a], by_name[b]) for a, b in MUST_PAIRS]
    rest = [
        (a, b)
        for a, b in combinations(sorted(terminals), 2)
        if dist(terminals[a].pos, terminals[b].pos) >= MIN_PAIR_DISTANCE_M
        and (a, b) not in must
        and (b, a) not in must
    ]
    # Efraimidis–Spirakis weighted shuffle: heavier pairs tend to come first.
    keyed = [
        (rng.random() ** (1.0 / (terminals[a].weight * terminals[b].weight)), (a, b))
        for a, b in rest
    ]
    keyed.sort(key=lambda kv: -kv[0])
    return must + [pair for _, pair in keyed]


def _orient(a: int, b: int, terminals: dict[int, Place], rng: random.Random) -> tuple[int, int]:
    """(origin, destination): the busier terminal first, mostly."""
    if terminals[a].weight == terminals[b].weight or rng.random() < 0.2:
        return (a, b) if rng.random() < 0.5 else (b, a)
    return (a, b) if terminals[a].weight > terminals[b].weight else (b, a)


def _kind(origin: str, destination: str) -> str:
    ends = {origin, destination}
    if "锦州港" in ends:
        return "express"
    return "tourist" if "北普陀山" in ends else "regular"


def _cap(terminal: Place) -> int:
    """How many lines may end at a terminal: many at railway stations, few at the port."""
    return 2 if terminal.weight <= 1.0 else 3 + round(2 * terminal.weight)


def terminal_lines(net: Network, rng: random.Random, target: int) -> list[Line]:
    """Up to `target` lines between terminals."""
    terminals = terminal_places(net)
    lines: list[Line] = []
    covered: Counter[int] = Counter()
    per_terminal: Counter[int] = Counter()
    for a, b in _pair_order(terminals, rng):
        if len(lines) >= target:
            break
        if per_terminal[a] >= _cap(terminals[a]) or per_terminal[b] >= _cap(terminals[b]):
            continue
        origin, destination = _orient(a, b, terminals, rng)
        o, d = terminals[origin].name, terminals[destination].name
        kind = _kind(o, d)
        longest = MAX_EXPRESS_M if kind == "express" else MAX_LINE_M
        path = _try_pair(net, origin, destination, lines, covered, rng, longest)
        if path is None:
            continue
        lines.append(Line(kind, path, o, d))
        covered.update(e for e, _ in path)
        per_terminal.update((a, b))
    return lines


def loop_lines(net: Network, rng: random.Random, count: int) -> list[Line]:
    """`count` loop lines round rectangles of arterial roads, clockwise in direction 0."""
    index = {st.name: st.index for st in net.streets}

    def corner(s1: str, s2: str) -> int:
        i, j = index[s1], index[s2]
        return next(n.index for n in net.nodes if i in n.streets and j in n.streets)

    out = []
    for k, (north, south, west, east) in enumerate(rng.sample(LOOP_RECTANGLES, count)):
        nw, ne = corner(north, west), corner(north, east)
        se, sw = corner(south, east), corner(south, west)
        path = (
            along_street(net, index[north], nw, ne)
            + along_street(net, index[east], ne, se)
            + along_street(net, index[south], se, sw)
            + along_street(net, index[west], sw, nw)
        )
        out.append(Line("loop", path, "", "", LOOP_NAMES[k]))
    return out


def lay_out_lines(net: Network, rng: random.Random) -> list[Line]:
    """All lines of the demo city: 41–47 terminal-to-terminal lines and two loops."""
    lines = terminal_lines(net, rng, rng.randint(41, 47))
    return lines + loop_lines(net, rng, 2)
