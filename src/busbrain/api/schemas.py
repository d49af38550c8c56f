"""Response bodies of the JSON endpoints (the GeoJSON ones are built in `geojson.py`)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class BBoxOut(BaseModel):
    """A WGS-84 bounding box in degrees."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


class SummaryOut(BaseModel):
    """How much network the server holds, and where."""

    agencies: int
    routes: int
    stops: int
    patterns: int
    trips: int
    stop_times: int
    shapes: int
    bbox: BBoxOut | None
    source: str | None
    imported_at: dt.datetime | None
    timezone: str = "Asia/Shanghai"
    """The network's timezone (IANA): clock times shown to riders are in it."""


class RouteOut(BaseModel):
    """A route as the route list shows it; `color` and `text_color` are always "#RRGGBB"."""

    route_id: str
    agency_id: str | None
    short_name: str | None
    long_name: str | None
    route_type: int
    color: str
    text_color: str
    pattern_count: int
    headsigns: list[str]
