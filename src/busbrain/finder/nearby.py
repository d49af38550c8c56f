"""Stations near a point: a grid of cells (about 250 m) so a query looks at a few cells,
not every station."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from busbrain.domain.geo import haversine_m
from busbrain.finder.stations import Station

CELL_DEG = 0.0025


@dataclass(frozen=True, slots=True)
class Near:
    station: Station
    distance_m: float


class NearbyIndex:
    def __init__(self, stations: Sequence[Station]) -> None:
        self.stations = list(stations)
        self._cells: dict[tuple[int, int], list[int]] = {}
        for i, s in enumerate(self.stations):
            self._cells.setdefault(self._cell(s.lat, s.lon), []).append(i)

    @staticmethod
    def _cell(lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / CELL_DEG), math.floor(lon / CELL_DEG)

    def around(self, lat: float, lon: float, radius_m: float, limit: int = 50) -> list[Near]:
        """Stations within `radius_m` of (lat, lon) (WGS-84), nearest first."""
        if radius_m <= 0:
            return []
        dlat = radius_m / 110_574.0
        dlon = radius_m / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
        lo = self._cell(lat - dlat, lon - dlon)
        hi = self._cell(lat + dlat, lon + dlon)
        out = []
        for a in range(lo[0], hi[0] + 1):
            for b in range(lo[1], hi[1] + 1):
                for i in self._cells.get((a, b), ()):
                    s = self.stations[i]
                    d = haversine_m(lat, lon, s.lat, s.lon)
                    if d <= radius_m:
                        out.append(Near(s, d))
        out.sort(key=lambda n: (n.distance_m, n.station.station_id))
        return out[:limit]
