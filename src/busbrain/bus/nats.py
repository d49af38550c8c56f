"""The NATS JetStream event bus: the production adapter (semantics in ports.py).

Layout on the server:

- One stream (default BUSBRAIN_EVENTS) holding subjects `<prefix>.v1.<type>.<partition>`,
  file storage, kept `max_age_s` (default a day) or until `max_bytes`, oldest dropped
  first. Its description records the partition count; a bus with another count refuses
  to start, since it would send a vehicle's events to two partitions.
- Per group and partition one durable pull consumer `<group>_p<partition>`, filtering
  `<prefix>.v1.*.<partition>` (NATS 2.9 allows one filter per consumer), explicit acks,
  redelivery `ack_wait_s` after a delivery that was neither acked nor nakked (a crash).
- Publishing sets Nats-Msg-Id to the event's event_id, so the stream stores an event
  re-sent within `dedupe_window_s` once, and Nats-Expected-Stream, so a subject that no
  stream (or another stream) holds is an error rather than a silent loss.

Creating the stream and the consumers is idempotent: what exists is checked and kept
(an operator may tune limits with the nats CLI), what is missing is created.

A subscription keeps a pull request for `pull_batch` messages open on each partition; the
server streams messages into it as they are published, so a delivery costs one hop, not
a poll interval. The next request goes out when one is filled or half its life is over
(so one is always open), unless `pull_batch` messages of that partition still wait
unread (backpressure). Closing waits for the open requests to end (at most
`pull_expires_s`), then naks every unacked delivery in stream order, so the group's next
subscription gets them at once and in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Self

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription as InboxSubscription
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)

from busbrain.bus.closing import AsyncClosing
from busbrain.bus.ports import (
    DEFAULT_PARTITIONS,
    BusError,
    BusUnavailableError,
    Delivery,
    EventBus,
    check_group,
    check_partitions,
)
from busbrain.domain.errors import EventDecodeError
from busbrain.domain.events import ENVELOPE_VERSION, Event, decode_event, encode_event, subject_for

DEFAULT_URL: Final = "nats://127.0.0.1:4222"
_API: Final = "$JS.API"
_GRACE_S: Final = 0.5
"""How long after its expiry a pull request whose end was not signalled is taken as over."""
_NATS_ERRORS: Final = (nats.errors.Error, TimeoutError)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NatsSettings:
    """Where and how the bus lives on the server. Times in seconds."""

    stream: str = "BUSBRAIN_EVENTS"
    prefix: str = "busbrain"
    partitions: int = DEFAULT_PARTITIONS
    ack_wait_s: float = 30.0
    """How long a delivery may stay unacked before the server sends it again."""
    max_ack_pending: int = 1000
    """Most unacked deliveries per consumer (partition) before the server pauses it."""
    dedupe_window_s: float = 120.0
    max_age_s: float = 86_400.0
    max_bytes: int = 1 << 30
    pull_batch: int = 256
    pull_expires_s: float = 1.0
    timeout_s: float = 5.0
    """Connect, publish acknowledgement and JetStream API requests."""

    def subjects(self) -> str:
        return f"{self.prefix}.v{ENVELOPE_VERSION}.>"

    def description(self) -> str:
        return f"busbrain events; partitions={self.partitions}"


class NatsBus(AsyncClosing):
    """An EventBus on a NATS JetStream server. Open with `await NatsBus.connect(...)`."""

    def __init__(self, nc: Client, settings: NatsSettings) -> None:
        self._nc = nc
        self._js: JetStreamContext = nc.jetstream(timeout=settings.timeout_s)
        self._settings = settings
        self._subscriptions: set[_NatsSubscription] = set()

    @classmethod
    async def connect(cls, url: str = DEFAULT_URL, settings: NatsSettings | None = None) -> Self:
        """Connect to `url` and make sure the stream exists (BusUnavailableError if the
        server cannot be reached within settings.timeout_s)."""
        settings = settings or NatsSettings()
        nc = await _connect(url, settings.timeout_s)
        bus = cls(nc, settings)
        try:
            await bus._ensure_stream()
        except BaseException:
            await nc.close()
            raise
        return bus

    @property
    def partitions(self) -> int:
        return self._settings.partitions

    @property
    def settings(self) -> NatsSettings:
        return self._settings

    async def publish(self, event: Event) -> bool:
        subject = subject_for(event, self._settings.partitions, self._settings.prefix)
        try:
            ack = await self._js.publish(
                subject,
                encode_event(event),
                stream=self._settings.stream,
                headers={"Nats-Msg-Id": event.event_id},
            )
        except _NATS_ERRORS as exc:
            raise BusError(f"publish to {subject} failed: {exc!r}") from exc
        return not ack.duplicate

    async def publish_many(self, events: Sequence[Event]) -> int:
        """Pipelined: all messages are written in order, then the acks are awaited."""
        try:
            acks = await asyncio.wait_for(self._pipeline(events), self._settings.timeout_s)
        except _NATS_ERRORS as exc:
            raise BusError(f"publishing {len(events)} events failed: {exc!r}") from exc
        return sum(not ack.duplicate for ack in acks)

    async def _pipeline(self, events: Sequence[Event]) -> list[nats.js.api.PubAck]:
        """Publish without waiting between messages (no wait_stall: its timer would yield to
        the loop after each one and cost a socket write per message), then await the acks."""
        s = self._settings
        pending = [
            await self._js.publish_async(
                subject_for(event, s.partitions, s.prefix),
                encode_event(event),
                stream=s.stream,
                headers={"Nats-Msg-Id": event.event_id},
            )
            for event in events
        ]
        return list(await asyncio.gather(*pending))

    async def subscribe(
        self, group: str, partitions: Iterable[int] | None = None
    ) -> _NatsSubscription:
        chosen = check_partitions(partitions, self._settings.partitions)
        sub = _NatsSubscription(
            self._nc, self._settings, check_group(group), chosen, self._subscriptions.discard
        )
        try:
            for partition in sorted(chosen):
                await self._ensure_consumer(group, partition)
            await sub.start()
        except _NATS_ERRORS as exc:
            await sub.close()
            raise BusError(f"cannot subscribe group {group!r}: {exc!r}") from exc
        self._subscriptions.add(sub)
        return sub

    async def close(self) -> None:
        await asyncio.gather(*(sub.close() for sub in list(self._subscriptions)))
        if self._nc.is_closed:
            return
        try:
            await self._nc.flush(timeout=int(self._settings.timeout_s))
        except _NATS_ERRORS as exc:
            log.warning("NATS flush before close failed: %r", exc)
        await self._nc.close()

    # -- server objects ---------------------------------------------------------------------

    async def _ensure_stream(self) -> None:
        s = self._settings
        try:
            info = await self._js.stream_info(s.stream)
        except nats.js.errors.NotFoundError:
            await self._add_stream()
            return
        except _NATS_ERRORS as exc:
            raise BusUnavailableError(f"JetStream is not answering: {exc!r}") from exc
        _check_stream(info.config, s)

    async def _add_stream(self) -> None:
        s = self._settings
        config = StreamConfig(
            name=s.stream,
            description=s.description(),
            subjects=[s.subjects()],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.OLD,
            max_age=s.max_age_s,
            max_bytes=s.max_bytes,
            duplicate_window=s.dedupe_window_s,
        )
        try:
            await self._js.add_stream(config)
        except nats.js.errors.BadRequestError:
            # Created by another process meanwhile: check it like any existing stream.
            _check_stream((await self._js.stream_info(s.stream)).config, s)

    async def _ensure_consumer(self, group: str, partition: int) -> None:
        s = self._settings
        name = consumer_name(group, partition)
        wanted = f"{s.prefix}.v{ENVELOPE_VERSION}.*.{partition}"
        try:
            info = await self._js.consumer_info(s.stream, name)
        except nats.js.errors.NotFoundError:
            await self._js.add_consumer(s.stream, self._consumer_config(name, wanted))
            return
        if info.config.filter_subject != wanted:
            raise BusError(
                f"consumer {name} of {s.stream} filters {info.config.filter_subject!r}, "
                f"not {wanted!r}: delete it or use another group name"
            )

    def _consumer_config(self, name: str, filter_subject: str) -> ConsumerConfig:
        s = self._settings
        return ConsumerConfig(
            durable_name=name,
            filter_subject=filter_subject,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=s.ack_wait_s,
            max_ack_pending=s.max_ack_pending,
        )


def consumer_name(group: str, partition: int) -> str:
    """The durable consumer of a group's partition."""
    return f"{group}_p{partition}"


