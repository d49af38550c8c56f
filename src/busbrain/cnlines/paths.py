"""Shapes and stop distances along them, in whole centimetres.

GTFS validators reject a shape or a trip whose `shape_dist_traveled` stands still
(equal values at different points or stops), so distances are rounded to centimetres
first and made strictly increasing afterwards: a shape point less than 1 cm beyond the
previous one is dropped, and a stop projected onto the same centimetre as the stop
before it is moved 1 cm on (never past the shape's end).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from busbrain.cnlines.geometry import cumulative_m, project_in_order
from busbrain.cnlines.records import LonLat


@dataclass(frozen=True, slots=True)
class TripPath:
    """The shape of one trip and where its stops lie on it.

    `points` are WGS-84 (lon, lat) degrees, `point_cm` and `stop_cm` centimetres from
    the shape's start (strictly increasing).
    """

    points: tuple[LonLat, ...]
    point_cm: tuple[int, ...]
    stop_cm: tuple[int, ...]

    @property
    def length_cm(self) -> int:
        return self.point_cm[-1]


def _thin(points: Sequence[LonLat]) -> tuple[list[LonLat], list[int]]:
    """Points whose rounded distance from the start increases, with that distance in cm."""
    kept: list[LonLat] = []
    cms: list[int] = []
    for point, metres in zip(points, cumulative_m(points), strict=True):
        cm = round(metres * 100)
        if cms and cm <= cms[-1]:
            continue
        kept.append(point)
        cms.append(cm)
    return kept, cms


def _strictly_increasing(values_cm: list[int], end_cm: int) -> list[int]:
    """Nudge equal or decreasing neighbours 1 cm apart, keeping every value <= end_cm."""
    out = list(values_cm)
    for i in range(1, len(out)):
        out[i] = max(out[i], out[i - 1] + 1)
    for i in range(len(out) - 1, -1, -1):
        ceiling = end_cm if i == len(out) - 1 else out[i + 1] - 1
        out[i] = min(out[i], ceiling)
    return out


def trip_path(stops: Sequence[LonLat], source_shape: Sequence[LonLat] = ()) -> TripPath:
    """The path of a trip: `source_shape` when it has two points or more, else the stops.

    Stops are WGS-84 (lon, lat) degrees in travel order (at least two).
    """
    use_shape = len(source_shape) >= 2
    points, point_cm = _thin(source_shape if use_shape else stops)
    if len(points) < 2:  # every point in one place: fall back to the stops
        points, point_cm = _thin(stops)
    if len(points) < 2:
        points, point_cm = [stops[0], stops[-1]], [0, 1]
    if use_shape:
        raw_cm = [round(m * 100) for m in project_in_order(points, stops)]
    else:
        raw_cm = [round(m * 100) for m in cumulative_m(stops)]
    stop_cm = _strictly_increasing(raw_cm, point_cm[-1])
    return TripPath(tuple(points), tuple(point_cm), tuple(stop_cm))
