"""Projection of points onto polylines in travel order."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from busbrain.domain.geo import (
    cumulative_length_m,
    distance_bound_m,
    haversine_m,
    project_in_order,
    to_local_m,
)


def test_haversine_one_degree_of_latitude() -> None:
    assert abs(haversine_m(41.0, 121.0, 42.0, 121.0) - 111_195) < 50


@given(
    st.floats(-89.0, 89.0),
    st.floats(-180.0, 180.0),
    st.floats(-0.5, 0.5),
    st.floats(-0.5, 0.5),
)
@example(lat=5.0, lon=0.0, dlat=2.0817465937790082e-11, dlon=0.0)  # haversine's rounding
@example(lat=41.1, lon=121.1, dlat=0.0, dlon=0.0)
def test_the_distance_bound_is_never_below_the_great_circle(
    lat: float, lon: float, dlat: float, dlon: float
) -> None:
    bound = distance_bound_m(lat, lon, lat + dlat, lon + dlon)
    assert bound >= haversine_m(lat, lon, lat + dlat, lon + dlon)
    assert distance_bound_m(lat, lon, lat + dlat, lon) <= abs(dlat) * 111_195 * 1.0001 + 1e-5


def test_local_frame_agrees_with_haversine_at_city_scale() -> None:
    lat = np.array([41.12, 41.15])
    lon = np.array([121.13, 121.18])
    x, y = to_local_m(lat, lon, 41.12, 121.13)
    assert abs(np.hypot(x[1], y[1]) - haversine_m(41.12, 121.13, 41.15, 121.18)) < 5


def _line(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.linspace(0, 1000 * (n - 1), n)
    y = np.zeros(n)
    return x, y, np.concatenate(([0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))))


@given(st.lists(st.floats(0, 4000), min_size=1, max_size=30), st.floats(-20, 20))
def test_points_in_order_project_to_non_decreasing_distances(pos: list[float], off: float) -> None:
    lx, ly, ld = _line(5)
    px = np.array(sorted(pos))
    d, o = project_in_order(lx, ly, ld, px, np.full(px.size, off))
    assert np.all(np.diff(d) >= -1e-9)
    assert np.allclose(d, px, atol=1e-6)
    assert np.allclose(o, abs(off), atol=1e-6)


def test_out_and_back_picks_the_passage_reached_first() -> None:
    # Out along y=0 to x=1000, then back along y=20.
    lx = np.array([0.0, 1000.0, 1000.0, 0.0])
    ly = np.array([0.0, 0.0, 20.0, 20.0])
    ld = np.concatenate(([0.0], np.cumsum(np.hypot(np.diff(lx), np.diff(ly)))))
    # Stops: outbound at x=200 and x=800 (y=2), then inbound at x=800 and x=200 (y=18).
    d, _ = project_in_order(
        lx, ly, ld, np.array([200.0, 800.0, 800.0, 200.0]), np.array([2.0, 2.0, 18.0, 18.0])
    )
    assert d.tolist() == [200.0, 800.0, 1220.0, 1820.0]


def test_cumulative_length() -> None:
    lat = np.array([41.0, 41.0, 41.01])
    lon = np.array([121.0, 121.01, 121.01])
    d = cumulative_length_m(lat, lon)
    assert d[0] == 0 and abs(d[2] - (haversine_m(41, 121, 41, 121.01) + 1112)) < 5
