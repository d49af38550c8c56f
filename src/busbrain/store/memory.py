"""An in-memory network: the read side (`NetworkQueries`) over plain lists of domain values.

For tests, for the embedded mode and for anything that has a network in hand without a
database. It copies what it is given and never changes afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from busbrain.domain.network import Agency, Pattern, Route, Shape, Stop, Trip
from busbrain.store.ports import BBox, NetworkSummary


class InMemoryNetworkQueries:
    """`NetworkQueries` over lists of domain values, kept in the order given."""

    def __init__(
        self,
        agencies: Iterable[Agency],
        routes: Iterable[Route],
        stops: Iterable[Stop],
        patterns: Iterable[Pattern],
        shapes: Iterable[Shape],
        trips: Iterable[Trip],
        *,
        stop_times: int = 0,
        source: str | None = None,
        imported_at: dt.datetime | None = None,
    ) -> None:
        self._agencies = tuple(agencies)
        self._routes = tuple(routes)
        self._stops = tuple(stops)
        self._patterns = tuple(patterns)
        self._shapes = tuple(shapes)
        self._trips = {trip.trip_id: trip for trip in trips}
        self._stop_times = stop_times
        self._source = source
        self._imported_at = imported_at
        self._bbox = _bbox(self._stops)

    def summary(self) -> NetworkSummary:
        return NetworkSummary(
            agencies=len(self._agencies),
            routes=len(self._routes),
            stops=len(self._stops),
            patterns=len(self._patterns),
            trips=len(self._trips),
            stop_times=self._stop_times,
            shapes=len(self._shapes),
            bbox=self._bbox,
            source=self._source,
            imported_at=self._imported_at,
        )

    def list_agencies(self) -> list[Agency]:
        return list(self._agencies)

    def list_routes(self) -> list[Route]:
        return list(self._routes)

    def list_stops(self) -> list[Stop]:
        return list(self._stops)

    def list_patterns(self) -> list[Pattern]:
        return list(self._patterns)

    def list_shapes(self) -> list[Shape]:
        return list(self._shapes)

    def find_trip(self, trip_id: str) -> Trip | None:
        return self._trips.get(trip_id)


def _bbox(stops: Iterable[Stop]) -> BBox | None:
    """The box around every stop (as the SQL store computes it), None without stops."""
    lons = [stop.lon for stop in stops]
    lats = [stop.lat for stop in stops]
    if not lons:
        return None
    return BBox(min_lon=min(lons), min_lat=min(lats), max_lon=max(lons), max_lat=max(lats))
