"""The live processor on the event bus: positions in, stop events and snapshots out.

One consumer group ("realtime") reads the gateway's `VehicleLocation` events, feeds them
to the `LiveProcessor` (the single writer), publishes what it detects (stop visits,
headway status, off-route, stale) back onto the bus, and acknowledges the batch only
after that. Every second it hands a fresh snapshot to `on_snapshot` (the APIs read it).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from busbrain.bus.ports import EventBus
from busbrain.domain.events import Event, VehicleLocation
from busbrain.domain.live import LiveSnapshot
from busbrain.realtime.fixes import Fix
from busbrain.realtime.live import LiveProcessor

GROUP = "realtime"
SNAPSHOT_EVERY_S = 1.0
log = logging.getLogger(__name__)


def fix_of(event: VehicleLocation, offset_s: float = 0.0) -> Fix:
    """The processors' view of a gateway position event; `offset_s` is added to the
    receive time (a simulated clock running ahead of or behind the wall clock)."""
    return Fix(
        event.vehicle or event.phone,
        event.ts_utc.timestamp(),
        event.lat_deg,
        event.lon_deg,
        received=event.received_utc.timestamp() + offset_s,
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
    offset_s: Callable[[], float] = lambda: 0.0,
    stop: asyncio.Event | None = None,
    batch: int = 512,
) -> None:
    """Run until `stop` is set (or cancelled). The clock is the wall clock plus
    `offset_s()` (0, unless a simulator plays another hour of the day)."""
    sub = await bus.subscribe(GROUP)
    last_snapshot = 0.0
    try:
        while stop is None or not stop.is_set():
            deliveries = await sub.fetch(batch, timeout_s=0.5)
            out: list[Event] = []
            offset = offset_s()
            now = time.time() + offset
            for d in deliveries:
                event = d.event
                if isinstance(event, VehicleLocation):
                    try:
                        fix = fix_of(event, offset)
                        out.extend(processor.process(fix, now, event.phone))
                    except Exception:  # one bad fix must not stop the city's live picture
                        log.exception("position of %s not processed", event.phone)
            if now - last_snapshot >= SNAPSHOT_EVERY_S:
                out.extend(processor.tick(now))
                on_snapshot(processor.snapshot(now))
                last_snapshot = now
            if out:
                await bus.publish_many(out)
            for d in deliveries:
                await d.ack()
    finally:
        await sub.close()
