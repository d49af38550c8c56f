"""The gateway over real TCP: a driver's IC card sign-in and sign-out (0x0702) are
answered OK and reach the bus as DriverIdentity events."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from busbrain.domain.events import DriverIdentity
from busbrain.protocol import jt808 as j
from tests.gateway.terminal import Terminal, gateway

CARD_IN = dt.datetime(2026, 11, 29, 6, 58, 0, tzinfo=j.CHINA_TZ)


def test_sign_in_and_out_become_driver_identity_events(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with gateway(tmp_path, open_registration=True) as h:
            t = await Terminal("013912345678").connect(h.gateway.port)
            await t.login()
            await h.events(1)  # online
            card = j.DriverIdentity(
                1, CARD_IN, 0, "张伟", "210703198805120012", "锦州市运管处", dt.date(2030, 6, 30)
            )
            serial = await t.send(card)
            assert (await t.recv()).message == j.PlatformGeneralResponse(serial, 0x0702, 0)
            (signed_in,) = await h.events(1)
            assert isinstance(signed_in, DriverIdentity)
            assert signed_in.signed_in and signed_in.read_ok
            assert (signed_in.vehicle, signed_in.certificate, signed_in.driver_name) == (
                "辽G12345",
                "210703198805120012",
                "张伟",
            )
            assert signed_in.ts_utc == dt.datetime(2026, 11, 29, 22, 58, tzinfo=dt.UTC) - (
                dt.timedelta(days=1)
            )
            assert signed_in.valid_until == dt.date(2030, 6, 30)

            serial = await t.send(
                j.DriverIdentity(1, CARD_IN + dt.timedelta(minutes=1), 3)
            )  # unread
            assert (await t.recv()).message == j.PlatformGeneralResponse(serial, 0x0702, 0)
            (unread,) = await h.events(1)
            assert isinstance(unread, DriverIdentity) and not unread.read_ok
            assert unread.certificate is None and unread.driver_name is None

            out_at = CARD_IN + dt.timedelta(hours=7)
            serial = await t.send(j.DriverIdentity(2, out_at))
            assert (await t.recv()).message == j.PlatformGeneralResponse(serial, 0x0702, 0)
            (signed_out,) = await h.events(1)
            assert isinstance(signed_out, DriverIdentity) and not signed_out.signed_in
            assert signed_out.ts_utc == out_at.astimezone(dt.UTC)
            assert signed_out.certificate is None
            await t.close()

    asyncio.run(scenario())
