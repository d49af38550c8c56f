"""The demo city's named streets as polylines in the local metric frame.

Loosely after Jinzhou: 路 run east–west and 街 north–south; 中央大街 and 解放路 cross
at the centre; the old town (古塔区) lies west of 中央大街, 凌河区 east of it and 太和区
further west; the 小凌河 flows along the south edge with 滨河路 on its north bank and
松山新区 beyond it; 普陀路 climbs north-west to 北普陀山 and 锦港大道 runs south-east
to the port. The layout is fixed; only gentle wander of the roads is pseudo-random, from
a constant seed, so every demo feed shares one city.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from itertools import pairwise

from busbrain.democity.geo import Point, Polyline, dist

SAMPLE_STEP_M = 40.0
"""Spacing in metres of the points along a street."""
END_OVERSHOOT_M = 40.0
"""Every street is drawn this many metres past its ends so T-junctions really cross."""
_LAYOUT_SEED = 1948
"""Seed of the roads' gentle wander; constant so the city itself never changes."""


@dataclass(frozen=True, slots=True)
class StreetSpec:
    """A street as drawn: its name, control points (metres) and wander amplitude (metres)."""

    name: str
    control: tuple[Point, ...]
    wander_m: float = 5.0


@dataclass(frozen=True, slots=True)
class Street:
    """A street's final geometry."""

    index: int
    name: str
    line: Polyline


def _ew(name: str, y: float, x0: float, x1: float) -> StreetSpec:
    return StreetSpec(name, ((x0, y), (x1, y)))


def _ns(name: str, x: float, y0: float, y1: float) -> StreetSpec:
    return StreetSpec(name, ((x, y0), (x, y1)))


def river_road_y(x: float) -> float:
    """y (metres) of 滨河路, which follows the north bank of the 小凌河, at x metres."""
    return -3100 + 110 * math.sin((x + 6000) / 1600) + 60 * math.sin(x / 700 + 0.5)


def _river_road() -> StreetSpec:
    xs = [-6000 + i * SAMPLE_STEP_M for i in range(int(11200 / SAMPLE_STEP_M) + 1)]
    return StreetSpec("滨河路", tuple((x, river_road_y(x)) for x in xs), wander_m=0.0)


def street_specs() -> tuple[StreetSpec, ...]:
    """All streets of the city, west to east and north to south within each group."""
    ry = river_road_y
    return (
        # east–west roads (路), north to south
        _ew("龙江路", 3400, -3600, 4600),
        _ew("重庆路", 2400, -7200, 5200),
        _ew("北京路", 1400, -6000, 6400),
        _ew("中山路", 650, -3600, 3900),
        _ew("解放路", 0, -3600, 7000),
        StreetSpec("解放西路", ((-8000, 380), (-6000, 160), (-3600, 0)), wander_m=0.0),
        _ew("上海路", -900, -6000, 6400),
        _ew("南京路", -1350, -2600, 2600),
        _ew("延安路", -1800, -4800, 6400),
        _ew("洛阳路", -2500, -3600, 3900),
        _river_road(),
        _ew("松坡路", -4300, -6000, 4800),
        _ew("科技路", -5300, -4500, 4500),
        _ew("渤海大道", -6300, -2600, 2600),
        # diagonal roads
        StreetSpec("普陀路", ((-4800, 2400), (-5600, 3900), (-6400, 5200), (-7000, 6300)), 0.0),
        StreetSpec(
            "锦港大道", ((2600, -6300), (6500, -8200), (11000, -10800), (15500, -13200)), 0.0
        ),
        # north–south streets (街), west to east
        _ns("凌西大街", -6000, -5600, 3600),
        _ns("太和街", -4800, ry(-4800), 2400),
        _ns("锦义街", -3600, ry(-3600), 3400),
        _ns("士英街", -2600, -6300, 4000),
        _ns("人民街", -1500, ry(-1500), 1900),
        _ns("中央大街", 0, -6300, 3900),
        _ns("云飞街", 1300, -5300, 2400),
        _ns("康宁街", 2600, ry(2600), 3400),
        _ns("松山大街", 2600, -6300, ry(2600)),
        _ns("凌安街", 3900, ry(3900), 2400),
        _ns("紫荆街", 5200, ry(5200), 3200),
        _ns("榴花街", 6400, -900, 2600),
    )


def _extend(points: list[Point], by_m: float) -> list[Point]:
    """The points with both ends pushed outwards along the end tangents by `by_m` metres."""
    (ax, ay), (bx, by) = points[0], points[1]
    la = dist(points[0], points[1])
    (cx, cy), (dx, dy) = points[-2], points[-1]
    lb = dist(points[-2], points[-1])
    head = (ax - (bx - ax) / la * by_m, ay - (by - ay) / la * by_m)
    tail = (dx + (dx - cx) / lb * by_m, dy + (dy - cy) / lb * by_m)
    return [head, *points, tail]


def _sample(control: tuple[Point, ...], wander_m: float, rng: random.Random) -> list[Point]:
    """Points every ~`SAMPLE_STEP_M` along the control polyline, gently wandering sideways."""
    wavelength = rng.uniform(900, 1800)
    phase = rng.uniform(0, 2 * math.pi)
    out: list[Point] = []
    travelled = 0.0
    for a, b in pairwise(control):
        seg = dist(a, b)
        n = max(1, round(seg / SAMPLE_STEP_M))
        ux, uy = (b[0] - a[0]) / seg, (b[1] - a[1]) / seg
        for k in range(n):
            s = seg * k / n
            w = wander_m * math.sin(2 * math.pi * (travelled + s) / wavelength + phase)
            out.append((a[0] + ux * s + uy * w, a[1] + uy * s - ux * w))
        travelled += seg
    out.append(control[-1])
    return out


def build_streets() -> tuple[Street, ...]:
    """The city's streets with their final geometry (metres, local frame)."""
    rng = random.Random(_LAYOUT_SEED)
    streets = []
    for i, spec in enumerate(street_specs()):
        points = _sample(spec.control, spec.wander_m, rng)
        streets.append(Street(i, spec.name, Polyline.of(_extend(points, END_OVERSHOOT_M))))
    return tuple(streets)
