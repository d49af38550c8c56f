"""Read `lon,lat` text (degrees) as found in Chinese line data."""

from __future__ import annotations

import math

from busbrain.cnlines.records import LonLat


def parse_lonlat(text: str) -> LonLat | None:
    """(lon, lat) from `"lon,lat"`, or None unless both are finite, in range and not (0, 0)."""
    parts = text.strip().split(",")
    if len(parts) != 2:
        return None
    try:
        lon, lat = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return None
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0) or (lon == 0.0 and lat == 0.0):
        return None
    return lon, lat
