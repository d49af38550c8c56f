"""The loop every storing consumer shares: fetch a batch from its group, write what it
needs off the event loop, acknowledge only after writing.

A store that is down (StoreError) gets the whole batch back (nak) and a pause, so
nothing is lost and the group retries; bad records are the writer's to skip (it logs
them), so one bad event never stops the group.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from busbrain.bus.ports import Delivery, EventBus
from busbrain.domain.errors import StoreError

log = logging.getLogger(__name__)


async def store_batches(
    bus: EventBus,
    group: str,
    write: Callable[[Sequence[Delivery]], None],
    *,
    what: str,
    stop: asyncio.Event | None = None,
    batch: int = 256,
    retry_after_s: float = 2.0,
) -> None:
    """Run until `stop` is set (or cancelled): `write(deliveries)` in a worker thread for
    each batch of group `group`; `what` names the records in the log."""
    sub = await bus.subscribe(group)
    try:
        while stop is None or not stop.is_set():
            deliveries = await sub.fetch(batch, timeout_s=0.5)
            if not deliveries:
                continue
            try:
                await asyncio.to_thread(write, deliveries)
            except StoreError:
                log.exception("%s not stored; trying again in %.0f s", what, retry_after_s)
                for d in deliveries:
                    await d.nak()
                await asyncio.sleep(retry_after_s)
                continue
            for d in deliveries:
                await d.ack()
    finally:
        await sub.close()
