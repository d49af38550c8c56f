"""Distances, projection onto a path and centimetre-exact shape distances."""

from __future__ import annotations

import math

import pytest

from busbrain.cnlines.geometry import bearing_rad, cumulative_m, distance_m, project_in_order
from busbrain.cnlines.paths import trip_path

M_PER_DEG_LAT = 111_195.08  # on the mean sphere


def test_distance_of_one_degree_of_latitude() -> None:
    assert distance_m((114.0, 22.0), (114.0, 23.0)) == pytest.approx(M_PER_DEG_LAT, rel=1e-6)


def test_bearing() -> None:
    assert bearing_rad((114.0, 22.0), (114.0, 22.1)) == pytest.approx(0.0)
    assert bearing_rad((114.0, 22.0), (114.1, 22.0)) == pytest.approx(math.pi / 2)
    assert bearing_rad((114.0, 22.0), (114.0, 22.0)) is None


def test_cumulative() -> None:
    points = [(114.0, 22.0), (114.0, 22.001), (114.0, 22.003)]
    assert cumulative_m(points) == pytest.approx([0.0, 111.195, 333.585], abs=0.01)


def test_projection_follows_the_path_on_a_loop() -> None:
    """A loop starts and ends at the same place: the last stop matches the path's end."""
    loop = [(114.0, 22.0), (114.0, 22.01), (114.01, 22.01), (114.01, 22.0), (114.0, 22.0)]
    stops = [(114.0, 22.0), (114.0001, 22.005), (114.01, 22.005), (114.0, 22.0)]
    along = project_in_order(loop, stops)
    total = cumulative_m(loop)[-1]
    assert along[0] == pytest.approx(0.0, abs=0.5)
    assert along[-1] == pytest.approx(total, abs=0.5)
    assert along == sorted(along)


def test_trip_path_from_stops_is_strictly_increasing_even_for_coincident_stops() -> None:
    stops = [(114.0, 22.0), (114.0, 22.001), (114.0, 22.001), (114.0, 22.002)]
    path = trip_path(stops)
    assert len(path.points) == 3  # the repeated point is dropped from the shape
    assert list(path.point_cm) == sorted(set(path.point_cm))
    assert all(b > a for a, b in zip(path.stop_cm, path.stop_cm[1:], strict=False))
    assert path.stop_cm[-1] <= path.length_cm


def test_trip_path_uses_the_source_shape_when_given() -> None:
    shape = [(114.0, 22.0), (114.0005, 22.0005), (114.001, 22.001), (114.001, 22.002)]
    stops = [(114.0, 22.0), (114.0011, 22.0015), (114.001, 22.002)]
    path = trip_path(stops, shape)
    assert path.points == tuple(shape)
    assert path.stop_cm[0] == 0 and path.stop_cm[-1] == path.length_cm
    assert path.stop_cm[0] < path.stop_cm[1] < path.stop_cm[2]