async def _connect(url: str, timeout_s: float) -> Client:
    """A connection that reconnects forever once up; the first connect must succeed in
    timeout_s (nats-py would otherwise retry it for minutes)."""
    nc = Client()

    async def on_error(exc: Exception) -> None:
        log.warning("NATS %s: %r", url, exc)

    async def on_disconnected() -> None:
        if not nc.is_closed:  # a deliberate close is not news
            log.warning("NATS %s: disconnected, reconnecting", url)

    async def on_reconnected() -> None:
        log.info("NATS %s: reconnected", url)

    try:
        await asyncio.wait_for(
            nc.connect(
                url,
                connect_timeout=max(1, int(timeout_s)),
                max_reconnect_attempts=-1,
                reconnect_time_wait=1,
                error_cb=on_error,
                disconnected_cb=on_disconnected,
                reconnected_cb=on_reconnected,
            ),
            timeout_s,
        )
    except (*_NATS_ERRORS, OSError) as exc:
        raise BusUnavailableError(
            f"cannot reach NATS at {url} within {timeout_s} s ({exc!r}); "
            "is nats-server running with JetStream (-js)?"
        ) from exc
    return nc


def _check_stream(config: StreamConfig, s: NatsSettings) -> None:
    """An existing stream must carry our subjects with our partition count."""
    if s.subjects() not in (config.subjects or []):
        raise BusError(f"stream {s.stream} holds {config.subjects}, not {s.subjects()}")
    if config.description != s.description():
        raise BusError(
            f"stream {s.stream} was made for {config.description!r}, this bus has "
            f"partitions={s.partitions}: every process must use the same count"
        )


