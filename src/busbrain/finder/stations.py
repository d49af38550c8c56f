"""Stations as passengers see them: the poles on both sides of the road under one name.

A stop with a parent station belongs to it; other stops group by name with the nearest
group of that name within `MERGE_M` (a pole pair across a wide road), else start their
own. A station knows its poles, the lines serving them and how busy it is (trips calling
per day), which ranks it in search.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from busbrain.domain.geo import haversine_m
from busbrain.domain.network import LocationType, Stop

MERGE_M = 400.0


@dataclass(frozen=True, slots=True)
class Station:
    station_id: str
    name: str
    lat: float
    lon: float
    """WGS-84 degrees, the mean of its poles."""
    stop_ids: tuple[str, ...]
    route_ids: tuple[str, ...]
    importance: float
    """How much it matters to riders: the lines serving it, or trips calling per day
    when the caller knows them."""


def group_stations(
    stops: Sequence[Stop],
    routes_at: Mapping[str, set[str]],
    calls_at: Mapping[str, int] | None = None,
) -> list[Station]:
    """Stations from the network's stops; `routes_at` (and `calls_at`, trips per day, for
    importance; else the number of lines) per stop id."""
    parents = {s.stop_id: s for s in stops if s.location_type == LocationType.STATION}
    groups: dict[str, list[Stop]] = {}
    by_name: dict[str, list[str]] = {}
    for s in stops:
        if s.location_type != LocationType.STOP:
            continue
        if s.parent_station and s.parent_station in parents:
            groups.setdefault(s.parent_station, []).append(s)
            continue
        key = None
        for g in by_name.get(s.name, []):
            first = groups[g][0]
            if haversine_m(first.lat, first.lon, s.lat, s.lon) <= MERGE_M:
                key = g
                break
        if key is None:
            key = s.stop_id
            by_name.setdefault(s.name, []).append(key)
        groups.setdefault(key, []).append(s)
    out = []
    for key, members in groups.items():
        name = parents[key].name if key in parents else members[0].name
        routes = sorted({r for m in members for r in routes_at.get(m.stop_id, ())})
        out.append(
            Station(
                station_id=key,
                name=name,
                lat=sum(m.lat for m in members) / len(members),
                lon=sum(m.lon for m in members) / len(members),
                stop_ids=tuple(sorted(m.stop_id for m in members)),
                route_ids=tuple(routes),
                importance=float(
                    sum(calls_at.get(m.stop_id, 0) for m in members)
                    if calls_at is not None
                    else len(routes)
                ),
            )
        )
    out.sort(key=lambda st: st.station_id)
    return out
