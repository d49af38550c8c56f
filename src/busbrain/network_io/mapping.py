"""Which store table holds each GTFS file, and the fields renamed between them."""

from __future__ import annotations

# GTFS file -> store table, and the fields renamed on the way (the rest keep their name).
FILE_TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "agency.txt": ("agency", {}),
    "stops.txt": ("stop", {}),
    "routes.txt": ("route", {}),
    "trips.txt": ("trip", {}),
    "stop_times.txt": ("stop_time", {"arrival_time": "arrival_s", "departure_time": "departure_s"}),
    "calendar.txt": ("service_calendar", {}),
    "calendar_dates.txt": ("calendar_date", {}),
    "frequencies.txt": (
        "frequency",
        {"start_time": "start_s", "end_time": "end_s", "headway_secs": "headway_s"},
    ),
    "feed_info.txt": ("feed_info", {}),
}
