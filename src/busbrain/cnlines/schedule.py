"""Estimated service for sources that have no timetable: one template trip per direction.

The sources list stops, not times. To give a usable and honest feed, every line-direction
gets one template trip whose stop times are *estimated* from the distance along its
shape at `ServicePattern.speed_kmh` (default 18 km/h, dwell included), a frequencies.txt
row saying it runs every `headway_s` seconds (default 10 min) between `first_s` and
`last_s` (default 06:00-22:00) with exact_times=0, and timepoint=0 on every stop time
(GTFS: times are approximate). One service, "ALL", runs every day of the date range.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from busbrain.domain.gtfstime import format_date, format_time_s

SERVICE_ID = "ALL"
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, slots=True)
class ServicePattern:
    """The assumed service: speed in km/h, times in seconds after midnight."""

    speed_kmh: float = 18.0
    first_s: int = 6 * 3600
    last_s: int = 22 * 3600
    headway_s: int = 600

    def __post_init__(self) -> None:
        if self.speed_kmh <= 0 or self.headway_s <= 0 or not 0 <= self.first_s < self.last_s:
            raise ValueError(f"unusable service pattern: {self}")


def estimated_times(stop_cm: tuple[int, ...], pattern: ServicePattern) -> list[int]:
    """Seconds after midnight at each stop, from its distance (cm) along the shape."""
    speed_cm_per_s = pattern.speed_kmh * 100_000 / 3600
    start = stop_cm[0]
    return [pattern.first_s + round((cm - start) / speed_cm_per_s) for cm in stop_cm]


def stop_time_rows(
    trip_id: str, stop_ids: list[str], stop_cm: tuple[int, ...], pattern: ServicePattern
) -> list[dict[str, object]]:
    """stop_times.txt rows of one template trip (times estimated, timepoint=0)."""
    rows: list[dict[str, object]] = []
    times = estimated_times(stop_cm, pattern)
    for seq, (stop_id, cm, t) in enumerate(zip(stop_ids, stop_cm, times, strict=True), start=1):
        rows.append(
            {
                "trip_id": trip_id,
                "arrival_time": format_time_s(t),
                "departure_time": format_time_s(t),
                "stop_id": stop_id,
                "stop_sequence": seq,
                "shape_dist_traveled": f"{cm / 100:.2f}",
                "timepoint": 0,
            }
        )
    return rows


def frequency_row(trip_id: str, pattern: ServicePattern) -> dict[str, object]:
    """The frequencies.txt row making the template trip a headway service."""
    return {
        "trip_id": trip_id,
        "start_time": format_time_s(pattern.first_s),
        "end_time": format_time_s(pattern.last_s),
        "headway_secs": pattern.headway_s,
        "exact_times": 0,
    }


def calendar_row(start: dt.date, end: dt.date) -> dict[str, object]:
    """The single calendar.txt row: service "ALL" on every day from `start` to `end`."""
    row: dict[str, object] = {"service_id": SERVICE_ID}
    row.update({day: 1 for day in _DAYS})
    row.update({"start_date": format_date(start), "end_date": format_date(end)})
    return row
