"""The event bus interface: what publishers and processors see, whatever carries the events.

Semantics, the same for every adapter (tests/bus/test_contract.py runs them on each):

- Partitions. Each event goes to partition `partition_of(event.phone, partitions)`; a
  vehicle's events are in one partition, in publish order.
- Groups. A subscriber names a durable group. Every group gets every event; the group
  remembers what it has acked, so a new subscription of the group resumes where the last
  one stopped. A group first seen starts at the oldest event the bus still holds.
- Sharing. A subscription takes some partitions of its group (default: all). Several
  processes of one group share the load by taking disjoint sets (`share_partitions`);
  order per vehicle holds while one subscription owns a partition.
- At least once. A delivery must be acked after it is processed. Deliveries not acked
  when a subscription closes come back to the group's next subscription, before newer
  events of the partition. So processing must be idempotent (key effects by event_id).
  After a crash (no close) the NATS adapter redelivers after its ack wait, possibly after
  newer events of the same vehicle: processors order by event time, not arrival.
- Idempotent publish. An event published again within the dedupe window (same event_id)
  is not stored twice; publish reports whether it was stored.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Sequence
from types import TracebackType
from typing import Protocol, Self

from busbrain.domain.errors import BusbrainError
from busbrain.domain.events import Event

DEFAULT_PARTITIONS = 16
"""Partitions of the default bus: enough to spread processors over 16 processes. All
publishers and subscribers of one bus must agree on the count (the NATS adapter checks)."""

_GROUP_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


class BusError(BusbrainError):
    """The bus could not do what was asked (publish refused, subscription failed)."""


class BusFullError(BusError):
    """The in-process bus holds its maximum of unacked events and none were acked in time."""


class BusUnavailableError(BusError):
    """The bus server cannot be reached."""


class Delivery(Protocol):
    """One event handed to a subscriber, to be acked once processed."""

    @property
    def event(self) -> Event: ...

    @property
    def partition(self) -> int: ...

    @property
    def attempt(self) -> int:
        """1 on first delivery, 2 on the first redelivery, ..."""
        ...

    async def ack(self) -> None:
        """Processed: the group will not see this event again. Later calls do nothing."""
        ...

    async def nak(self) -> None:
        """Not processed: deliver it again now. Later calls do nothing."""
        ...


class Subscription(Protocol):
    """A group's consumer of some partitions. Use as `async with`; iterate or fetch."""

    @property
    def group(self) -> str: ...

    @property
    def partitions(self) -> frozenset[int]: ...

    async def fetch(self, max_count: int = 256, timeout_s: float = 1.0) -> list[Delivery]:
        """Up to max_count deliveries, waiting up to timeout_s for the first; [] if none
        came or the subscription is closed. Order within a partition is kept."""
        ...

    def __aiter__(self) -> AsyncIterator[Delivery]:
        """Deliveries one by one until the subscription is closed."""
        ...

    async def close(self) -> None:
        """Stop; deliveries not acked go back to the group. Idempotent."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class Publisher(Protocol):
    """Where the gateway puts events."""

    async def publish(self, event: Event) -> bool:
        """Store one event durably; False when it was a duplicate (same event_id)."""
        ...

    async def publish_many(self, events: Sequence[Event]) -> int:
        """Store events in order (pipelined); returns how many were new."""
        ...


class EventBus(Publisher, Protocol):
    """A publisher that also hands out subscriptions."""

    @property
    def partitions(self) -> int: ...

    async def subscribe(self, group: str, partitions: Iterable[int] | None = None) -> Subscription:
        """A subscription of durable group `group` to `partitions` (default: all)."""
        ...

    async def close(self) -> None:
        """Close every subscription and the connection. Idempotent."""
        ...


def check_group(group: str) -> str:
    """`group` if it is a valid durable name (letters, digits, _ and -; at most 64)."""
    if not _GROUP_NAME.fullmatch(group):
        raise ValueError(f"bad group name {group!r}: use 1-64 of A-Z a-z 0-9 _ -")
    return group


def check_partitions(wanted: Iterable[int] | None, count: int) -> frozenset[int]:
    """The partitions a subscription takes: all of 0..count-1 by default, else `wanted`."""
    chosen = frozenset(range(count)) if wanted is None else frozenset(wanted)
    bad = sorted(p for p in chosen if not 0 <= p < count)
    if bad or not chosen:
        raise ValueError(f"partitions must be a non-empty subset of 0..{count - 1}, got {bad}")
    return chosen


def share_partitions(member: int, members: int, partitions: int) -> frozenset[int]:
    """The partitions member `member` (0-based) of `members` processes takes: p % members.

    Static sharing: restart the group with the new member count to rebalance.
    """
    if not 0 <= member < members:
        raise ValueError(f"member must be in 0..{members - 1}, got {member}")
    return frozenset(p for p in range(partitions) if p % members == member)
