"""Chinese coordinate systems: WGS-84, GCJ-02 ("Mars" coordinates) and BD-09 (Baidu).

All positions are (lon, lat) in degrees, longitude first.

- WGS-84: GPS, OpenStreetMap, GTFS.
- GCJ-02: the obfuscated system mandated for maps published in mainland China (AMap,
  Tencent, Google Maps in China). It adds a smooth, position-dependent offset of a few
  hundred metres, computed on the Krasovsky 1940 ellipsoid. Outside China (a rough
  bounding box) GCJ-02 equals WGS-84.
- BD-09: Baidu's system, a further polar-coordinate distortion applied to GCJ-02.

The forward transforms (WGS-84 -> GCJ-02 -> BD-09) are closed formulas. Their inverses
have none, so they iterate the forward transform (fixed-point on the residual) until
the residual is below `_TOLERANCE_DEG` (1e-9 degrees, about 0.1 mm); the common
one-step approximation is off by metres.

Pure: no I/O, no state.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import StrEnum

LonLat = tuple[float, float]

# Krasovsky 1940 ellipsoid, as used by GCJ-02.
_A = 6378245.0  # semi-major axis, metres
_EE = 0.00669342162296594323  # first eccentricity squared
# BD-09 constant.
_X_PI = math.pi * 3000.0 / 180.0

_TOLERANCE_DEG = 1e-9
_MAX_ITERATIONS = 30

# The rough box in which GCJ-02 differs from WGS-84 (degrees).
_CHINA_LON = (72.004, 137.8347)
_CHINA_LAT = (0.8293, 55.8271)


class CoordSystem(StrEnum):
    """A horizontal coordinate system used by Chinese map data."""

    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


def outside_china(lon: float, lat: float) -> bool:
    """True when (lon, lat) (degrees) lies outside the rough box where GCJ-02 applies."""
    return not (_CHINA_LON[0] <= lon <= _CHINA_LON[1] and _CHINA_LAT[0] <= lat <= _CHINA_LAT[1])


def _offset_lat(x: float, y: float) -> float:
    """The raw latitude offset polynomial at (x, y) = (lon - 105, lat - 35)."""
    result = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    result += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    result += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
    result += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2 / 3
    return result


def _offset_lon(x: float, y: float) -> float:
    """The raw longitude offset polynomial at (x, y) = (lon - 105, lat - 35)."""
    result = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    result += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    result += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
    result += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    return result


def _gcj_delta(lon: float, lat: float) -> LonLat:
    """The GCJ-02 offset (dlon, dlat) in degrees at a WGS-84 position."""
    x, y = lon - 105.0, lat - 35.0
    rad_lat = math.radians(lat)
    magic = 1.0 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = _offset_lat(x, y) * 180.0 / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = _offset_lon(x, y) * 180.0 / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: float, lat: float) -> LonLat:
    """WGS-84 -> GCJ-02 (degrees). Identity outside China."""
    if outside_china(lon, lat):
        return lon, lat
    dlon, dlat = _gcj_delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_bd09(lon: float, lat: float) -> LonLat:
    """GCJ-02 -> BD-09 (degrees)."""
    z = math.hypot(lon, lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def _bd09_to_gcj02_approx(lon: float, lat: float) -> LonLat:
    """The usual closed-form approximate inverse of `gcj02_to_bd09` (degrees)."""
    x, y = lon - 0.0065, lat - 0.006
    z = math.hypot(x, y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return z * math.cos(theta), z * math.sin(theta)


def _invert(forward: Callable[[float, float], LonLat], target: LonLat, start: LonLat) -> LonLat:
    """Solve forward(p) == target by fixed-point iteration from `start` (degrees).

    Valid because both forward transforms are the identity plus a slowly varying
    offset, so p <- p - (forward(p) - target) contracts quickly (a few iterations).
    """
    lon, lat = start
    for _ in range(_MAX_ITERATIONS):
        f_lon, f_lat = forward(lon, lat)
        d_lon, d_lat = f_lon - target[0], f_lat - target[1]
        lon, lat = lon - d_lon, lat - d_lat
        if abs(d_lon) < _TOLERANCE_DEG and abs(d_lat) < _TOLERANCE_DEG:
            break
    return lon, lat


def gcj02_to_wgs84(lon: float, lat: float) -> LonLat:
    """GCJ-02 -> WGS-84 (degrees), iterated to about 0.1 mm. Identity outside China."""
    if outside_china(lon, lat):
        return lon, lat
    return _invert(wgs84_to_gcj02, (lon, lat), (lon, lat))


def bd09_to_gcj02(lon: float, lat: float) -> LonLat:
    """BD-09 -> GCJ-02 (degrees), the closed-form guess refined by iteration."""
    return _invert(gcj02_to_bd09, (lon, lat), _bd09_to_gcj02_approx(lon, lat))


def wgs84_to_bd09(lon: float, lat: float) -> LonLat:
    """WGS-84 -> BD-09 (degrees), through GCJ-02."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: float, lat: float) -> LonLat:
    """BD-09 -> WGS-84 (degrees), through GCJ-02."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def to_wgs84(lon: float, lat: float, crs: CoordSystem) -> LonLat:
    """A position in `crs` (degrees) as WGS-84 degrees."""
    if crs is CoordSystem.WGS84:
        return lon, lat
    if crs is CoordSystem.GCJ02:
        return gcj02_to_wgs84(lon, lat)
    return bd09_to_wgs84(lon, lat)
