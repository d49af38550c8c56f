"""Stations along the streets the lines use, the calls lines make at them, and stop poles.

A station is one place on one street (the shared name passengers see); it has a stop
pole for each direction of travel that some line serves, on that direction's kerb (the
right-hand side, traffic in China keeps right). Arc positions `s` are metres along the
station's street.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from busbrain.democity.geo import Point
from busbrain.democity.network import Network
from busbrain.democity.paths import Path
from busbrain.democity.routes import Line

TERMINAL_SETBACK_M = 30.0
"""Terminal stations sit this many metres in from their dead end."""
NODE_CLEARANCE_M = 65.0
"""Stations keep at least this far (metres) from intersections."""
KERB_OFFSET_M = 9.0
"""Poles stand this far (metres) to the side of the road's centre line."""
MAX_STAGGER_M = 6.0
"""The two poles of a station are offset along the road by up to twice this (metres)."""

Call = tuple[int, int]
"""(station index, direction of travel along the station's street: +1 or -1)."""


@dataclass(slots=True)
class Station:
    index: int
    street: int
    edge: int
    s: float
    pos: Point
    terminal: bool
    name: str = ""
    stagger_m: float = 0.0
    kind: str = field(default="pool")
    """How it got its name: "terminal", "landmark", "cross", "near" or "pool"."""


@dataclass(frozen=True, slots=True)
class Pole:
    """A stop pole: `station`'s kerb for travel in direction `sign` along its street."""

    index: int
    station: int
    sign: int
    pos: Point


def spacing_m(pos: Point) -> float:
    """Typical distance in metres between consecutive stations around `pos`."""
    r = math.hypot(*pos)
    if r < 3000:
        return 360.0
    if r < 6000:
        return 430.0
    return 560.0 if r < 8500 else 1100.0


def _runs(net: Network, street: int, used: set[int]) -> list[list[int]]:
    """Maximal sequences of consecutive used edges of a street, in arc order."""
    runs: list[list[int]] = []
    for e in net.street_edges[street]:
        if e not in used:
            continue
        if runs and net.edges[runs[-1][-1]].b == net.edges[e].a:
            runs[-1].append(e)
        else:
            runs.append([e])
    return runs


def _clear_of_nodes(s: float, node_arcs: list[float]) -> float:
    """The first arc position ≥ s that keeps `NODE_CLEARANCE_M` from every node (metres)."""
    for arc in node_arcs:
        if abs(s - arc) < NODE_CLEARANCE_M:
            s = arc + NODE_CLEARANCE_M
    return s


def _place_on_run(net: Network, run: list[int], rng: random.Random) -> list[float]:
    """Arc positions (metres) of the stations along one run of edges."""
    first, last = net.edges[run[0]], net.edges[run[-1]]
    line = net.streets[first.street].line
    nodes = [net.edges[e].s0 for e in run] + [last.s1]
    start_dead = net.nodes[first.a].dead_end
    end_dead = net.nodes[last.b].dead_end
    stop_at = last.s1 - (TERMINAL_SETBACK_M if end_dead else NODE_CLEARANCE_M)
    if start_dead:
        s = first.s0 + TERMINAL_SETBACK_M
    else:
        gap = spacing_m(line.point_at(first.s0)) * rng.uniform(0.3, 0.6)
        s = _clear_of_nodes(first.s0 + gap, nodes)
    arcs: list[float] = []
    while s <= stop_at:
        arcs.append(s)
        s = _clear_of_nodes(s + spacing_m(line.point_at(s)) * rng.uniform(0.85, 1.15), nodes)
    if end_dead:
        terminal = last.s1 - TERMINAL_SETBACK_M
        while arcs and terminal - arcs[-1] < 200:
            arcs.pop()
        arcs.append(terminal)
    return arcs


def place_stations(net: Network, lines: list[Line], rng: random.Random) -> list[Station]:
    """Stations along every street piece some line uses, unnamed yet."""
    used = {e for line in lines for e, _ in line.path}
    stations: list[Station] = []
    for st in net.streets:
        for run in _runs(net, st.index, used):
            for s in _place_on_run(net, run, rng):
                edge = next(e for e in run if net.edges[e].s0 < s < net.edges[e].s1)
                e = net.edges[edge]
                terminal = (net.nodes[e.a].dead_end and s - e.s0 < TERMINAL_SETBACK_M + 1) or (
                    net.nodes[e.b].dead_end and e.s1 - s < TERMINAL_SETBACK_M + 1
                )
                stations.append(
                    Station(
                        len(stations),
                        st.index,
                        edge,
                        s,
                        st.line.point_at(s),
                        terminal,
                        stagger_m=rng.uniform(0.0, MAX_STAGGER_M),
                    )
                )
    return stations


def path_calls(net: Network, path: Path, stations: list[Station]) -> list[Call]:
    """The stations a path passes, in order, with the direction it passes each one."""
    on_edge: dict[int, list[Station]] = {}
    for st in stations:
        on_edge.setdefault(st.edge, []).append(st)
    calls: list[Call] = []
    for e, d in path:
        here = sorted(on_edge.get(e, []), key=lambda st: st.s * d)
        calls.extend((st.index, d) for st in here)
    return calls


def line_calls(net: Network, line: Line, stations: list[Station]) -> tuple[list[Call], list[Call]]:
    """A line's calls in direction 0 and direction 1.

    Loops start and end at their first station; express lines skip every other minor
    station (one not at a terminal, landmark or cross street).
    """
    calls = path_calls(net, line.path, stations)
    if line.kind == "loop":
        back = [(s, -d) for s, d in reversed(calls)]
        return calls + calls[:1], back[-1:] + back
    if line.kind == "express":
        keep, minor = [], 0
        for c in calls:
            major = stations[c[0]].kind in ("terminal", "landmark", "cross")
            minor = 0 if major else minor + 1
            if major or minor % 2 == 1:
                keep.append(c)
        calls = keep
    return calls, [(s, -d) for s, d in reversed(calls)]


def make_poles(net: Network, stations: list[Station], calls: list[list[Call]]) -> dict[Call, Pole]:
    """One pole per (station, direction) some line calls at, on the right-hand kerb."""
    wanted = sorted({c for cs in calls for c in cs})
    poles: dict[Call, Pole] = {}
    for station, sign in wanted:
        st = stations[station]
        line = net.streets[st.street].line
        s = st.s + sign * st.stagger_m
        cx, cy = line.point_at(s)
        tx, ty = line.direction_at(s)
        tx, ty = tx * sign, ty * sign
        pos = (cx + ty * KERB_OFFSET_M, cy - tx * KERB_OFFSET_M)
        poles[(station, sign)] = Pole(len(poles), station, sign, pos)
    return poles
