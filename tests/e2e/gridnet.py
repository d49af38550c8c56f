"""A made-up bus network on a street grid in Jinzhou (锦州), for looking at the map page.

Streets 650 m apart; each route runs along streets between waypoints, both ways. A stop
sits in the middle of each street block it uses, as two poles 14 m either side of the
street (a bus stops on its right), grouped under a station.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

from pypinyin import lazy_pinyin

from busbrain.domain.network import (
    Agency,
    LocationType,
    Pattern,
    PatternStop,
    Route,
    Shape,
    ShapePoint,
    Stop,
    Trip,
)
from busbrain.store.memory import InMemoryNetworkQueries

CENTER_LAT, CENTER_LON = 41.1190, 121.1270
SPACING_M = 650.0
POLE_OFFSET_M = 14.0
NX, NY = 10, 8  # avenues (north-south) by streets (east-west)
M_PER_DEG_LAT = 111_320.0
M_PER_DEG_LON = M_PER_DEG_LAT * math.cos(math.radians(CENTER_LAT))
TRIPS_PER_PATTERN = 3

Node = tuple[int, int]


@dataclass(frozen=True)
class RouteSpec:
    route_id: str
    short_name: str
    color: str | None
    waypoints: tuple[Node, ...]


ROUTES: tuple[RouteSpec, ...] = (
    RouteSpec("R1", "1路", "D32F2F", ((0, 3), (9, 3))),
    RouteSpec("R2", "2路", None, ((2, 0), (2, 7))),
    RouteSpec("R3", "3路", "1565C0", ((0, 0), (4, 0), (4, 5), (9, 5))),
    RouteSpec("R5", "5路", "2E7D32", ((1, 7), (1, 5), (6, 5), (6, 0))),
    RouteSpec("R11", "11路", "6A1B9A", ((9, 1), (7, 1), (7, 6), (3, 6), (3, 2))),
    RouteSpec("R16", "16路", None, ((0, 6), (5, 6), (5, 2), (9, 2))),
    RouteSpec("R20", "20路", "AD1457", ((6, 3), (8, 3), (8, 2))),  # a short one
    RouteSpec("RK1", "K1", "EF6C00", ((0, 1), (8, 1), (8, 7))),
    RouteSpec("RN1", "夜1路", "37474F", ((9, 7), (9, 4), (0, 4))),
)

LANDMARKS = (
    "火车站", "渤海大学", "古塔公园", "中央大街", "百货大楼", "市政府", "人民公园", "北湖公园",
    "锦州医科大学", "辽宁工业大学", "世纪公园", "凌河区政府", "太和区政府", "客运站",
    "中心医院", "体育场", "博物馆", "万达广场", "解放路", "延安路", "上海路", "北京路",
    "重庆路", "洛阳路", "云飞街", "士英街", "中华街", "南京路", "杭州街", "天安街",
    "科技路", "松坡路", "五里河", "小凌河", "女儿河", "新区管委会", "铁路医院", "图书馆",
    "劳动公园", "东湖公园", "南山公园", "紫荆山", "电视台", "实验小学", "二中", "三中",
    "邮电局", "交警支队", "开发区", "锦州港", "笔架山路", "大润发", "果园", "王家屯",
    "营盘", "松山", "钟屯", "大薛", "双羊", "娘娘宫",
)  # fmt: skip


def lonlat(node: Node) -> tuple[float, float]:
    x = (node[0] - (NX - 1) / 2) * SPACING_M
    y = (node[1] - (NY - 1) / 2) * SPACING_M
    return CENTER_LON + x / M_PER_DEG_LON, CENTER_LAT + y / M_PER_DEG_LAT


def expand(waypoints: tuple[Node, ...]) -> list[Node]:
    """The grid nodes a route passes, waypoint to waypoint along one axis at a time."""
    nodes = [waypoints[0]]
    for (i1, j1), (i2, j2) in pairwise(waypoints):
        if i1 != i2 and j1 != j2:
            raise ValueError(f"waypoints {i1, j1} and {i2, j2} are not on one street")
        di, dj = (i2 > i1) - (i2 < i1), (j2 > j1) - (j2 < j1)
        i, j = i1, j1
        while (i, j) != (i2, j2):
            i, j = i + di, j + dj
            nodes.append((i, j))
    return nodes


class _Builder:
    def __init__(self) -> None:
        self.stops: dict[str, Stop] = {}
        self.station_names: dict[frozenset[Node], tuple[str, str, int]] = {}

    def pole(self, a: Node, b: Node) -> Stop:
        """The pole on the right-hand side of the block from a to b, made once."""
        block = frozenset((a, b))
        if block not in self.station_names:
            k = len(self.station_names)
            name = LANDMARKS[k % len(LANDMARKS)] + ("", "北", "南", "东", "西")[k // len(LANDMARKS)]
            self.station_names[block] = (f"S{k:03d}", name, k)
        station_id, name, k = self.station_names[block]
        (lon_a, lat_a), (lon_b, lat_b) = lonlat(a), lonlat(b)
        mid_lon, mid_lat = (lon_a + lon_b) / 2, (lat_a + lat_b) / 2
        pinyin = " ".join(lazy_pinyin(name))
        if station_id not in self.stops:
            self.stops[station_id] = Stop(
                station_id, name, pinyin, mid_lat, mid_lon, None, LocationType.STATION
            )
        # unit vector a→b in metres, then its right-hand normal (dy, -dx)
        dx, dy = (b[0] - a[0]), (b[1] - a[1])
        side = {(1, 0): "S", (-1, 0): "N", (0, 1): "E", (0, -1): "W"}[(dx, dy)]
        pole_id = f"{station_id}{side}"
        if pole_id not in self.stops:
            self.stops[pole_id] = Stop(
                pole_id,
                name,
                pinyin,
                mid_lat - dx * POLE_OFFSET_M / M_PER_DEG_LAT,
                mid_lon + dy * POLE_OFFSET_M / M_PER_DEG_LON,
                f"{1000 + k * 2 + (side in 'SE')}",
                LocationType.STOP,
                station_id,
            )
        return self.stops[pole_id]


def grid_network() -> InMemoryNetworkQueries:
    builder = _Builder()
    routes: list[Route] = []
    patterns: list[Pattern] = []
    shapes: list[Shape] = []
    trips: list[Trip] = []
    for spec in ROUTES:
        forward = expand(spec.waypoints)
        names: list[str] = []
        for direction, nodes in enumerate((forward, forward[::-1])):
            shape_id = f"{spec.route_id}-{direction}"
            points = [
                ShapePoint(lat=lat, lon=lon, dist_m=n * SPACING_M)
                for n, (lon, lat) in ((n, lonlat(node)) for n, node in enumerate(nodes))
            ]
            shapes.append(Shape(shape_id, tuple(points)))
            pattern_stops = tuple(
                PatternStop(builder.pole(a, b).stop_id, (n + 0.5) * SPACING_M)
                for n, (a, b) in enumerate(pairwise(nodes))
            )
            first = builder.stops[pattern_stops[0].stop_id].name
            last = builder.stops[pattern_stops[-1].stop_id].name
            names = names or [first, last]
            pattern_id = f"{spec.route_id}-p{direction}"
            patterns.append(
                Pattern(pattern_id, spec.route_id, direction, shape_id, last, pattern_stops)
            )
            trips.extend(
                Trip(f"{pattern_id}-t{n}", spec.route_id, "WK", pattern_id, last, direction)
                for n in range(TRIPS_PER_PATTERN)
            )
        long_name = f"{names[0]}-{names[1]}"
        routes.append(Route(spec.route_id, "jzgj", spec.short_name, long_name, 3, spec.color))
    stop_times = sum(len(p.stops) for p in patterns) * TRIPS_PER_PATTERN
    return InMemoryNetworkQueries(
        agencies=[Agency("jzgj", "锦州公交", "https://example.invalid", "Asia/Shanghai", "zh")],
        routes=routes,
        stops=list(builder.stops.values()),
        patterns=patterns,
        shapes=shapes,
        trips=trips,
        stop_times=stop_times,
        source="grid test network",
    )
