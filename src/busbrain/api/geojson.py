"""The network as GeoJSON (RFC 7946): pattern lines and stop points, coordinates [lon, lat].

Pure functions of domain values; the cache in `cache.py` encodes their result once per app.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from busbrain.api.colors import palette_color, route_color, route_text_color
from busbrain.api.ordering import route_sort_key
from busbrain.domain.network import LocationType, Pattern, Route, Shape, Stop

COORD_DECIMALS = 6  # about 0.1 m: finer than any GPS fix, and short to send

Position = list[float]
Feature = dict[str, Any]
FeatureCollection = dict[str, Any]


def position(lon: float, lat: float) -> Position:
    return [round(lon, COORD_DECIMALS), round(lat, COORD_DECIMALS)]


def feature_collection(features: list[Feature]) -> FeatureCollection:
    return {"type": "FeatureCollection", "features": features}


def routes_feature_collection(
    routes: Iterable[Route],
    patterns: Iterable[Pattern],
    shapes: Iterable[Shape],
    stops: Iterable[Stop],
) -> FeatureCollection:
    """One LineString per pattern, along its shape (or its stops when the shape is missing).

    Features come in route order (natural order of the route names), then by direction.
    A pattern with fewer than two distinct positions has no line and is left out.
    """
    routes_by_id = {route.route_id: route for route in routes}
    shapes_by_id = {shape.shape_id: shape for shape in shapes}
    stops_by_id = {stop.stop_id: stop for stop in stops}

    def order(pattern: Pattern) -> tuple[Any, ...]:
        route = routes_by_id.get(pattern.route_id)
        route_key = route_sort_key(route) if route else ((), pattern.route_id)
        direction = -1 if pattern.direction_id is None else pattern.direction_id
        return route_key, direction, pattern.pattern_id

    features: list[Feature] = []
    for pattern in sorted(patterns, key=order):
        coordinates = _pattern_line(pattern, shapes_by_id, stops_by_id)
        if len(coordinates) < 2:
            continue
        route = routes_by_id.get(pattern.route_id)
        features.append(
            {
                "type": "Feature",
                "id": pattern.pattern_id,
                "geometry": {"type": "LineString", "coordinates": coordinates},
                "properties": _pattern_properties(pattern, route),
            }
        )
    return feature_collection(features)


def stops_feature_collection(
    stops: Iterable[Stop],
    patterns: Iterable[Pattern],
    routes: Iterable[Route],
    *,
    include_stations: bool = True,
) -> FeatureCollection:
    """A Point per stop pole (kind "stop") and, if asked, per station (kind "station").

    `route_ids` lists the routes whose patterns call at the pole (for a station: at any of
    its poles), in route order. Entrances, generic nodes and boarding areas are left out.
    """
    stop_list = list(stops)
    served = _routes_serving(stop_list, patterns, routes)
    features: list[Feature] = []
    for stop in stop_list:
        if stop.location_type == LocationType.STOP:
            kind = "stop"
        elif stop.location_type == LocationType.STATION and include_stations:
            kind = "station"
        else:
            continue
        features.append(
            {
                "type": "Feature",
                "id": stop.stop_id,
                "geometry": {"type": "Point", "coordinates": position(stop.lon, stop.lat)},
                "properties": {
                    "stop_id": stop.stop_id,
                    "name": stop.name,
                    "name_pinyin": stop.name_pinyin,
                    "code": stop.code,
                    "parent_station": stop.parent_station,
                    "kind": kind,
                    "route_ids": served.get(stop.stop_id, []),
                },
            }
        )
    return feature_collection(features)


def _pattern_line(
    pattern: Pattern, shapes: Mapping[str, Shape], stops: Mapping[str, Stop]
) -> list[Position]:
    shape = shapes.get(pattern.shape_id)
    if shape is not None and len(shape.points) >= 2:
        raw = [(point.lon, point.lat) for point in shape.points]
    else:
        raw = [(s.lon, s.lat) for ps in pattern.stops if (s := stops.get(ps.stop_id)) is not None]
    return _dedupe([position(lon, lat) for lon, lat in raw])


def _dedupe(line: Sequence[Position]) -> list[Position]:
    """Drops positions equal (after rounding) to the one before."""
    out: list[Position] = []
    for pos in line:
        if not out or out[-1] != pos:
            out.append(pos)
    return out


def _pattern_properties(pattern: Pattern, route: Route | None) -> dict[str, Any]:
    return {
        "pattern_id": pattern.pattern_id,
        "route_id": pattern.route_id,
        "short_name": route.short_name if route else None,
        "long_name": route.long_name if route else None,
        "route_type": route.route_type if route else None,
        "color": route_color(route) if route else palette_color(pattern.route_id),
        "text_color": route_text_color(route) if route else "#FFFFFF",
        "direction_id": pattern.direction_id,
        "headsign": pattern.headsign,
        "stop_ids": [ps.stop_id for ps in pattern.stops],
    }


def _routes_serving(
    stops: Sequence[Stop], patterns: Iterable[Pattern], routes: Iterable[Route]
) -> dict[str, list[str]]:
    """stop_id → ids of the routes calling there; stations get the union of their poles'."""
    rank = {route.route_id: i for i, route in enumerate(sorted(routes, key=route_sort_key))}
    serving: dict[str, set[str]] = {}
    for pattern in patterns:
        for ps in pattern.stops:
            serving.setdefault(ps.stop_id, set()).add(pattern.route_id)
    for stop in stops:
        if stop.parent_station and stop.stop_id in serving:
            serving.setdefault(stop.parent_station, set()).update(serving[stop.stop_id])
    return {
        stop_id: sorted(ids, key=lambda rid: (rank.get(rid, len(rank)), rid))
        for stop_id, ids in serving.items()
    }
