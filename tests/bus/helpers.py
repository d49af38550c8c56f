"""Shared pieces of the bus tests: events to publish, a loop runner, draining helpers."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Coroutine
from typing import Any, TypeVar

import nats
import nats.js.errors

from busbrain.bus.nats import DEFAULT_URL, NatsSettings
from busbrain.bus.ports import Delivery, Subscription
from busbrain.domain.events import VehicleLocation

T0 = dt.datetime(2026, 11, 29, 0, 0, tzinfo=dt.UTC)
R = TypeVar("R")


def run(coro: Coroutine[Any, Any, R], timeout_s: float = 60.0) -> R:
    """Run a scenario on a fresh event loop; a hang fails the test instead of blocking."""
    return asyncio.run(asyncio.wait_for(coro, timeout_s))


def phone(vehicle: int) -> str:
    return f"0139{vehicle:08d}"


def location(vehicle: int, n: int) -> VehicleLocation:
    """The n-th report (one a second) of a vehicle; distinct (vehicle, n) give distinct ids."""
    t = T0 + dt.timedelta(seconds=n)
    return VehicleLocation(
        phone=phone(vehicle),
        vehicle=f"辽G{vehicle:05d}",
        ts_utc=t,
        lat_deg=41.1 + n * 1e-5,
        lon_deg=121.1,
        speed_kmh=20.0,
        heading_deg=90.0,
        altitude_m=10.0,
        received_utc=t,
        extra={"n": n},
    )


def fleet(vehicles: int, reports: int) -> list[VehicleLocation]:
    """Reports interleaved across vehicles, in time order: v0#0, v1#0, ..., v0#1, ..."""
    return [location(v, n) for n in range(reports) for v in range(vehicles)]


async def drain(sub: Subscription, count: int, timeout_s: float = 10.0) -> list[Delivery]:
    """Fetch until `count` deliveries came or `timeout_s` passed (no acks)."""
    out: list[Delivery] = []
    deadline = time.monotonic() + timeout_s
    while len(out) < count and (left := deadline - time.monotonic()) > 0:
        out += await sub.fetch(count - len(out), min(left, 1.0))
    return out


async def drain_all(sub: Subscription, quiet_s: float = 0.3) -> list[Delivery]:
    """Fetch and ack until nothing comes for `quiet_s`."""
    out: list[Delivery] = []
    while batch := await sub.fetch(256, quiet_s):
        for delivery in batch:
            await delivery.ack()
        out += batch
    return out


def unique_settings(partitions: int = 4, **overrides: Any) -> NatsSettings:
    """A stream and subject prefix of its own, so tests never see each other's events."""
    tag = uuid.uuid4().hex[:10]
    base: dict[str, Any] = {
        "stream": f"BBTEST_{tag}",
        "prefix": f"bbtest_{tag}",
        "partitions": partitions,
        "ack_wait_s": 2.0,
        "pull_expires_s": 0.3,
        "max_bytes": 64 << 20,
    }
    return NatsSettings(**(base | overrides))


async def delete_stream(stream: str, url: str = DEFAULT_URL) -> None:
    nc = await nats.connect(url, connect_timeout=2, max_reconnect_attempts=1)
    try:
        await nc.jetstream().delete_stream(stream)
    except nats.js.errors.NotFoundError:
        pass
    finally:
        await nc.close()
