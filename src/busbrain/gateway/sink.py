"""Batch events onto the bus, and tell each sender when its events are stored.

A terminal's report is acknowledged only once its events are on the bus, so an ack
means "stored". Publishing one event per await would cap throughput at one round trip
per report; here concurrent senders' events are gathered for a few milliseconds and
published together, and every sender waits for its own batch.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Sequence

from busbrain.bus.ports import Publisher
from busbrain.domain.events import Event


class EventSink:
    def __init__(self, publisher: Publisher, *, batch: int = 512, delay_s: float = 0.005) -> None:
        self._publisher = publisher
        self._batch = batch
        self._delay_s = delay_s
        self._pending: deque[tuple[Sequence[Event], asyncio.Future[None]]] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="event-sink")

    async def put(self, events: Sequence[Event]) -> None:
        """Return once `events` are published; raises if the bus refused them."""
        if not events:
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((events, done))
        self._wake.set()
        await done

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            await asyncio.sleep(self._delay_s)  # let concurrent senders join the batch
            self._wake.clear()
            while self._pending:
                taken, count = [], 0
                while self._pending and count < self._batch:
                    item = self._pending.popleft()
                    taken.append(item)
                    count += len(item[0])
                await self._flush(taken)

    async def _flush(self, taken: list[tuple[Sequence[Event], asyncio.Future[None]]]) -> None:
        events = [e for evs, _ in taken for e in evs]
        try:
            await self._publisher.publish_many(events)
        except Exception as exc:  # every waiting sender learns of the failure
            for _, fut in taken:
                if not fut.done():
                    fut.set_exception(exc)
            return
        for _, fut in taken:
            if not fut.done():
                fut.set_result(None)

    async def close(self) -> None:
        if self._task is not None:
            while self._pending:
                await asyncio.sleep(self._delay_s)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
