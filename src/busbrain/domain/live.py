"""The live picture of the buses: what the real-time processors publish for readers.

Immutable values: the runner (the single writer of live state) builds a new
`LiveSnapshot` after each batch of reports, and readers (the passenger API, GTFS-Realtime,
the dispatch console) only ever see whole snapshots. Times are unix seconds (UTC);
positions WGS-84 degrees; speeds m/s; bearings degrees clockwise from north.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class StopStatus(StrEnum):
    """Where the vehicle is relative to `VehicleLive.stop_id` (GTFS-Realtime's
    VehicleStopStatus)."""

    INCOMING_AT = "INCOMING_AT"
    STOPPED_AT = "STOPPED_AT"
    IN_TRANSIT_TO = "IN_TRANSIT_TO"


@dataclass(frozen=True, slots=True)
class StopPrediction:
    """Predicted arrival (and departure, when the vehicle will dwell) at a stop ahead."""

    stop_id: str
    stop_sequence: int
    arrival_unix: float
    departure_unix: float | None = None
    uncertainty_s: int | None = None
    """About one standard deviation of the prediction's error, seconds."""


@dataclass(frozen=True, slots=True)
class VehicleLive:
    """One vehicle as last seen and understood."""

    vehicle_id: str
    fix_unix: float
    """Time of the position (the terminal's clock, corrected when known skewed)."""
    lat: float
    lon: float
    bearing: float | None = None
    speed_ms: float | None = None
    label: str | None = None
    """What riders see on the bus (plate or fleet number)."""
    trip_id: str | None = None
    route_id: str | None = None
    direction_id: int | None = None
    start_date: str | None = None
    """Service date of the trip, YYYYMMDD."""
    start_time: str | None = None
    """The trip's first scheduled departure, HH:MM:SS (GTFS time, may pass 24:00)."""
    stop_id: str | None = None
    stop_sequence: int | None = None
    status: StopStatus = StopStatus.IN_TRANSIT_TO
    delay_s: float | None = None
    """Seconds late (negative early) against the schedule at the last stop passed."""
    off_route: bool = False
    predictions: tuple[StopPrediction, ...] = ()
    predicted_at: float | None = None
    """When `predictions` were made (unix seconds): their age is `made_at - predicted_at`."""
    occupancy_percent: int | None = None
    """Riders on board as a share of the bus's rated capacity (满载率), from the automatic
    passenger counter; None when no counter reports."""


@dataclass(frozen=True, slots=True)
class LiveSnapshot:
    """Every live vehicle at `made_at` (unix seconds), sorted by vehicle_id."""

    made_at: float
    vehicles: tuple[VehicleLive, ...] = ()

    def vehicle(self, vehicle_id: str) -> VehicleLive | None:
        for v in self.vehicles:
            if v.vehicle_id == vehicle_id:
                return v
        return None
