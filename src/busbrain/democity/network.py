"""The street graph: intersections as nodes, street pieces between them as edges.

Edges are two-way; an edge runs from node `a` at street arc position `s0` to node `b` at
`s1` (s0 < s1, metres along its street). Travelling an edge "forwards" (+1) goes a→b,
"backwards" (-1) goes b→a.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise

from busbrain.democity.geo import Point, Polyline, dedupe, dist, heading
from busbrain.democity.streets import Street

MERGE_RADIUS_M = 35.0
"""Crossings closer than this (metres) are one intersection."""
STUB_M = 100.0
"""A street piece shorter than this (metres) beyond its last crossing is dropped."""
_CELL_M = 300.0

Crossing = tuple[Point, int, float, int, float]
"""(point, street i, arc on i, street j, arc on j); arcs in metres."""


@dataclass(frozen=True, slots=True)
class Node:
    index: int
    pos: Point
    streets: tuple[int, ...]
    dead_end: bool


@dataclass(frozen=True, slots=True)
class Edge:
    index: int
    street: int
    a: int
    b: int
    s0: float
    s1: float
    line: Polyline

    def points(self, direction: int) -> tuple[Point, ...]:
        """The edge's points in travel order for direction +1 (a→b) or -1 (b→a)."""
        return self.line.points if direction > 0 else self.line.points[::-1]

    def head_node(self, direction: int) -> int:
        return self.b if direction > 0 else self.a

    def tail_node(self, direction: int) -> int:
        return self.a if direction > 0 else self.b

    def start_heading(self, direction: int) -> float:
        """Heading (radians) when leaving the tail node."""
        p = self.points(direction)
        return heading(p[0], p[1])

    def end_heading(self, direction: int) -> float:
        """Heading (radians) when reaching the head node."""
        p = self.points(direction)
        return heading(p[-2], p[-1])


@dataclass(frozen=True, slots=True)
class Network:
    streets: tuple[Street, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    out: dict[int, tuple[tuple[int, int], ...]]
    """node -> (edge, direction) pairs leaving it."""
    street_edges: dict[int, tuple[int, ...]]
    """street -> its edges in arc order."""


def _segment_cross(a: Point, b: Point, c: Point, d: Point) -> tuple[float, float] | None:
    """Fractions (t, u) along a→b and c→d where they cross, or None."""
    rx, ry = b[0] - a[0], b[1] - a[1]
    sx, sy = d[0] - c[0], d[1] - c[1]
    den = rx * sy - ry * sx
    if abs(den) < 1e-9:
        return None
    qx, qy = c[0] - a[0], c[1] - a[1]
    t = (qx * sy - qy * sx) / den
    u = (qx * ry - qy * rx) / den
    return (t, u) if 0 <= t <= 1 and 0 <= u <= 1 else None


def _cells(a: Point, b: Point) -> list[tuple[int, int]]:
    x0, x1 = sorted((a[0], b[0]))
    y0, y1 = sorted((a[1], b[1]))
    return [
        (i, j)
        for i in range(int(x0 // _CELL_M), int(x1 // _CELL_M) + 1)
        for j in range(int(y0 // _CELL_M), int(y1 // _CELL_M) + 1)
    ]


def find_crossings(streets: tuple[Street, ...]) -> list[Crossing]:
    """Every point where two different streets cross, in a deterministic order."""
    grid: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for st in streets:
        pts = st.line.points
        for k in range(len(pts) - 1):
            for cell in _cells(pts[k], pts[k + 1]):
                grid[cell].append((st.index, k))
    seen: set[tuple[int, int, int, int]] = set()
    out: list[Crossing] = []
    for key in sorted(grid):
        items = grid[key]
        for n, (i, k) in enumerate(items):
            for j, m in items[n + 1 :]:
                if i == j or (i, k, j, m) in seen:
                    continue
                seen.add((i, k, j, m))
                li, lj = streets[i].line, streets[j].line
                hit = _segment_cross(li.points[k], li.points[k + 1], lj.points[m], lj.points[m + 1])
                if hit is None:
                    continue
                t, u = hit
                si = li.cum[k] + t * (li.cum[k + 1] - li.cum[k])
                sj = lj.cum[m] + u * (lj.cum[m + 1] - lj.cum[m])
                out.append((li.point_at(si), i, si, j, sj))
    out.sort(key=lambda c: (c[1], c[2], c[3]))
    return out


def _cluster(crossings: list[Crossing]) -> tuple[list[Point], list[int]]:
    """Representative points of crossings merged within `MERGE_RADIUS_M`, and each one's id."""
    reps: list[Point] = []
    ids: list[int] = []
    for p, *_ in crossings:
        near = [n for n, r in enumerate(reps) if dist(p, r) < MERGE_RADIUS_M]
        if near:
            ids.append(near[0])
        else:
            ids.append(len(reps))
            reps.append(p)
    return reps, ids


def build_network(streets: tuple[Street, ...]) -> Network:
    """The street graph: crossings become nodes, far street ends become dead-end nodes."""
    crossings = find_crossings(streets)
    reps, ids = _cluster(crossings)
    on_street: dict[int, dict[int, float]] = defaultdict(dict)
    for (_, i, si, j, sj), node in zip(crossings, ids, strict=True):
        on_street[i].setdefault(node, si)
        on_street[j].setdefault(node, sj)
    positions = list(reps)
    dead: set[int] = set()
    stops: dict[int, list[tuple[float, int]]] = {}
    for st in streets:
        arcs = sorted((s, n) for n, s in on_street[st.index].items())
        if not arcs or arcs[0][0] >= STUB_M:
            arcs.insert(0, (0.0, len(positions)))
            dead.add(len(positions))
            positions.append(st.line.points[0])
        if arcs[-1][0] <= st.line.length - STUB_M:
            arcs.append((st.line.length, len(positions)))
            dead.add(len(positions))
            positions.append(st.line.points[-1])
        stops[st.index] = arcs
    return _assemble(streets, positions, dead, stops)


def _assemble(
    streets: tuple[Street, ...],
    positions: list[Point],
    dead: set[int],
    stops: dict[int, list[tuple[float, int]]],
) -> Network:
    node_streets: dict[int, list[int]] = defaultdict(list)
    edges: list[Edge] = []
    street_edges: dict[int, tuple[int, ...]] = {}
    for st in streets:
        mine = []
        for (s0, a), (s1, b) in pairwise(stops[st.index]):
            pts = st.line.between(s0, s1)
            pts = dedupe([positions[a], *pts[1:-1], positions[b]], 2.0)
            mine.append(len(edges))
            edges.append(Edge(len(edges), st.index, a, b, s0, s1, Polyline.of(pts)))
        street_edges[st.index] = tuple(mine)
        for _, n in stops[st.index]:
            if st.index not in node_streets[n]:
                node_streets[n].append(st.index)
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for e in edges:
        out[e.a].append((e.index, 1))
        out[e.b].append((e.index, -1))
    nodes = tuple(Node(n, p, tuple(node_streets[n]), n in dead) for n, p in enumerate(positions))
    return Network(
        streets, nodes, tuple(edges), {n: tuple(v) for n, v in sorted(out.items())}, street_edges
    )
