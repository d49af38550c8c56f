"""The live processor on the event bus: positions in, stop events and snapshots out.

One consumer group ("realtime") reads the gateway's `VehicleLocation` and `PassengerCount`
events, feeds them to the `LiveProcessor` (the single writer), publishes what it detects
(stop visits, headway status, off-route, stale) back onto the bus, and acknowledges the
batch only after that. Every second it hands a fresh snapshot to `on_snapshot` (the APIs read it).
Dispatchers' trip changes come from the API through a `ChangeInbox` and are applied
between batches, so the processor stays the single writer.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from busbrain.bus.ports import EventBus
from busbrain.domain.events import Event, PassengerCount, VehicleLocation
from busbrain.domain.live import LiveSnapshot
from busbrain.domain.tripchanges import TripChange
from busbrain.realtime.fixes import Fix
from busbrain.realtime.live import LiveProcessor
from busbrain.runner.history import HistoryBuffer

GROUP = "realtime"
SNAPSHOT_EVERY_S = 1.0
HISTORY_EVERY_S = 5.0
log = logging.getLogger(__name__)


class ChangeInbox:
    """The hand-off of trip changes from the API (any thread) to the live consumer: the
    latest active changes of each service day, taken by the consumer between batches."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[dt.date, tuple[TripChange, ...]] = {}

    def put(self, day: dt.date, changes: Sequence[TripChange]) -> None:
        with self._lock:
            self._waiting[day] = tuple(changes)

    def take(self) -> dict[dt.date, tuple[TripChange, ...]]:
        with self._lock:
            got, self._waiting = self._waiting, {}
        return got


def fix_of(event: VehicleLocation, to_sim: Callable[[float], float] = float) -> Fix:
    """The processors' view of a gateway position event; `to_sim` maps the receive time
    to the processors' clock (a simulated clock, in demos and tests)."""
    return Fix(
        event.vehicle or event.phone,
        event.ts_utc.timestamp(),
        event.lat_deg,
        event.lon_deg,
        received=to_sim(event.received_utc.timestamp()),
        speed_kmh=event.speed_kmh,
        heading=event.heading_deg,
        valid=bool(event.status_bits & 0b10),
        blind_area=event.blind_area,
    )


async def consume(
    processor: LiveProcessor,
    bus: EventBus,
    *,
    on_snapshot: Callable[[LiveSnapshot], None],
    to_sim: Callable[[float], float] = float,
    history: HistoryBuffer | None = None,
    stop: asyncio.Event | None = None,
    batch: int = 512,
    changes: ChangeInbox | None = None,
) -> None:
    """Run until `stop` is set (or cancelled). The clock is the wall clock mapped by
    `to_sim` (unchanged, unless a simulator plays another hour or speed)."""
    sub = await bus.subscribe(GROUP)
    last_snapshot = last_flush = 0.0

    def work(
        deliveries: list[Any], now: float, snapshot_due: bool
    ) -> tuple[list[Event], LiveSnapshot | None]:
        """One batch through the processor, off the event loop: the loop keeps serving
        riders and terminals while a city's positions are matched (the interpreter
        switches threads every few milliseconds). Only this function touches the
        processor, one batch at a time, so it stays the single writer."""
        out: list[Event] = []
        for day, day_changes in (changes.take() if changes is not None else {}).items():
            processor.apply_changes(day, day_changes)
        for d in deliveries:
            event = d.event
            if isinstance(event, VehicleLocation):
                try:
                    fix = fix_of(event, to_sim)
                    caused = processor.process(fix, now, event.phone)
                    out.extend(caused)
                    if history is not None:
                        history.take(processor, fix, caused, now)
                except Exception:  # one bad fix must not stop the city's live picture
                    log.exception("position of %s not processed", event.phone)
            elif isinstance(event, PassengerCount):
                refined = processor.count(
                    event.vehicle or event.phone,
                    event.boarded,
                    event.alighted,
                    event.ts_utc.timestamp(),  # the terminal's clock, like a fix's
                    event.phone,
                    opened=event.start_utc.timestamp(),
                )
                out.extend(refined)
                if history is not None:
                    history.take_events(processor, refined, now)
        snap = None
        if snapshot_due:
            out.extend(processor.tick(now))
            snap = processor.snapshot(now)
        return out, snap

    try:
        while stop is None or not stop.is_set():
            deliveries = await sub.fetch(batch, timeout_s=0.5)
            now = to_sim(time.time())
            due = now - last_snapshot >= SNAPSHOT_EVERY_S
            out, snap = await asyncio.to_thread(work, deliveries, now, due)
            if snap is not None:
                on_snapshot(snap)
                last_snapshot = now
            if history is not None and now - last_flush >= HISTORY_EVERY_S:
                await history.flush(now)
                last_flush = now
            if out:
                await bus.publish_many(out)
            for d in deliveries:
                await d.ack()
    finally:
        if history is not None:
            await history.flush(to_sim(time.time()))
        await sub.close()
