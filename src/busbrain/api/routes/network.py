"""The static network under /api/v1: summary, route list and the map's GeoJSON layers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from busbrain.api.deps import CacheDep, QueriesDep
from busbrain.api.responses import GEOJSON_MEDIA_TYPE, encoded_response
from busbrain.api.schemas import BBoxOut, RouteOut, SummaryOut
from busbrain.domain.gtfstime import timezone_of

router = APIRouter(prefix="/api/v1", tags=["network"])

_GEOJSON_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A GeoJSON FeatureCollection, coordinates [lon, lat] in WGS-84.",
        "content": {GEOJSON_MEDIA_TYPE: {"schema": {"type": "object"}}},
    }
}


@router.get("/network/summary")
def network_summary(queries: QueriesDep) -> SummaryOut:
    """Counts of what the network holds, its bounding box and where it came from."""
    s = queries.summary()
    bbox = s.bbox
    return SummaryOut(
        agencies=s.agencies,
        routes=s.routes,
        stops=s.stops,
        patterns=s.patterns,
        trips=s.trips,
        stop_times=s.stop_times,
        shapes=s.shapes,
        bbox=None
        if bbox is None
        else BBoxOut(
            min_lon=bbox.min_lon, min_lat=bbox.min_lat, max_lon=bbox.max_lon, max_lat=bbox.max_lat
        ),
        source=s.source,
        imported_at=s.imported_at,
        timezone=timezone_of([a.timezone for a in queries.list_agencies()]).key,
    )


@router.get("/network/routes.geojson", response_class=Response, responses=_GEOJSON_RESPONSE)
def routes_geojson(request: Request, cache: CacheDep) -> Response:
    """One LineString per pattern with its route's names, colour, direction and headsign."""
    return encoded_response(cache.routes_geojson(), request, GEOJSON_MEDIA_TYPE)


@router.get("/network/stops.geojson", response_class=Response, responses=_GEOJSON_RESPONSE)
def stops_geojson(request: Request, cache: CacheDep, include_stations: bool = True) -> Response:
    """A Point per stop pole (kind "stop") and, unless excluded, per station."""
    body = cache.stops_geojson(include_stations=include_stations)
    return encoded_response(body, request, GEOJSON_MEDIA_TYPE)


@router.get("/routes")
def list_routes(cache: CacheDep) -> list[RouteOut]:
    """Every route, in natural order of their names, with colours and pattern counts."""
    return cache.routes()
