"""A test terminal: a real TCP client speaking JT/T 808 through the project's codec."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from busbrain.bus.memory import InMemoryBus
from busbrain.bus.ports import Subscription
from busbrain.domain.events import Event
from busbrain.gateway.config import GatewayConfig
from busbrain.gateway.server import Gateway
from busbrain.protocol import jt808 as j
from busbrain.wiring import Store, open_store

BEIJING = dt.timezone(dt.timedelta(hours=8))


def location(
    lat: float = 41.12,
    lon: float = 121.13,
    *,
    t: dt.datetime | None = None,
    alarms: int = 0,
    items: tuple[j.AdditionalItem, ...] = (),
) -> j.Location:
    return j.Location(
        alarm_flags=alarms,
        status_flags=0b11,  # ACC on, position fixed
        lat_deg=lat,
        lon_deg=lon,
        altitude_m=20,
        speed_kmh=23.5,
        heading_deg=90,
        device_time=t or dt.datetime(2026, 11, 29, 8, 30, 0, tzinfo=BEIJING),
        items=items or (j.Mileage(1234.5), j.GnssSatellites(12)),
    )


class Terminal:
    def __init__(self, phone: str, version: j.ProtocolVersion = j.ProtocolVersion.V2013) -> None:
        self.phone = phone
        self.session = j.Jt808Session(phone=phone, version=version)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self, port: int) -> Terminal:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", port)
        return self

    async def send(self, message: j.Message) -> int:
        serial = self.session.next_serial
        await self.send_raw(self.session.send(message))
        return serial

    async def send_raw(self, data: bytes) -> None:
        assert self.writer is not None
        self.writer.write(data)
        await self.writer.drain()

    async def recv(self, timeout: float = 5.0) -> j.MessageReceived:
        assert self.reader is not None
        async with asyncio.timeout(timeout):
            while True:
                event = self.session.next_event()
                if isinstance(event, j.MessageReceived):
                    return event
                data = await self.reader.read(65536)
                if not data:
                    raise ConnectionError("the gateway closed the connection")
                self.session.receive_data(data, now=0.0)

    async def answer(self, message: j.Message) -> j.Message:
        """Send and return the gateway's reply message."""
        await self.send(message)
        return (await self.recv()).message

    async def register(self, plate: str = "辽G12345") -> j.RegisterResponse:
        reply = await self.answer(j.Register(21, 700, "BUSBR", "BB-1", "T000001", 1, plate))
        assert isinstance(reply, j.RegisterResponse)
        return reply

    async def login(self, plate: str = "辽G12345") -> str:
        reg = await self.register(plate)
        assert reg.result == 0, reg
        ack = await self.answer(j.Authentication(reg.auth_code))
        assert isinstance(ack, j.PlatformGeneralResponse) and ack.result == 0, ack
        return reg.auth_code

    async def closed_by_peer(self, timeout: float = 5.0) -> bool:
        assert self.reader is not None
        async with asyncio.timeout(timeout):
            while data := await self.reader.read(65536):
                self.session.receive_data(data, now=0.0)
        return True

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


@dataclass
class Harness:
    gateway: Gateway
    store: Store
    bus: InMemoryBus
    sub: Subscription

    async def events(self, n: int, timeout: float = 5.0) -> list[Event]:
        """The next `n` events on the bus (acked)."""
        out: list[Event] = []
        async with asyncio.timeout(timeout):
            while len(out) < n:
                for d in await self.sub.fetch(n - len(out), timeout_s=0.2):
                    out.append(d.event)
                    await d.ack()
        return out

    async def quiet(self, wait: float = 0.3) -> list[Event]:
        """Events that arrive within `wait` seconds (expected: none)."""
        got = await self.sub.fetch(100, timeout_s=wait)
        return [d.event for d in got]


@asynccontextmanager
async def gateway(tmp_path: Path, port: int = 0, **config: object) -> AsyncIterator[Harness]:
    """A real gateway on `port` (0: any free one) with a SQLite registry and an
    in-process bus."""
    store = open_store(f"sqlite:///{tmp_path / 'gateway.db'}")
    bus = InMemoryBus(partitions=4)
    gw = Gateway(
        GatewayConfig(host="127.0.0.1", port=port, **config),  # type: ignore[arg-type]
        registry=store.terminals,
        outbox=store.outbox,
        publisher=bus,
    )
    await gw.start(metrics_port=0)
    sub = await bus.subscribe("tests")
    try:
        yield Harness(gw, store, bus, sub)
    finally:
        await sub.close()
        await gw.stop()
        await bus.close()
        store.close()
