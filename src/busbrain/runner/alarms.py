"""安全监管's consumer on the event bus: the gateway's alarms into the store's queue.

Its own consumer group ("alarms") reads every `AlarmRaised`, `AlarmCleared` and
`AlarmAttachment` event (and acks the rest unread), writes each fetched batch to the
`AlarmStore` in one transaction (the attachments in a second one) off the event loop,
and acks the batch only after that: an alarm is in the store before the bus forgets it.
A redelivered event is harmless (the store keys alarms by event id, files by name).
An event that cannot become an alarm record (it should not happen: events are checked
when decoded) is logged and skipped; a store that fails (database down) leaves the
batch unacked, to be delivered again after a pause, and the consumer carries on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from busbrain.bus.ports import Delivery, EventBus
from busbrain.domain.errors import BadInputError
from busbrain.domain.events import AlarmAttachment, AlarmCleared, AlarmRaised
from busbrain.oversight.safety import AlarmEnded, AlarmFile, NewAlarm
from busbrain.runner.storing import store_batches
from busbrain.store.ports import AlarmStore

GROUP = "alarms"
RETRY_AFTER_S = 2.0
"""Pause after a failed write before the batch is tried again, seconds."""
log = logging.getLogger(__name__)


def new_alarm(event: AlarmRaised) -> NewAlarm:
    """The queue's record of a raised alarm, keyed by the event's id."""
    where = event.position
    return NewAlarm(
        event_key=event.event_id,
        phone=event.phone,
        vehicle_id=event.vehicle,
        kind=event.kind,
        level=event.level,
        raised_utc=event.ts_utc,
        lat=None if where is None else where.lat_deg,
        lon=None if where is None else where.lon_deg,
        alarm_id=event.alarm_id,
        details=dict(event.details),
    )


def alarm_ended(event: AlarmCleared) -> AlarmEnded:
    return AlarmEnded(event.phone, event.kind, event.ts_utc, event.alarm_id)


def alarm_file(event: AlarmAttachment) -> AlarmFile:
    """The record of an uploaded attachment; linked to its alarm (same phone and
    terminal alarm id) when read, so it may arrive before or after the alarm."""
    return AlarmFile(
        phone=event.phone,
        alarm_id=event.alarm_id,
        file_name=event.file_name,
        file_type=event.file_type,
        size_bytes=event.size_bytes,
        path=event.path,
        complete=event.complete,
        received_utc=event.ts_utc,
    )


def attachments_of(deliveries: Sequence[Delivery]) -> list[AlarmFile]:
    """The attachments uploaded in a batch, in bus order."""
    return [alarm_file(d.event) for d in deliveries if isinstance(d.event, AlarmAttachment)]


def split(deliveries: Sequence[Delivery]) -> tuple[list[NewAlarm], list[AlarmEnded]]:
    """The alarms raised and ended in a batch; other events are ignored, a bad one is
    logged and skipped."""
    raised: list[NewAlarm] = []
    ended: list[AlarmEnded] = []
    for d in deliveries:
        event = d.event
        try:
            if isinstance(event, AlarmRaised):
                raised.append(new_alarm(event))
            elif isinstance(event, AlarmCleared):
                ended.append(alarm_ended(event))
        except Exception:  # one bad alarm must not hold up the others
            log.exception("alarm event of %s skipped", event.phone)
    return raised, ended


def write(store: AlarmStore, raised: list[NewAlarm], ended: list[AlarmEnded]) -> tuple[int, int]:
    """Write a batch; when the store refuses it for a bad record, write the records one by
    one, logging and skipping the bad ones. StoreError (the database failed) goes up."""
    try:
        return store.add_events(raised, ended)
    except BadInputError:
        log.exception("a batch of alarms refused; writing them one by one")
    added = cleared = 0
    for one_raised, one_ended in [([a], []) for a in raised] + [([], [e]) for e in ended]:
        try:
            a, c = store.add_events(one_raised, one_ended)
        except BadInputError:
            log.exception("alarm record skipped: %r", one_raised or one_ended)
            continue
        added, cleared = added + a, cleared + c
    return added, cleared


async def consume_alarms(
    store: AlarmStore,
    bus: EventBus,
    *,
    stop: asyncio.Event | None = None,
    batch: int = 256,
    retry_after_s: float = RETRY_AFTER_S,
) -> None:
    """Run until `stop` is set (or cancelled)."""

    def write_batch(deliveries: Sequence[Delivery]) -> None:
        raised, ended = split(deliveries)
        files = attachments_of(deliveries)
        if raised or ended:
            added, cleared = write(store, raised, ended)
            if added or cleared:
                log.debug("alarms: %d added, %d cleared", added, cleared)
        if files:  # after their alarms, should they share the batch
            store.add_files(files)

    await store_batches(
        bus,
        GROUP,
        write_batch,
        what="alarms",
        stop=stop,
        batch=batch,
        retry_after_s=retry_after_s,
    )
