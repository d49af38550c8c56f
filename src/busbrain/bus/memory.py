"""The in-process event bus: the default for `busbrain demo` and for tests.

Same semantics as the NATS adapter (see ports.py), inside one asyncio event loop:

- Events are stored in their wire form (encode_event), so a field that cannot travel fails
  here too, and memory is the size of the bytes (a location is about 350 bytes).
- Each partition is a log numbered from 0. Each group keeps, per partition, the next number
  to deliver, the deliveries it has not acked, and those to redeliver first (nak, or a
  subscription closed without acking them).
- Retention: an event is dropped once every group known to the bus has acked it; a group
  first seen starts at the oldest event still held. Before any group subscribes, events
  are kept for the first one.
- Bounded memory: at most `max_retained` events are held. When full, publish waits for
  subscribers to ack (backpressure on the producer, e.g. the gateway stops reading its
  sockets) and raises BusFullError after `full_timeout_s`: no subscriber loses an event
  silently. While no group exists nobody can fall behind, so a full bus then drops its
  oldest events instead (counted in `dropped`) rather than stopping the producer.
- No ack-wait timer: in one process the only "crash" is a subscription left without close,
  a bug; use `async with` so a failing processor's deliveries come back.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from busbrain.bus.closing import AsyncClosing
from busbrain.bus.ports import (
    DEFAULT_PARTITIONS,
    BusError,
    BusFullError,
    Delivery,
    EventBus,
    check_group,
    check_partitions,
)
from busbrain.domain.events import Event, decode_event, encode_event, partition_of


@dataclass(slots=True)
class _Entry:
    payload: bytes
    waiting: int
    """Groups that have not acked this event yet."""


@dataclass(slots=True)
class _Log:
    """One partition: events by number, `head` the oldest still held, `end` the next."""

    entries: dict[int, _Entry] = field(default_factory=dict)
    head: int = 0
    end: int = 0


@dataclass(slots=True)
class _Cursor:
    """One group on one partition."""

    next_seq: int
    pending: dict[int, int] = field(default_factory=dict)
    """Delivered, not acked: number -> attempt."""
    redeliver: list[tuple[int, int]] = field(default_factory=list)
    """Heap of (number, attempts so far) to deliver before `next_seq`."""


@dataclass(slots=True)
class _Group:
    cursors: dict[int, _Cursor]
    changed: asyncio.Event = field(default_factory=asyncio.Event)


class InMemoryBus(AsyncClosing):
    """An EventBus in this process. See the module docstring for the policies.

    partitions: how many partitions (the same meaning as on NATS).
    max_retained: most events held (not yet acked by every group), all partitions.
    full_timeout_s: how long publish waits for room before raising BusFullError.
    dedupe_window_s: how long an event_id is remembered to drop a re-published event
        (about 150 bytes per id: 1,000 events/s for 120 s hold some 18 MB).
    """

    def __init__(
        self,
        partitions: int = DEFAULT_PARTITIONS,
        *,
        max_retained: int = 100_000,
        full_timeout_s: float = 5.0,
        dedupe_window_s: float = 120.0,
    ) -> None:
        if partitions < 1 or max_retained < 1:
            raise ValueError("partitions and max_retained must be >= 1")
        self._partitions = partitions
        self._max_retained = max_retained
        self._full_timeout_s = full_timeout_s
        self._dedupe_window_s = dedupe_window_s
        self._logs = [_Log() for _ in range(partitions)]
        self._groups: dict[str, _Group] = {}
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._retained = 0
        self._dropped = 0
        self._space = asyncio.Event()
        self._subscriptions: set[_MemorySubscription] = set()
        self._closed = False

    @property
    def partitions(self) -> int:
        return self._partitions

    @property
    def retained(self) -> int:
        """Events held now (published, not yet acked by every group)."""
        return self._retained

    @property
    def dropped(self) -> int:
        """Events dropped unread because the bus was full before any group subscribed."""
        return self._dropped

    async def publish(self, event: Event) -> bool:
        if self._closed:
            raise BusError("the in-process bus is closed")
        if self._seen_recently(event.event_id):
            return False
        await self._wait_for_room()
        if self._seen_recently(event.event_id):  # published by another task meanwhile
            return False
        self._seen[event.event_id] = time.monotonic() + self._dedupe_window_s
        self._append(partition_of(event.phone, self._partitions), encode_event(event))
        return True

    async def publish_many(self, events: Sequence[Event]) -> int:
        stored = 0
        for event in events:
            stored += await self.publish(event)
        return stored

    async def subscribe(
        self, group: str, partitions: Iterable[int] | None = None
    ) -> _MemorySubscription:
        if self._closed:
            raise BusError("the in-process bus is closed")
        chosen = check_partitions(partitions, self._partitions)
        sub = _MemorySubscription(self, check_group(group), chosen)
        self._subscriptions.add(sub)
        return sub

    async def close(self) -> None:
        self._closed = True
        self._space.set()  # wake publishers waiting for room, to fail
        for sub in list(self._subscriptions):
            await sub.close()

    # -- publishing -------------------------------------------------------------------------

    def _seen_recently(self, event_id: str) -> bool:
        """True if event_id was published within the dedupe window (forgets older ids)."""
        now = time.monotonic()
        while self._seen and next(iter(self._seen.values())) < now:
            self._seen.popitem(last=False)
        return event_id in self._seen

    async def _wait_for_room(self) -> None:
        """Return at once while there is room; when full, wait for acks up to the timeout
        (or, with no group to wait for, drop the oldest event)."""
        while not self._groups and self._retained >= self._max_retained:
            self._drop_oldest()
        deadline = time.monotonic() + self._full_timeout_s
        while self._retained >= self._max_retained:
            if self._closed:
                raise BusError("the in-process bus is closed")
            self._space.clear()
            left = deadline - time.monotonic()
            try:
                await asyncio.wait_for(self._space.wait(), max(left, 0.0))
            except TimeoutError:
                raise BusFullError(
                    f"in-process bus full: {self._retained} events not yet acked by every "
                    f"group ({', '.join(sorted(self._groups)) or 'no group yet'}); "
                    f"no room within {self._full_timeout_s} s"
                ) from None

    def _drop_oldest(self) -> None:
        """Drop the oldest event of the partition holding most (only while no group exists)."""
        log = max(self._logs, key=lambda held: held.end - held.head)
        del log.entries[log.head]
        log.head += 1
        self._retained -= 1
        self._dropped += 1

    def _append(self, partition: int, payload: bytes) -> None:
        log = self._logs[partition]
        log.entries[log.end] = _Entry(payload, len(self._groups))
        log.end += 1
        self._retained += 1
        for group in self._groups.values():
            if partition in group.cursors:
                group.changed.set()

    # -- groups and acks (called by subscriptions) -------------------------------------------

    def _group(self, name: str) -> _Group:
        """The group `name`, created at the oldest held event of every partition."""
        group = self._groups.get(name)
        if group is None:
            for log in self._logs:
                for entry in log.entries.values():
                    entry.waiting += 1
            cursors = {p: _Cursor(next_seq=log.head) for p, log in enumerate(self._logs)}
            group = self._groups[name] = _Group(cursors)
        return group

    def _take(self, group: _Group, partition: int) -> tuple[int, int, bytes] | None:
        """The next (number, attempt, payload) of `partition` for `group`, if any."""
        cursor = group.cursors[partition]
        if cursor.redeliver:
            seq, attempts = heapq.heappop(cursor.redeliver)
            attempt = attempts + 1
        elif cursor.next_seq < self._logs[partition].end:
            seq, attempt = cursor.next_seq, 1
            cursor.next_seq += 1
        else:
            return None
        cursor.pending[seq] = attempt
        return seq, attempt, self._logs[partition].entries[seq].payload

    def _settle(self, group: _Group, partition: int, seq: int, acked: bool) -> None:
        cursor = group.cursors[partition]
        attempt = cursor.pending.pop(seq, None)
        if attempt is None:
            return
        if acked:
            self._logs[partition].entries[seq].waiting -= 1
            self._trim(self._logs[partition])
        else:
            heapq.heappush(cursor.redeliver, (seq, attempt))
            group.changed.set()

    def _trim(self, log: _Log) -> None:
        """Drop the oldest events that every group has acked."""
        while log.head < log.end and log.entries[log.head].waiting <= 0:
            del log.entries[log.head]
            log.head += 1
            self._retained -= 1
            self._space.set()

    def _forget(self, sub: _MemorySubscription) -> None:
        self._subscriptions.discard(sub)


@dataclass(slots=True, eq=False)
class _MemoryDelivery:
    event: Event
    partition: int
    attempt: int
    seq: int
    sub: _MemorySubscription
    settled: bool = False

    async def ack(self) -> None:
        self.sub.settle(self, acked=True)

    async def nak(self) -> None:
        self.sub.settle(self, acked=False)


class _MemorySubscription(AsyncClosing):
    """A group's subscription to some partitions of an InMemoryBus."""

    def __init__(self, bus: InMemoryBus, group: str, partitions: frozenset[int]) -> None:
        self._bus = bus
        self._name = group
        self._group = bus._group(group)
        self._partitions = partitions
        self._order = sorted(partitions)
        self._turn = itertools.count()
        self._outstanding: dict[tuple[int, int], _MemoryDelivery] = {}
        self._closed = False

    @property
    def group(self) -> str:
        return self._name

    @property
    def partitions(self) -> frozenset[int]:
        return self._partitions

    async def fetch(self, max_count: int = 256, timeout_s: float = 1.0) -> list[Delivery]:
        deadline = time.monotonic() + timeout_s
        while not self._closed:
            self._group.changed.clear()
            out = self._take(max_count)
            left = deadline - time.monotonic()
            if out or left <= 0:
                return out
            try:
                await asyncio.wait_for(self._group.changed.wait(), left)
            except TimeoutError:
                return []
        return []

    async def __aiter__(self) -> AsyncIterator[Delivery]:
        while not self._closed:
            for delivery in await self.fetch():
                yield delivery

    def _take(self, max_count: int) -> list[Delivery]:
        """Up to max_count deliveries, partitions taken in turn (a fair share over calls)."""
        start = next(self._turn) % len(self._order)
        out: list[Delivery] = []
        for partition in self._order[start:] + self._order[:start]:
            while len(out) < max_count:
                taken = self._bus._take(self._group, partition)
                if taken is None:
                    break
                seq, attempt, payload = taken
                delivery = _MemoryDelivery(decode_event(payload), partition, attempt, seq, self)
                self._outstanding[(partition, seq)] = delivery
                out.append(delivery)
        return out

    def settle(self, delivery: _MemoryDelivery, acked: bool) -> None:
        """Ack or nak one delivery; a second call, or a call after close, does nothing."""
        if delivery.settled:
            return
        delivery.settled = True
        del self._outstanding[(delivery.partition, delivery.seq)]
        self._bus._settle(self._group, delivery.partition, delivery.seq, acked)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for key in sorted(self._outstanding):
            self.settle(self._outstanding[key], acked=False)
        self._group.changed.set()
        self._bus._forget(self)


if TYPE_CHECKING:

    def _is_an_event_bus(bus: InMemoryBus) -> EventBus:
        return bus  # mypy checks that the adapter keeps to the port
