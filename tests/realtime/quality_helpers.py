"""Fixes for the quality-rule tests: a vehicle near a city centre, metres made degrees."""

from __future__ import annotations

import math

from busbrain.domain.geo import EARTH_RADIUS_M
from busbrain.domain.notices import Notice
from busbrain.realtime.fixes import Fix
from busbrain.realtime.quality import QualityState, Verdict, check

LAT0, LON0, T0 = 41.12, 121.13, 1_700_000_000.0
M_PER_DEG = math.radians(1) * EARTH_RADIUS_M


def fix(
    dt: float = 0.0,
    north_m: float = 0.0,
    east_m: float = 0.0,
    *,
    delay_s: float | None = 0.0,
    speed_kmh: float | None = None,
    valid: bool = True,
    blind_area: bool = False,
    vehicle_id: str = "bus-1",
) -> Fix:
    """A fix taken `dt` s after T0, `north_m`/`east_m` metres from the centre.

    Received `delay_s` after it was taken (None: no received time).
    """
    t = T0 + dt
    lat = LAT0 + north_m / M_PER_DEG
    lon = LON0 + east_m / (M_PER_DEG * math.cos(math.radians(LAT0)))
    received = None if delay_s is None else t + delay_s
    return Fix(
        vehicle_id,
        t,
        lat,
        lon,
        received,
        speed_kmh=speed_kmh,
        valid=valid,
        blind_area=blind_area,
    )


def run(
    fixes: list[Fix], state: QualityState | None = None
) -> tuple[QualityState | None, list[tuple[Verdict, tuple[Notice, ...]]]]:
    """Run fixes through check in turn, `now` being each fix's receive time (or t)."""
    out = []
    for f in fixes:
        now = f.t if f.received is None else f.received
        state, verdict, notices = check(state, f, now)
        out.append((verdict, notices))
    return state, out


def codes(notices: tuple[Notice, ...]) -> list[str]:
    return [n.code for n in notices]


def destination(lat: float, lon: float, bearing_deg: float, dist_m: float) -> tuple[float, float]:
    """The point `dist_m` from (lat, lon) along the great circle leaving at `bearing_deg`."""
    p1, l1, b = math.radians(lat), math.radians(lon), math.radians(bearing_deg)
    d = dist_m / EARTH_RADIUS_M
    p2 = math.asin(
        max(-1.0, min(1.0, math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b)))
    )
    l2 = l1 + math.atan2(
        math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
    )
    return math.degrees(p2), (math.degrees(l2) + 540.0) % 360.0 - 180.0
