"""A position fix as the real-time processors take it, whatever its source.

From a gateway's `VehicleLocation` event, a replay file's row or a feed; times are unix
seconds (UTC), positions WGS-84 degrees, speed km/h, heading degrees from north.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Fix:
    vehicle_id: str
    t: float
    """When the terminal took the fix (its clock)."""
    lat: float
    lon: float
    received: float | None = None
    """When the platform received it (None in files without it)."""
    speed_kmh: float | None = None
    heading: float | None = None
    trip_id: str | None = None
    """The trip the source says the vehicle runs, if it says so."""
    valid: bool = True
    """The terminal's own fix-valid flag."""
    blind_area: bool = False
    """Sent late from the terminal's store (0x0704 blind-area batch)."""
