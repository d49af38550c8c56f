"""Naming stations the way Chinese bus stops are named.

In order of preference: the terminal's name at a dead end; a landmark nearby (古塔公园,
百货大楼); the cross street at an intersection (on 解放路 at 士英街 the stop is "士英街",
then "士英街口", then "解放路士英街"); the side of a nearby intersection ("解放路北");
otherwise a neighbourhood, institution or, out of town, a village name. Every station
name is unique.
"""

from __future__ import annotations

import math
import random

from busbrain.democity.geo import dist
from busbrain.democity.names import (
    INSTITUTIONS,
    LANDMARKS,
    NEIGHBOURHOOD_STEMS,
    NEIGHBOURHOOD_SUFFIXES,
    OUTER_NAMES,
)
from busbrain.democity.network import Network
from busbrain.democity.routes import terminal_places
from busbrain.democity.stations import Station

LANDMARK_RADIUS_M = 350.0
"""A landmark names the nearest unnamed station within this many metres."""
CROSS_RADIUS_M = 160.0
"""Within this many metres of an intersection a station takes the cross street's name."""
NEAR_RADIUS_M = 340.0
"""Within this many metres a station is named after the side of the intersection."""
OUTER_RADIUS_M = 7500.0
"""Beyond this distance (metres) from the centre, stations get village names."""


def _pool(rng: random.Random) -> list[str]:
    """Shuffled neighbourhood and institution names for stations with nothing better."""
    first = [f"{stem}{rng.choice(NEIGHBOURHOOD_SUFFIXES)}" for stem in NEIGHBOURHOOD_STEMS]
    first += INSTITUTIONS
    rest = [f"{a}{b}" for a in NEIGHBOURHOOD_STEMS for b in NEIGHBOURHOOD_SUFFIXES]
    rest = [n for n in rest if n not in first]
    rng.shuffle(first)
    rng.shuffle(rest)
    return rest + first  # popped from the end: the first list goes first


def _side(dx: float, dy: float) -> str:
    """The compass side (北/南/东/西) of an offset (metres)."""
    if abs(dx) > abs(dy):
        return "东" if dx > 0 else "西"
    return "北" if dy > 0 else "南"


def _cross_streets(net: Network, station: Station) -> tuple[str, float, str, str] | None:
    """(cross street, distance in metres, own street, side) of the station's nearest crossing."""
    own = net.streets[station.street].name
    edge = net.edges[station.edge]
    best = None
    for node_id, arc in ((edge.a, edge.s0), (edge.b, edge.s1)):
        node = net.nodes[node_id]
        others = [
            net.streets[i].name
            for i in node.streets
            if i != station.street and net.streets[i].name[:2] != own[:2]
        ]
        if others and (best is None or abs(station.s - arc) < best[1]):
            side = _side(station.pos[0] - node.pos[0], station.pos[1] - node.pos[1])
            best = (others[0], abs(station.s - arc), own, side)
    return best


def _candidates(net: Network, station: Station, rng: random.Random) -> tuple[str, list[str]]:
    """(kind, names to try in order) for a station with no terminal or landmark name."""
    cross = _cross_streets(net, station)
    if cross is None:
        return "pool", []
    other, gap, own, side = cross
    if gap <= CROSS_RADIUS_M:
        return "cross", [other, f"{other}口", f"{own}{other}"]
    if gap <= NEAR_RADIUS_M:
        return "near", [f"{other}{side}"]
    if rng.random() < 0.12:
        return "pool", [f"{own}{rng.choice(('小区', '市场', '中段'))}"]
    return "pool", []


def name_stations(net: Network, stations: list[Station], rng: random.Random) -> None:
    """Give every station a unique Chinese name (in place) and record how it got it."""
    used: set[str] = set()
    terminals = terminal_places(net)
    for st in stations:
        if st.terminal:
            edge = net.edges[st.edge]
            node = edge.a if st.s - edge.s0 < edge.s1 - st.s else edge.b
            st.name, st.kind = terminals[node].name, "terminal"
            used.add(st.name)
    for place in LANDMARKS:
        free = [st for st in stations if not st.name]
        near = min(free, key=lambda st: dist(st.pos, place.pos))
        if dist(near.pos, place.pos) <= LANDMARK_RADIUS_M and place.name not in used:
            near.name, near.kind = place.name, "landmark"
            used.add(place.name)
    pool, outer = _pool(rng), list(OUTER_NAMES)
    rng.shuffle(outer)
    for st in stations:
        if st.name:
            continue
        kind, names = _candidates(net, st, rng)
        fresh = [n for n in names if n not in used]
        if fresh:
            st.name, st.kind = fresh[0], kind
        else:
            far = math.hypot(*st.pos) > OUTER_RADIUS_M and bool(outer)
            st.name, st.kind = _fresh(outer if far else pool, used), "pool"
        used.add(st.name)


def _fresh(names: list[str], used: set[str]) -> str:
    """The next name of `names` (popped from its end) not in `used`."""
    while names[-1] in used:
        names.pop()
    return names.pop()
