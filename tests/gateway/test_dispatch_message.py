"""A text message sent from the dispatch API reaches a real terminal over TCP through the
real gateway, and the API then lists it as acked."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi.testclient import TestClient

from busbrain.access.roles import Role
from busbrain.api import create_app
from busbrain.domain.live import LiveSnapshot, VehicleLive
from busbrain.domain.terminals import TerminalRecord
from busbrain.protocol import jt808 as j
from tests.api.dispatch_helpers import BASE, Clock, add_user, cheap_passwords, empty_network, login
from tests.gateway.terminal import Terminal, gateway

PHONE = "13900000201"


def test_a_message_from_the_console_is_delivered_and_acked(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with gateway(tmp_path, open_registration=True, outbox_poll_s=0.05) as h:
            h.store.terminals.upsert_terminals(
                [TerminalRecord(PHONE, "辽G20001", 1, "V20", None, None, None)]
            )
            passwords = cheap_passwords()
            add_user(h.store.users, passwords, "diaodu", Role.DISPATCHER)
            clock = Clock()
            snap = LiveSnapshot(
                clock(), (VehicleLive("V20", clock(), 41.12, 121.13, route_id="R1"),)
            )
            app = create_app(
                empty_network(),
                live=lambda: snap,
                clock=clock,
                users=h.store.users,
                passwords=passwords,
                outbox=h.store.outbox,
                terminals=h.store.terminals,
            )
            client = TestClient(app)
            t = await Terminal(PHONE).connect(h.gateway.port)
            await t.login()

            def send() -> int:
                login(client, "diaodu")
                r = client.post(f"{BASE}/messages", json={"text": "请到站等候", "route_id": "R1"})
                assert r.status_code == 201, r.text
                (cid,) = r.json()["command_ids"]
                return int(cid)

            cid = await asyncio.to_thread(send)
            got = await t.recv()
            assert isinstance(got.message, j.TextMessage) and got.message.text == "请到站等候"
            await t.send(j.TerminalGeneralResponse(got.header.serial, 0x8300, 0))

            def status() -> str:
                listed = client.get(f"{BASE}/messages").json()["messages"]
                (m,) = [m for m in listed if m["command_id"] == cid]
                assert m["vehicle_id"] == "V20" and m["phone"] == PHONE
                return str(m["status"])

            async with asyncio.timeout(5):
                while (now := await asyncio.to_thread(status)) != "acked":
                    assert now in {"pending", "sent"}, now
                    await asyncio.sleep(0.05)
            await t.close()

    asyncio.run(scenario())
