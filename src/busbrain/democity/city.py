"""The demo city before it is a timetable: streets, lines, stations, poles and shapes."""

from __future__ import annotations

import random
from dataclasses import dataclass

from busbrain.democity.names import ROUTE_COLORS
from busbrain.democity.naming import name_stations
from busbrain.democity.network import Network, build_network
from busbrain.democity.paths import reverse
from busbrain.democity.routes import Line, lay_out_lines
from busbrain.democity.shapes import Pattern, build_pattern
from busbrain.democity.stations import (
    Pole,
    Station,
    line_calls,
    make_poles,
    place_stations,
)
from busbrain.democity.streets import build_streets


@dataclass(frozen=True, slots=True)
class RouteInfo:
    """A line as published: ids, names, colours (hex RGB) and its two patterns."""

    route_id: str
    short_name: str
    long_name: str
    color: str
    text_color: str
    line: Line
    patterns: tuple[Pattern, Pattern]


@dataclass(frozen=True, slots=True)
class City:
    network: Network
    stations: tuple[Station, ...]
    poles: tuple[Pole, ...]
    routes: tuple[RouteInfo, ...]


def text_color(color: str) -> str:
    """Black or white, whichever reads better on `color` (hex RGB), by Rec. 601 luma."""
    r, g, b = (int(color[i : i + 2], 16) for i in (0, 2, 4))
    return "000000" if 0.299 * r + 0.587 * g + 0.114 * b >= 128 else "FFFFFF"


def short_names(lines: list[Line], rng: random.Random) -> list[str]:
    """Route numbers: K for express, Y for tourist lines, 1, 2, ... with a few gaps otherwise."""
    counters = {"express": 0, "tourist": 0}
    number = 0
    out = []
    for line in lines:
        if line.kind in counters:
            counters[line.kind] += 1
            out.append(("K" if line.kind == "express" else "Y") + str(counters[line.kind]))
            continue
        number += 1 + (rng.random() < 0.15)
        out.append(str(number))
    return out


def _long_name(line: Line) -> str:
    return line.loop_name if line.kind == "loop" else f"{line.origin}至{line.destination}"


def build_city(seed: int) -> City:
    """Lay out the whole demo city from `seed` (deterministic)."""
    rng = random.Random(seed)
    net = build_network(build_streets())
    lines = lay_out_lines(net, rng)
    stations = place_stations(net, lines, rng)
    name_stations(net, stations, rng)
    calls = [line_calls(net, line, stations) for line in lines]
    poles = make_poles(net, stations, [c for pair in calls for c in pair])
    colors = list(ROUTE_COLORS)
    rng.shuffle(colors)
    routes = []
    for k, (line, name, (calls0, calls1)) in enumerate(
        zip(lines, short_names(lines, rng), calls, strict=True)
    ):
        loop = line.kind == "loop"
        patterns = (
            build_pattern(net, line.path, calls0, poles, stations, loop, f"{name}_0"),
            build_pattern(net, reverse(line.path), calls1, poles, stations, loop, f"{name}_1"),
        )
        color = colors[k % len(colors)]
        routes.append(
            RouteInfo(name, name, _long_name(line), color, text_color(color), line, patterns)
        )
    return City(net, tuple(stations), tuple(poles.values()), tuple(routes))
