"""Finding stops: stations near a place, and fuzzy search over stations and lines.

A station is what a rider calls a stop: the poles on both sides of the road under one
name (`stop_ids` lists them, for arrivals per pole).
"""

from __future__ import annotations

import zlib
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel

from busbrain.api.arrivals import board, calls_at
from busbrain.api.cache import Finder
from busbrain.api.deps import CacheDep
from busbrain.api.jsonenc import dumps
from busbrain.domain.names import pinyin_of

router = APIRouter(prefix="/api/v1/stops", tags=["stops"])


class LineOut(BaseModel):
    route_id: str
    name: str


class StationOut(BaseModel):
    station_id: str
    name: str
    pinyin: str
    lat: float
    lon: float
    stop_ids: list[str]
    lines: list[LineOut]
    distance_m: float | None = None


class NearbyOut(BaseModel):
    lat: float
    lon: float
    radius_m: float
    stations: list[StationOut]


class SearchHitOut(BaseModel):
    kind: str
    """station or line"""
    id: str
    name: str
    pinyin: str
    score: float
    """0-100: 100 the whole name, 90s its start, 75-85 a later part, below 75 fuzzy."""
    match: str
    """name, pinyin, initials or fuzzy"""
    lat: float | None = None
    lon: float | None = None
    distance_m: float | None = None
    stop_ids: list[str] = []
    lines: list[LineOut] = []


class SearchOut(BaseModel):
    query: str
    results: list[SearchHitOut]


def _lines(finder: Finder, route_ids: tuple[str, ...]) -> list[LineOut]:
    return [LineOut(route_id=r, name=finder.route_names.get(r, r)) for r in route_ids]


@router.get("/nearby")
async def nearby(
    cache: CacheDep,
    lat: Annotated[float, Query(ge=-90, le=90, description="Latitude, WGS-84 degrees.")],
    lon: Annotated[float, Query(ge=-180, le=180, description="Longitude, WGS-84 degrees.")],
    radius_m: Annotated[float, Query(gt=0, le=5000, description="Search radius, metres.")] = 500,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> NearbyOut:
    """Stations within `radius_m` of the point, nearest first, with the lines serving them."""
    finder = cache.finder()
    found = finder.nearby.around(lat, lon, radius_m, limit)
    return NearbyOut(
        lat=lat,
        lon=lon,
        radius_m=radius_m,
        stations=[
            StationOut(
                station_id=n.station.station_id,
                name=n.station.name,
                pinyin=pinyin_of(n.station.name),
                lat=n.station.lat,
                lon=n.station.lon,
                stop_ids=list(n.station.stop_ids),
                lines=_lines(finder, n.station.route_ids),
                distance_m=round(n.distance_m, 1),
            )
            for n in found
        ],
    )


@router.get("/search")
async def search(
    cache: CacheDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=64,
            description="Characters, full pinyin, pinyin initials (zxgc), or a mix; typos ok.",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
) -> SearchOut:
    """Stations and lines matching `q`, best first: match quality, then importance, then
    distance from (lat, lon) when given."""
    if (lat is None) != (lon is None):
        raise HTTPException(422, detail="lat and lon: give both or neither")
    finder = cache.finder()
    near = (lat, lon) if lat is not None and lon is not None else None
    hits = finder.search.search(q, limit=limit, near=near)
    out = []
    for h in hits:
        e = h.entry
        st = finder.stations.get(e.id) if e.kind == "station" else None
        out.append(
            SearchHitOut(
                kind=e.kind,
                id=e.id,
                name=e.name,
                pinyin=e.pinyin,
                score=h.score,
                match=h.match,
                lat=e.lat,
                lon=e.lon,
                distance_m=None if h.distance_m is None else round(h.distance_m, 1),
                stop_ids=list(st.stop_ids) if st else [],
                lines=_lines(finder, st.route_ids) if st else [],
            )
        )
    return SearchOut(query=q, results=out)


_BOARD_CACHE_MAX = 4096
_BOARD_TTL_S = 3.0
"""How long a built board is served again. The live picture changes every second, so
keying boards by snapshot made nearly every request a rebuild at city scale (448
stations, hundreds of requests a second); a board up to 3 s old is as good to a rider
whose page refreshes every 10 s, and prediction ages stay within 3 s of the truth."""


@router.get(
    "/{stop_id}/arrivals",
    response_class=Response,
    responses={
        200: {"description": "The stop's arrivals board.", "content": {"application/json": {}}}
    },
)
async def arrivals(
    request: Request,
    cache: CacheDep,
    stop_id: Annotated[
        str, Path(description="A station id (both sides of the road) or a pole id.")
    ],
    per_line: Annotated[int, Query(ge=1, le=10, description="Buses shown per line.")] = 3,
) -> Response:
    """The next buses at a stop, per line and direction: live ones (minutes and stops away,
    the prediction's age, 即将到站 when arriving) and scheduled ones (marked, with "not
    yet departed"), the first and last bus, "last bus gone", and whether the line's live
    data is coming (`live_status`: live, lost, none). A board is reused for up to three
    seconds (a busy stop is asked for many times a second)."""
    finder = cache.finder()
    found = finder.resolve(stop_id)
    if found is None:
        raise HTTPException(404, detail=f"no stop or station {stop_id!r}")
    poles, name = set(found[0]), found[1]
    now = float(request.app.state.clock())
    snapshot = request.app.state.live()
    boards: dict[tuple[object, ...], bytes] = request.app.state.arrival_boards
    # each stop's boards expire at its own phase of the window, so that a busy server
    # rebuilds a few boards all the time rather than every board at once
    phase = (zlib.crc32(stop_id.encode()) % 1024) / 1024 * _BOARD_TTL_S
    changes = request.app.state.trip_book.view(now)  # trip changes: 已取消, 加班车
    window = int((now + phase) // _BOARD_TTL_S)
    key = (stop_id, per_line, snapshot is None, window, changes.changes.version)
    body = boards.get(key)
    if body is None:
        calls = calls_at(request.app.state.timetable, now)
        lines = board(
            poles, now, calls, snapshot, finder.route_names, per_line=per_line,
            changes=changes.changes, extra_calls=changes.extra_calls,
        )  # fmt: skip
        headsigns = cache.headsigns()
        for ln in lines:
            ln["headsign"] = headsigns.get((str(ln["route_id"]), int(ln["direction_id"])))  # type: ignore[call-overload]
        body = dumps(
            {
                "stop_id": stop_id,
                "name": name,
                "pinyin": pinyin_of(name),
                "stop_ids": sorted(poles),
                "now_unix": round(now),
                "live_snapshot_unix": None if snapshot is None else round(snapshot.made_at),
                "lines": lines,
            }
        )
        if len(boards) >= _BOARD_CACHE_MAX:
            boards.clear()
        boards[key] = body
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-cache"})
