"""Network responses built once per app: the network does not change while serving.

An import restarts the server, so there is nothing to invalidate. Building is guarded by
a lock so that concurrent first requests build once.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from busbrain.api.colors import route_color, route_text_color
from busbrain.api.geojson import routes_feature_collection, stops_feature_collection
from busbrain.api.jsonenc import dumps
from busbrain.api.ordering import route_label, route_sort_key
from busbrain.api.schemas import RouteOut
from busbrain.domain.names import has_han
from busbrain.domain.network import Pattern
from busbrain.finder.nearby import NearbyIndex
from busbrain.finder.search import SearchIndex
from busbrain.finder.stations import Station, group_stations
from busbrain.store.ports import NetworkQueries


class EncodedBody:
    """A JSON body encoded once, with its ETag and (made on first need) its gzip form."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.etag = 'W/"' + hashlib.blake2b(raw, digest_size=12).hexdigest() + '"'
        self._gzipped: bytes | None = None
        self._lock = threading.Lock()

    def gzipped(self) -> bytes:
        with self._lock:
            if self._gzipped is None:
                self._gzipped = gzip.compress(self.raw, compresslevel=6, mtime=0)
            return self._gzipped


@dataclass(frozen=True, slots=True)
class Finder:
    """The network's stations, searchable by name and by place."""

    stations: dict[str, Station]
    search: SearchIndex
    nearby: NearbyIndex
    route_names: dict[str, str]
    station_of_pole: dict[str, str]
    pole_latlon: dict[str, tuple[float, float]]
    """Each stop pole's position, WGS-84 degrees (lat, lon)."""

    def station_of(self, pole: str) -> Station | None:
        """The station a stop pole belongs to."""
        key = self.station_of_pole.get(pole)
        return None if key is None else self.stations[key]

    def resolve(self, stop_id: str) -> tuple[frozenset[str], str] | None:
        """The poles and name a stop id stands for: a station's poles, or one pole."""
        station = self.stations.get(stop_id)
        if station is not None:
            return frozenset(station.stop_ids), station.name
        holder = self.station_of(stop_id)
        return None if holder is None else (frozenset({stop_id}), holder.name)


class NetworkCache:
    """The app's network responses, each computed from `queries` on first request."""

    def __init__(self, queries: NetworkQueries) -> None:
        self._queries = queries
        self._lock = threading.Lock()
        self._bodies: dict[str, EncodedBody] = {}
        self._routes: list[RouteOut] | None = None
        self._finder: Finder | None = None
        self._patterns: list[Pattern] | None = None
        self._headsigns: dict[tuple[str, int], str] | None = None

    def patterns(self) -> list[Pattern]:
        with self._lock:
            if self._patterns is None:
                self._patterns = self._queries.list_patterns()
            return self._patterns

    def headsigns(self) -> dict[tuple[str, int], str]:
        """(route_id, direction_id) -> the headsign of its longest pattern (what the bus
        shows), for labelling a line's direction on boards."""
        with self._lock:
            if self._headsigns is None:
                best: dict[tuple[str, int], Pattern] = {}
                for p in self._queries.list_patterns():
                    key = (p.route_id, int(p.direction_id or 0))
                    if p.headsign and (key not in best or len(p.stops) > len(best[key].stops)):
                        best[key] = p
                self._headsigns = {k: str(p.headsign) for k, p in best.items()}
            return self._headsigns

    def finder(self) -> Finder:
        with self._lock:
            if self._finder is None:
                self._finder = _finder(self._queries)
            return self._finder

    def routes_geojson(self) -> EncodedBody:
        q = self._queries
        return self._body(
            "routes.geojson",
            lambda: routes_feature_collection(
                q.list_routes(), q.list_patterns(), q.list_shapes(), q.list_stops()
            ),
        )

    def stops_geojson(self, *, include_stations: bool) -> EncodedBody:
        q = self._queries
        return self._body(
            f"stops.geojson?stations={include_stations}",
            lambda: stops_feature_collection(
                q.list_stops(),
                q.list_patterns(),
                q.list_routes(),
                include_stations=include_stations,
            ),
        )

    def routes(self) -> list[RouteOut]:
        with self._lock:
            if self._routes is None:
                self._routes = _route_list(self._queries)
            return self._routes

    def _body(self, key: str, build: Callable[[], Any]) -> EncodedBody:
        with self._lock:
            body = self._bodies.get(key)
            if body is None:
                body = EncodedBody(dumps(build()))
                self._bodies[key] = body
            return body


def _finder(queries: NetworkQueries) -> Finder:
    routes_at: dict[str, set[str]] = {}
    for pattern in queries.list_patterns():
        for ps in pattern.stops:
            routes_at.setdefault(ps.stop_id, set()).add(pattern.route_id)
    routes = sorted(queries.list_routes(), key=route_sort_key)
    names = {r.route_id: _line_name(route_label(r)) for r in routes}
    stations = group_stations(queries.list_stops(), routes_at)
    served = Counter(r for s in stations for r in s.route_ids)
    lines = [(r.route_id, names[r.route_id], float(served.get(r.route_id, 0))) for r in routes]
    return Finder(
        {s.station_id: s for s in stations},
        SearchIndex.build(stations, lines),
        NearbyIndex(stations),
        names,
        {pole: s.station_id for s in stations for pole in s.stop_ids},
        {s.stop_id: (s.lat, s.lon) for s in queries.list_stops()},
    )


def _line_name(short: str) -> str:
    """A line as riders name it: 1 -> 1路; names already in characters stay."""
    return short if has_han(short) else f"{short}路"


def _route_list(queries: NetworkQueries) -> list[RouteOut]:
    patterns = queries.list_patterns()
    counts = Counter(pattern.route_id for pattern in patterns)
    headsigns: dict[str, list[str]] = {}
    for pattern in patterns:
        names = headsigns.setdefault(pattern.route_id, [])
        if pattern.headsign and pattern.headsign not in names:
            names.append(pattern.headsign)
    return [
        RouteOut(
            route_id=route.route_id,
            agency_id=route.agency_id,
            short_name=route.short_name,
            long_name=route.long_name,
            route_type=route.route_type,
            color=route_color(route),
            text_color=route_text_color(route),
            pattern_count=counts.get(route.route_id, 0),
            headsigns=headsigns.get(route.route_id, []),
        )
        for route in sorted(queries.list_routes(), key=route_sort_key)
    ]
