"""The 调度指挥 tests' city: the tiny feed with line 1 every 10 minutes each way from
08:00, and a live picture at 08:30 (Jinzhou) with known truth:

- outbound (A→B→C→D): V2 heads for D1, due there in 2 min; V1, 400 s (6.7 min) late,
  is due at D1 3 min after V2 — bunched (3 min on a 10-min headway);
- inbound (D→C→A): V3 (90 s early) is due at A2 in 1 min; V4 (on time) 14 min after
  it — a gap;
- V5 runs line 2 alone and has no terminal.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from busbrain.api import create_app
from busbrain.domain.live import LiveSnapshot, StopPrediction, VehicleLive
from busbrain.domain.terminals import TerminalRecord
from busbrain.network_io.importer import import_feed
from busbrain.wiring import Store
from tests.api.dispatch_helpers import START, Clock, cheap_passwords
from tests.tinyfeed import TinyFeed

NOW = START.timestamp()  # 08:30 in Jinzhou, Tuesday 1 December 2026
PHONES = {"V1": "13900000101", "V2": "13900000102", "V3": "13900000103", "V4": "13900000104"}


def _trips_and_times() -> tuple[str, str]:
    trips = ["route_id,service_id,trip_id,trip_headsign,direction_id,block_id,shape_id"]
    times = ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"]
    for k in range(6):  # outbound 08:00 .. 08:50
        trip = f"O{k}"
        trips.append(f"R1,WD,{trip},医科大学,0,,SH1")
        for seq, (stop, after) in enumerate(
            zip(("A1", "B1", "C1", "D1"), (0, 3, 6, 10), strict=True), 1
        ):
            t = (
                f"08:{10 * k + after:02d}:00"
                if 10 * k + after < 60
                else f"09:{10 * k + after - 60:02d}:00"
            )
            times.append(f"{trip},{t},{t},{stop},{seq}")
    for k in range(4):  # inbound 08:00 .. 08:30
        trip = f"I{k}"
        trips.append(f"R1,WD,{trip},中央大街,1,,")
        for seq, (stop, after) in enumerate(zip(("D1", "C1", "A2"), (0, 4, 10), strict=True), 1):
            t = f"08:{10 * k + after:02d}:00"
            times.append(f"{trip},{t},{t},{stop},{seq}")
    trips.append("R2,WD,T4,北普陀山,0,,")
    times += ["T4,08:20:00,08:20:00,A1,1", "T4,08:25:00,08:25:00,E1,2", "T4,08:30:00,08:30:00,F1,3"]
    return "\n".join(trips) + "\n", "\n".join(times) + "\n"


def load_city(store: Store, tiny: TinyFeed) -> None:
    trips, times = _trips_and_times()
    tiny.set("trips.txt", trips).set("stop_times.txt", times)
    import_feed(tiny.folder(), store.network, now=dt.datetime(2026, 11, 29, tzinfo=dt.UTC))
    store.terminals.upsert_terminals(
        [TerminalRecord(p, f"辽G{v}", 1, v, None, None, None) for v, p in PHONES.items()]
    )


def _bus(
    vid: str, trip: str, direction: int, latlon: tuple[float, float], stop: str, seq: int,
    delay_s: float, predictions: list[tuple[str, int, float]], route: str = "R1",
) -> VehicleLive:  # fmt: skip
    return VehicleLive(
        vid, NOW - 5, *latlon, label=f"辽G{vid}", trip_id=trip, route_id=route,
        direction_id=direction, start_date="20261201", stop_id=stop, stop_sequence=seq,
        delay_s=delay_s, predicted_at=NOW - 5,
        predictions=tuple(StopPrediction(s, q, NOW + after) for s, q, after in predictions),
    )  # fmt: skip


SNAPSHOT = LiveSnapshot(
    NOW,
    (
        _bus("V1", "O2", 0, (41.12, 121.139), "C1", 3, 400, [("C1", 3, 60), ("D1", 4, 300)]),
        _bus("V2", "O1", 0, (41.123, 121.142), "D1", 4, 120, [("D1", 4, 120)]),
        _bus("V3", "I2", 1, (41.12, 121.135), "A2", 3, -90, [("A2", 3, 60)]),
        _bus("V4", "I3", 1, (41.124, 121.142), "C1", 2, 0, [("C1", 2, 30), ("A2", 3, 900)]),
        _bus("V5", "T4", 0, (41.129, 121.13), "F1", 3, 0, [("F1", 3, 60)], route="R2"),
    ),
)


def city_store_path(tmp: Path) -> str:
    return f"sqlite:///{tmp / 'command.db'}"


def command_app(store: Store, snapshot: LiveSnapshot | None = None, **more: Any) -> FastAPI:
    """The app over the city's store with the live picture above (or `snapshot`), the
    console's users and the gateway's outbox and terminal registry; `more`: further
    create_app arguments (trip changes, ...)."""
    shown = SNAPSHOT if snapshot is None else snapshot
    return create_app(
        store.queries,
        live=lambda: shown,
        schedule=store.schedule,
        clock=Clock(),
        users=store.users,
        passwords=cheap_passwords(),
        outbox=store.outbox,
        terminals=store.terminals,
        **more,
    )
