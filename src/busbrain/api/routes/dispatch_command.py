"""调度指挥 (dispatch command), the line strip: GET /api/v1/dispatch/lines and
GET /api/v1/dispatch/lines/{route_id}/strip, for roles that read the module.

The strip is the rider's line view (routes/lines.py `route_detail`: stops in order, live
buses placed between them with `strip_at`) with what a dispatcher needs on each bus: its
schedule adherence (early, on time, late), its headway to the bus ahead in the same
direction, and whether that is bunching (串车) or a gap (大间隔) against the scheduled
headway around now (the gap between consecutive departures from the first stop in
today's timetable). The rules are in busbrain.realtime.headways.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from busbrain.access.roles import Permission
from busbrain.api.answers import kept_live_answer
from busbrain.api.arrivals import Call, calls_at
from busbrain.api.auth import Caller, no_store, require
from busbrain.api.cache import NetworkCache
from busbrain.api.ordering import natural_key
from busbrain.api.routes.lines import route_detail
from busbrain.domain.live import LiveSnapshot, VehicleLive
from busbrain.realtime.headways import (
    Spacing,
    StripBus,
    adherence,
    headways,
    scheduled_headway,
    spacing,
)

router = APIRouter(prefix="/api/v1/dispatch", tags=["dispatch"], dependencies=[Depends(no_store)])

ReaderDep = Annotated[Caller, Depends(require(Permission.READ_COMMAND))]


def _schedule_on_strip(calls: list[Call], strip: list[str]) -> list[float | None]:
    """A trip's scheduled time at each stop of the strip (None where it does not call);
    on a loop, the call whose stop_sequence is nearest the strip position wins."""
    by_stop: dict[str, list[Call]] = {}
    for c in calls:
        by_stop.setdefault(c.stop_id, []).append(c)
    out: list[float | None] = []
    for k, stop in enumerate(strip, start=1):
        here = by_stop.get(stop)
        out.append(
            None if not here else min(here, key=lambda c: abs(c.stop_sequence - k)).arrival_unix
        )
    return out


def _direction(
    d: dict[str, Any], vehicles: dict[str, VehicleLive], request: Request, now: float
) -> dict[str, Any]:
    """A direction of route_detail's answer with adherence, headways and flags added."""
    calls = calls_at(request.app.state.timetable, now)
    strip = [s["stop_id"] for s in d["stops"]]
    scheduled = scheduled_headway(d["departures_unix"], now)
    strip_buses = []
    for bus in d["buses"]:
        v = vehicles[bus["vehicle_id"]]
        trip_calls = calls.by_trip.get(v.trip_id or "", [])
        strip_buses.append(
            StripBus(
                v.vehicle_id,
                bus["strip_at"],
                {p.stop_id: p.arrival_unix for p in v.predictions},
                _schedule_on_strip(trip_calls, strip) if trip_calls else (),
            )
        )
    found = headways(strip_buses)
    changes = request.app.state.trip_book.view(now).changes  # 调度指挥's trip changes
    for bus in d["buses"]:
        trip_id = vehicles[bus["vehicle_id"]].trip_id
        bus["trip_change"] = changes.flag_of(trip_id)  # cancel, short_turn, extra or None
        bus["held"] = bus["vehicle_id"] in changes.holds
        hw = found[bus["vehicle_id"]]
        delay = bus["delay_s"]
        flag = spacing(hw.headway_s, scheduled)
        bus["adherence"] = adherence(delay).value
        bus["delay_min"] = None if delay is None else round(delay / 60, 1)
        bus["ahead_vehicle_id"] = hw.ahead
        bus["headway_s"] = None if hw.headway_s is None else round(hw.headway_s)
        bus["headway_source"] = hw.source
        bus["spacing"] = flag.value
        bus["bunched"] = flag is Spacing.BUNCHED
        bus["gapped"] = flag is Spacing.GAPPED
    d["buses"].sort(key=lambda b: -(b["strip_at"] or 0.0))
    d["scheduled_headway_s"] = None if scheduled is None else round(scheduled)
    return d


def line_strip(request: Request, route_id: str) -> dict[str, Any]:
    """The strip of one line (404 for an unknown line)."""
    cache: NetworkCache = request.app.state.network_cache
    detail: dict[str, Any] = route_detail(request, cache, route_id)
    snap: LiveSnapshot | None = request.app.state.live()
    vehicles = {} if snap is None else {v.vehicle_id: v for v in snap.vehicles}
    now = float(detail["now_unix"])
    detail["directions"] = [_direction(d, vehicles, request, now) for d in detail["directions"]]
    buses = [b for d in detail["directions"] for b in d["buses"]]
    detail["bunched"] = sum(b["bunched"] for b in buses)
    detail["gapped"] = sum(b["gapped"] for b in buses)
    detail["late"] = sum(b["adherence"] == "late" for b in buses)
    detail["early"] = sum(b["adherence"] == "early" for b in buses)
    return detail


@router.get("/lines")
@kept_live_answer
def list_lines(_: ReaderDep, request: Request) -> dict[str, Any]:
    """Every line with its live buses and how many of them are bunched, gapped, late or
    early (lines with live buses first, then by name)."""
    cache: NetworkCache = request.app.state.network_cache
    names = cache.finder().route_names
    lines = []
    for route_id in sorted(names, key=lambda r: natural_key(names[r])):
        strip = line_strip(request, route_id)
        lines.append(
            {
                "route_id": route_id,
                "line": strip["line"],
                "live_buses": strip["live_buses"],
                **{k: strip[k] for k in ("bunched", "gapped", "late", "early")},
            }
        )
    lines.sort(key=lambda ln: ln["live_buses"] == 0)
    return {"lines": lines}


@router.get("/lines/{route_id}/strip", responses={404: {"description": "No such line."}})
def get_strip(
    _: ReaderDep,
    request: Request,
    route_id: Annotated[str, Path(description="The line's route_id.", max_length=200)],
) -> dict[str, Any]:
    """Both directions of a line: stops in order and every live bus between them, with
    its adherence (`early` more than 60 s early, `late` more than 300 s late), headway to
    the bus ahead (`headway_s`, from predictions at a common stop or the scheduled running
    time between the two), and `bunched` (≤ 75 % of `scheduled_headway_s`) or `gapped`
    (≥ 125 %)."""
    return line_strip(request, route_id)
