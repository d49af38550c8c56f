"""Production wiring: the gateway publishes onto NATS JetStream and a processor reads it back."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from busbrain.bus.nats import DEFAULT_URL, NatsBus
from busbrain.domain.events import TerminalOnline, VehicleLocation
from busbrain.gateway.config import GatewayConfig
from busbrain.gateway.server import Gateway
from busbrain.protocol import jt808 as j
from busbrain.wiring import open_store
from tests.bus.helpers import delete_stream, unique_settings
from tests.gateway.terminal import BEIJING, Terminal, location


def test_reports_reach_a_nats_consumer(tmp_path: Path, nats_up: None) -> None:
    settings = unique_settings()

    async def scenario() -> None:
        store = open_store(f"sqlite:///{tmp_path / 'gw.db'}")
        bus = await NatsBus.connect(DEFAULT_URL, settings)
        gw = Gateway(
            GatewayConfig(host="127.0.0.1", port=0, open_registration=True),
            registry=store.terminals,
            outbox=store.outbox,
            publisher=bus,
        )
        await gw.start()
        try:
            t = await Terminal("13900000077").connect(gw.port)
            await t.login()
            t0 = dt.datetime(2026, 11, 29, 8, 0, tzinfo=BEIJING)
            sent = [
                await t.send(location(41.12 + k / 1000, t=t0 + dt.timedelta(seconds=k)))
                for k in range(3)
            ]
            acks = [(await t.recv()).message for _ in sent]
            assert [a.ack_serial for a in acks if isinstance(a, j.PlatformGeneralResponse)] == sent
            reader = await NatsBus.connect(DEFAULT_URL, settings)
            async with await reader.subscribe("realtime") as sub:
                got = []
                for _ in range(10):
                    for d in await sub.fetch(10, timeout_s=1.0):
                        got.append(d.event)
                        await d.ack()
                    if len(got) >= 4:
                        break
            await reader.close()
            assert isinstance(got[0], TerminalOnline), got
            lats = [e.lat_deg for e in got[1:] if isinstance(e, VehicleLocation)]
            assert lats == [41.12, 41.121, 41.122]
        finally:
            await gw.stop()
            await bus.close()
            store.close()

    try:
        asyncio.run(scenario())
    finally:
        asyncio.run(delete_stream(settings.stream))