@dataclass(eq=False)
class _NatsDelivery:
    msg: Msg
    event: Event
    partition: int
    sub: _NatsSubscription
    settled: bool = False

    @property
    def attempt(self) -> int:
        return int(self.msg.metadata.num_delivered or 1)

    @property
    def stream_seq(self) -> int:
        return int(self.msg.metadata.sequence.stream)

    async def ack(self) -> None:
        await self.sub.settle(self, self.msg.ack)

    async def nak(self) -> None:
        await self.sub.settle(self, self._nak_confirmed)

    async def _nak_confirmed(self) -> None:
        """A nak the server answers (JetStream acknowledges an ack sent as a request)
        once the consumer has taken it: only then is the message queued for redelivery,
        ahead of anything published after. A flush alone only proves that the server
        read it, which on a busy server is not the same."""
        await self.sub.request(self.msg.reply, Msg.Ack.Nak)


@dataclass(slots=True)
class _Request:
    """One pull request as the client sees it: messages still due, and when it expires."""

    left: int
    ends_at: float


class _Puller:
    """Keeps pull requests open on one partition's consumer (see the module docstring).

    Requests share one reply inbox; the server serves and expires them first come, first
    served, so each message or end-of-request status belongs to the oldest open request.
    NATS 2.9 sometimes drops an expiring request without its 408 status, so a request is
    also taken as over `_GRACE_S` after it expired, and the next one is sent before the
    current one expires: a dropped request costs no delivery delay.
    """

    def __init__(
        self,
        nc: Client,
        settings: NatsSettings,
        next_subject: str,
        partition: int,
        on_message: Callable[[_Puller, Msg], Awaitable[None]],
    ) -> None:
        self.partition = partition
        self.buffered = 0
        """Messages of this partition received and not yet handed out."""
        self._nc = nc
        self._settings = settings
        self._next_subject = next_subject
        self._on_message = on_message
        self._open: deque[_Request] = deque()
        self._retry_at = 0.0
        self._stopping = False
        self._idle = asyncio.Event()
        self._inbox = nc.new_inbox()
        self._sub: InboxSubscription | None = None
        body = {"batch": settings.pull_batch, "expires": int(settings.pull_expires_s * 1e9)}
        self._request_body = json.dumps(body).encode()

    async def start(self) -> None:
        self._idle.set()
        self._sub = await self._nc.subscribe(self._inbox, cb=self._receive)

    async def maybe_ask(self) -> None:
        """Send a request unless one with life left is open, or the buffer is full."""
        now = time.monotonic()
        self._forget_lost(now)
        if self._stopping or now < self._retry_at:
            return
        if self.buffered >= self._settings.pull_batch:
            return
        if self._open and self._open[-1].ends_at - now > self._settings.pull_expires_s / 2:
            return
        self._open.append(_Request(self._settings.pull_batch, now + self._settings.pull_expires_s))
        self._idle.clear()
        await self._nc.publish(self._next_subject, self._request_body, reply=self._inbox)

    def _forget_lost(self, now: float) -> None:
        while self._open and self._open[0].ends_at + _GRACE_S < now:
            self._open.popleft()
        if not self._open:
            self._idle.set()

    async def _receive(self, msg: Msg) -> None:
        status = msg.headers.get("Status") if msg.headers else None
        if status == "100":
            return  # a heartbeat
        ended = self._end_oldest(status is not None)
        if status is None:
            self.buffered += 1
            await self._on_message(self, msg)
        elif status != "408":  # 408: expired, the normal end of a request not filled
            log.warning("pull on partition %d ended: %s %s", self.partition, status, msg.headers)
            self._retry_at = time.monotonic() + self._settings.pull_expires_s
        if ended:
            await self.maybe_ask()

    def _end_oldest(self, by_status: bool) -> bool:
        """Count one message (or an end status) against the oldest open request; True if
        that request is over."""
        if not self._open:
            return True
        oldest = self._open[0]
        oldest.left -= 1
        if not by_status and oldest.left > 0:
            return False
        self._open.popleft()
        if not self._open:
            self._idle.set()
        return True

    async def stop(self) -> None:
        """Ask no more; wait for the open requests to end so no message is left in flight."""
        self._stopping = True
        if self._open:
            wait_s = self._open[-1].ends_at + _GRACE_S - time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), max(wait_s, 0.0))
        if self._sub is not None:
            with contextlib.suppress(*_NATS_ERRORS):  # a closed connection has no subs left
                await self._sub.unsubscribe()


