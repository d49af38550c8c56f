"""WGS-84 / GCJ-02 / BD-09 conversions: round trips, identity abroad, known offsets."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from busbrain.domain.chinacoords import (
    CoordSystem,
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    outside_china,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

EARTH_RADIUS_M = 6_371_008.8

china_lon = st.floats(min_value=73.0, max_value=135.0, allow_nan=False)
china_lat = st.floats(min_value=18.0, max_value=53.0, allow_nan=False)


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lon, lat) points in degrees."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


@settings(max_examples=500)
@given(china_lon, china_lat)
def test_wgs_gcj_round_trip_within_1_cm(lon: float, lat: float) -> None:
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert distance_m((lon, lat), back) < 0.01


@settings(max_examples=500)
@given(china_lon, china_lat)
def test_wgs_bd_round_trip_within_5_cm(lon: float, lat: float) -> None:
    back = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert distance_m((lon, lat), back) < 0.05


@settings(max_examples=300)
@given(china_lon, china_lat)
def test_gcj_bd_round_trip_within_1_cm(lon: float, lat: float) -> None:
    assert distance_m((lon, lat), bd09_to_gcj02(*gcj02_to_bd09(lon, lat))) < 0.01


@settings(max_examples=300)
@given(china_lon, china_lat)
def test_gcj_offset_is_hundreds_of_metres_at_most(lon: float, lat: float) -> None:
    assert distance_m((lon, lat), wgs84_to_gcj02(lon, lat)) < 1_000


@pytest.mark.parametrize(
    "point",
    [(2.3522, 48.8566), (-74.006, 40.7128), (151.2093, -33.8688), (37.6173, 55.9)],
)
def test_identity_outside_china(point: tuple[float, float]) -> None:
    assert outside_china(*point)
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point
    assert to_wgs84(*point, CoordSystem.GCJ02) == point


def test_beijing_gcj_offset_magnitude() -> None:
    tiananmen = (116.3975, 39.9087)
    gcj = wgs84_to_gcj02(*tiananmen)
    assert 100 < distance_m(tiananmen, gcj) < 700
    assert gcj[0] > tiananmen[0]  # the offset points east here


def test_jinzhou_gcj_offset_magnitude() -> None:
    jinzhou = (121.127, 41.095)
    assert 100 < distance_m(jinzhou, wgs84_to_gcj02(*jinzhou)) < 700


def test_known_gcj_value_near_beijing() -> None:
    """A widely published pair: WGS-84 (116.404, 39.915) is GCJ-02 (116.410244, 39.916404)."""
    lon, lat = wgs84_to_gcj02(116.404, 39.915)
    assert lon == pytest.approx(116.410244, abs=1e-6)
    assert lat == pytest.approx(39.916404, abs=1e-6)


def test_bd09_is_a_few_hundred_metres_from_gcj02() -> None:
    baidu = (116.404, 39.915)
    gcj = bd09_to_gcj02(*baidu)
    assert 500 < distance_m(baidu, gcj) < 1_200
    assert gcj[0] < baidu[0] and gcj[1] < baidu[1]


def test_to_wgs84_dispatches_on_crs() -> None:
    p = (114.05, 22.55)
    assert to_wgs84(*p, CoordSystem.WGS84) == p
    assert to_wgs84(*p, CoordSystem.GCJ02) == gcj02_to_wgs84(*p)
    assert to_wgs84(*p, CoordSystem.BD09) == bd09_to_wgs84(*p)


def test_gcj_inverse_beats_the_one_step_approximation() -> None:
    """The one-step inverse (subtract the offset at the GCJ point) is off by about 1.3 m here."""
    wgs = (114.05, 22.55)  # Shenzhen
    gcj = wgs84_to_gcj02(*wgs)
    one_step = (2 * gcj[0] - wgs84_to_gcj02(*gcj)[0], 2 * gcj[1] - wgs84_to_gcj02(*gcj)[1])
    assert distance_m(wgs, gcj02_to_wgs84(*gcj)) < 0.001
    assert distance_m(wgs, one_step) > 0.5
