"""设备监管's consumer on the event bus: the gateway's events into the fleet's equipment state.

Its own consumer group ("equipment") reads every event, hands positions, passenger
counts and session changes to `Equipment` (busbrain.oversight.equipment, kept in memory:
the figures are about now, and a restart rebuilds them within minutes), and acks each
batch once applied. A bad event is logged and skipped: the consumer never dies on one,
as a stopped group would fill the in-process bus and stall the gateway.

Beside the events it feeds the state, off the event loop and each at its own pace:
the live picture (who is on a trip, every `SERVICE_EVERY_S`), the terminal registry's
depot and plate of each terminal (new terminals soon, all every `REGISTRY_EVERY_S`) and
the stored fare taps' latest time per vehicle (every `TAPS_EVERY_S`; when the store
holds no tap at all for those days, fares are not loaded on this platform and no card
reader is judged), so that readers need nothing but `Equipment.report(now)`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import time
from collections.abc import Callable

import polars as pl

from busbrain.bus.ports import EventBus
from busbrain.domain.events import Event, TerminalOffline, TerminalOnline, VehicleLocation
from busbrain.domain.live import LiveSnapshot
from busbrain.oversight.equipment import Equipment
from busbrain.store.ports import FareTapReader, TerminalRegistry

GROUP = "equipment"
SERVICE_EVERY_S = 10.0
"""How often the live picture is read for who is in service, seconds (the 180 s silence
alarm and the once-a-minute day tally need no finer)."""
NEW_TERMINALS_EVERY_S = 5.0
"""How often terminals heard for the first time are looked up in the registry, seconds."""
REGISTRY_EVERY_S = 600.0
"""How often every terminal's depot and plate are read again, seconds (the registry
changes by import, rarely)."""
TAPS_EVERY_S = 900.0
"""How often the stored taps are read, seconds: they arrive in hourly batches, and
reading three days of a city's taps takes about a second."""
log = logging.getLogger(__name__)


def arrival(event: Event, now: float, to_sim: Callable[[float], float]) -> float:
    """When the platform got `event`, on the platform's clock (unix s): a position's
    received time, a session event's gateway time, else `now` (the fetch)."""
    if isinstance(event, VehicleLocation):
        return to_sim(event.received_utc.timestamp())
    if isinstance(event, TerminalOnline | TerminalOffline):
        return to_sim(event.ts_utc.timestamp())
    return now


def registry_records(
    registry: TerminalRegistry, phones: set[str]
) -> dict[str, tuple[str | None, str | None]]:
    """(depot, plate) of each of `phones` the registry knows (blocking: run in a thread)."""
    out: dict[str, tuple[str | None, str | None]] = {}
    for phone in phones:
        record = registry.find_terminal(phone)
        if record is not None:
            out[phone] = (record.depot, record.plate)
    return out


def last_taps(fares: FareTapReader, now: float) -> dict[str, float]:
    """The latest stored tap (unix s) of each vehicle over the service days around `now`
    (blocking: run in a thread)."""
    today = dt.datetime.fromtimestamp(now, dt.UTC).date()
    taps = fares.taps(today - dt.timedelta(days=2), today + dt.timedelta(days=1))
    if taps.is_empty():
        return {}
    latest = taps.group_by("vehicle_id").agg(pl.col("tap_utc").max())
    return {
        str(vid): when.timestamp()
        for vid, when in latest.iter_rows()
        if vid is not None and when is not None
    }


def _service(snap: LiveSnapshot) -> list[tuple[str, str | None, str | None]]:
    return [(v.vehicle_id, v.route_id, v.trip_id) for v in snap.vehicles]


async def consume_devices(
    equipment: Equipment,
    bus: EventBus,
    *,
    live: Callable[[], LiveSnapshot | None] | None = None,
    registry: TerminalRegistry | None = None,
    fares: FareTapReader | None = None,
    to_sim: Callable[[float], float] = float,
    stop: asyncio.Event | None = None,
    batch: int = 1024,
) -> None:
    """Run until `stop` is set (or cancelled). `to_sim` maps the wall clock to the
    platform's (unchanged unless a simulator plays another hour)."""
    sub = await bus.subscribe(GROUP)
    last_service = last_new = last_registry = last_taps_read = -math.inf
    looked_up: set[str] = set()
    try:
        while stop is None or not stop.is_set():
            deliveries = await sub.fetch(batch, timeout_s=0.5)
            now = to_sim(time.time())
            for d in deliveries:
                try:
                    equipment.observe(d.event, arrival(d.event, now, to_sim))
                except Exception:  # one bad event must not stop the module
                    log.exception("event of %s skipped by the equipment state", d.event.phone)
            if live is not None and now - last_service >= SERVICE_EVERY_S:
                last_service = now
                try:
                    snap = live()
                    if snap is not None:
                        equipment.note_service(_service(snap), now)
                except Exception:
                    log.exception("live picture not taken into the equipment state")
            if registry is not None and now - last_new >= NEW_TERMINALS_EVERY_S:
                last_new = now
                every = now - last_registry >= REGISTRY_EVERY_S
                phones = equipment.phones()
                wanted = phones if every else phones - looked_up
                if wanted:
                    try:
                        found = await asyncio.to_thread(registry_records, registry, wanted)
                        equipment.note_registry(found)
                        looked_up |= wanted
                        if every:
                            last_registry = now
                    except Exception:
                        log.exception("terminal registry not read; trying again later")
            if fares is not None and now - last_taps_read >= TAPS_EVERY_S:
                last_taps_read = now
                try:
                    latest = await asyncio.to_thread(last_taps, fares, now)
                    if latest:  # no tap at all: fares are not loaded here, judge no reader
                        equipment.note_taps(latest, now)
                except Exception:
                    log.exception("fare taps not read; card readers not checked this time")
            for d in deliveries:
                await d.ack()
    finally:
        await sub.close()