class _NatsSubscription(AsyncClosing):
    """A group's subscription to some partitions of a NatsBus."""

    def __init__(
        self,
        nc: Client,
        settings: NatsSettings,
        group: str,
        partitions: frozenset[int],
        on_close: Callable[[_NatsSubscription], None],
    ) -> None:
        self._nc = nc
        self._settings = settings
        self._group = group
        self._partitions = partitions
        self._on_close = on_close
        self._pullers = {p: self._puller(p) for p in sorted(partitions)}
        self._buffer: deque[_NatsDelivery] = deque()
        self._outstanding: set[_NatsDelivery] = set()
        self._arrived = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None
        self._closed = False

    def _puller(self, partition: int) -> _Puller:
        s = self._settings
        subject = f"{_API}.CONSUMER.MSG.NEXT.{s.stream}.{consumer_name(self._group, partition)}"
        return _Puller(self._nc, s, subject, partition, self._on_message)

    @property
    def group(self) -> str:
        return self._group

    @property
    def partitions(self) -> frozenset[int]:
        return self._partitions

    async def start(self) -> None:
        for puller in self._pullers.values():
            await puller.start()
        self._pump = asyncio.create_task(self._keep_asking())

    async def _keep_asking(self) -> None:
        """Renew pull requests before they expire, whether or not anyone is fetching."""
        while True:
            try:
                await self._ask()
            except BusError as exc:
                log.warning("%s", exc)  # reconnecting, most likely: try again next tick
            await asyncio.sleep(self._settings.pull_expires_s / 4)

    async def fetch(self, max_count: int = 256, timeout_s: float = 1.0) -> list[Delivery]:
        deadline = time.monotonic() + timeout_s
        while not self._closed:
            await self._ask()
            left = deadline - time.monotonic()
            if self._buffer or left <= 0:
                out = self._hand_out(max_count)
                await self._ask()  # refill while the caller works on these
                return out
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), left)
        return []

    async def _ask(self) -> None:
        try:
            for puller in self._pullers.values():
                await puller.maybe_ask()
        except _NATS_ERRORS as exc:
            raise BusError(f"cannot pull for group {self._group!r}: {exc!r}") from exc

    async def __aiter__(self) -> AsyncIterator[Delivery]:
        while not self._closed:
            for delivery in await self.fetch():
                yield delivery

    def _hand_out(self, max_count: int) -> list[Delivery]:
        out: list[Delivery] = []
        while self._buffer and len(out) < max_count:
            delivery = self._buffer.popleft()
            self._pullers[delivery.partition].buffered -= 1
            self._outstanding.add(delivery)
            out.append(delivery)
        return out

    async def _on_message(self, puller: _Puller, msg: Msg) -> None:
        try:
            event = decode_event(msg.data)
        except EventDecodeError as exc:
            # A message this build cannot read would come back forever: terminate it.
            log.error("dropping undecodable message on %s: %s", msg.subject, exc)
            puller.buffered -= 1
            await msg.term()
            return
        self._buffer.append(_NatsDelivery(msg, event, puller.partition, self))
        self._arrived.set()

    async def request(self, subject: str, payload: bytes) -> None:
        """Send `payload` to `subject` and wait for the answer (the bus's timeout)."""
        await self._nc.request(subject, payload, timeout=self._settings.timeout_s)

    async def settle(self, delivery: _NatsDelivery, how: Callable[[], Awaitable[None]]) -> None:
        """Ack or nak once; later calls do nothing."""
        if delivery.settled:
            return
        delivery.settled = True
        self._outstanding.discard(delivery)
        try:
            await how()
        except _NATS_ERRORS as exc:
            log.warning(
                "settling %s failed (it will be redelivered): %r", delivery.msg.subject, exc
            )

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._arrived.set()
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
        await asyncio.gather(*(puller.stop() for puller in self._pullers.values()))
        unacked = sorted([*self._outstanding, *self._buffer], key=lambda d: d.stream_seq)
        self._buffer.clear()
        for delivery in unacked:
            await self.settle(delivery, delivery.msg.nak)
        self._on_close(self)


if TYPE_CHECKING:

    def _is_an_event_bus(bus: NatsBus) -> EventBus:
        return bus  # mypy checks that the adapter keeps to the port
