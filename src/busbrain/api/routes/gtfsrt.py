"""GTFS-Realtime over HTTP: the live picture as VehiclePositions and TripUpdates feeds.

Consumers (journey planners, the validator) poll these URLs, so every answer is built
from the snapshot current at the request and marked `no-cache`. Protobuf is the format
GTFS-RT consumers read; `?format=json` is for people and debugging.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from google.transit import gtfs_realtime_pb2

from busbrain.api.gtfsrt import TripEdit, feed_as_json, trip_updates, vehicle_positions
from busbrain.domain.live import LiveSnapshot

router = APIRouter(prefix="/gtfs-rt", tags=["gtfs-realtime"])

PROTOBUF_MEDIA_TYPE = "application/x-protobuf"
_NO_CACHE = {"Cache-Control": "no-cache"}

_FEED_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A GTFS-Realtime 2.0 FeedMessage (FULL_DATASET): protobuf by "
        "default, or its JSON mapping with ?format=json.",
        "content": {
            PROTOBUF_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}


class FeedFormat(StrEnum):
    """How a feed is sent: GTFS-RT protobuf, or the protobuf JSON mapping."""

    PROTOBUF = "protobuf"
    JSON = "json"


FormatQuery = Annotated[
    FeedFormat,
    Query(alias="format", description="protobuf (the default) or json"),
]


def current_snapshot(request: Request) -> LiveSnapshot:
    """The app's live snapshot, or an empty one stamped now when nothing is live yet.

    An empty FULL_DATASET feed is the honest answer before the first snapshot: "no
    vehicles", timestamped with the current wall clock (unix seconds).
    """
    live: Callable[[], LiveSnapshot | None] = request.app.state.live
    snapshot = live()
    return LiveSnapshot(made_at=time.time()) if snapshot is None else snapshot


def trip_edits(request: Request, snapshot: LiveSnapshot) -> tuple[TripEdit, ...]:
    """The dispatchers' trip changes of the snapshot's service day, as the feeds say them."""
    return request.app.state.trip_book.view(snapshot.made_at).edits  # type: ignore[no-any-return]


@router.get("/vehicle-positions", response_class=Response, responses=_FEED_RESPONSE)
def get_vehicle_positions(request: Request, fmt: FormatQuery = FeedFormat.PROTOBUF) -> Response:
    """Where every live vehicle is, and on which trip, as a VehiclePositions feed."""
    snapshot = current_snapshot(request)
    return _send(vehicle_positions(snapshot, trip_edits(request, snapshot)), fmt)


@router.get("/trip-updates", response_class=Response, responses=_FEED_RESPONSE)
def get_trip_updates(request: Request, fmt: FormatQuery = FeedFormat.PROTOBUF) -> Response:
    """Predicted arrivals of every vehicle on a trip, as a TripUpdates feed."""
    snapshot = current_snapshot(request)
    return _send(trip_updates(snapshot, trip_edits(request, snapshot)), fmt)


def _send(msg: gtfs_realtime_pb2.FeedMessage, fmt: FeedFormat) -> Response:
    """The feed in the asked format, never cached: it is stale within seconds."""
    if fmt is FeedFormat.JSON:
        return JSONResponse(feed_as_json(msg), headers=_NO_CACHE)
    body: bytes = msg.SerializeToString()
    return Response(body, media_type=PROTOBUF_MEDIA_TYPE, headers=_NO_CACHE)
