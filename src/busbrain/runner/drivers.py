"""驾驶员考勤's consumer on the event bus: the drivers' IC card sign-ins and sign-outs
into the store's driver shifts.

Its own consumer group ("drivers") reads every `DriverIdentity` event (and acks the rest
unread), writes the batch's sign-ins and sign-outs to the `DriverShifts` store in the
order the bus delivered them (a vehicle's events stay in order on its partition) off the
event loop, and acks the batch only after that. A redelivered event is harmless (the
store's writes are idempotent). A card that could not be read, or one without a
certificate number, signs nobody in: it is logged and skipped. A store that fails
(database down) leaves the batch unacked, to be delivered again after a pause.

The vehicle of a shift is the event's vehicle (the registry's id), or its terminal's
phone when the registry knows no vehicle, as the alarm queue does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from busbrain.bus.ports import Delivery, EventBus
from busbrain.domain.errors import BadInputError
from busbrain.domain.events import DriverIdentity
from busbrain.oversight.drivers import SignIn, SignOut
from busbrain.runner.storing import store_batches
from busbrain.store.ports import DriverShifts

GROUP = "drivers"
RETRY_AFTER_S = 2.0
"""Pause after a failed write before the batch is tried again, seconds."""
log = logging.getLogger(__name__)

CardMove = SignIn | SignOut


def card_move(event: DriverIdentity) -> CardMove | None:
    """The store's record of one event; None for a card that signs nobody in."""
    vehicle = event.vehicle or event.phone
    if not event.signed_in:
        return SignOut(vehicle, event.phone, event.ts_utc)
    if not event.read_ok or not event.certificate:
        return None
    return SignIn(vehicle, event.phone, event.certificate, event.driver_name, event.ts_utc)


def moves(deliveries: Sequence[Delivery]) -> list[CardMove]:
    """The batch's sign-ins and sign-outs in delivery order; other events are ignored."""
    out: list[CardMove] = []
    for d in deliveries:
        event = d.event
        if not isinstance(event, DriverIdentity):
            continue
        move = card_move(event)
        if move is None:
            log.warning("driver card at %s not read (no identity): nobody signed in", event.phone)
            continue
        out.append(move)
    return out


def write(store: DriverShifts, batch: list[CardMove]) -> int:
    """Write the moves one by one, in order; returns how many changed the store. A move
    the store refuses (BadInputError) is logged and skipped; StoreError goes up."""
    changed = 0
    for move in batch:
        try:
            done = store.add_sign_in(move) if isinstance(move, SignIn) else store.add_sign_out(move)
        except BadInputError:
            log.exception("driver card record skipped: %r", move)
            continue
        changed += done
    return changed


async def consume_drivers(
    store: DriverShifts,
    bus: EventBus,
    *,
    stop: asyncio.Event | None = None,
    batch: int = 256,
    retry_after_s: float = RETRY_AFTER_S,
) -> None:
    """Run until `stop` is set (or cancelled)."""

    def write_batch(deliveries: Sequence[Delivery]) -> None:
        found = moves(deliveries)
        if found:
            changed = write(store, found)
            log.debug("driver shifts: %d of %d card moves applied", changed, len(found))

    await store_batches(
        bus,
        GROUP,
        write_batch,
        what="driver shifts",
        stop=stop,
        batch=batch,
        retry_after_s=retry_after_s,
    )
