"""The gateway over real TCP: registration, authentication, reports, and bad input."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from busbrain.domain.events import (
    AlarmCleared,
    AlarmRaised,
    PassengerCount,
    TerminalOnline,
    VehicleLocation,
)
from busbrain.domain.terminals import TerminalRecord
from busbrain.protocol import jt808 as j
from tests.gateway.terminal import BEIJING, Terminal, gateway, location


def run(coro: object) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]


def test_register_authenticate_report(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with gateway(tmp_path, open_registration=True) as h:
            t = await Terminal("013912345678").connect(h.gateway.port)
            code = await t.login()
            assert len(code) == 16
            online = await h.events(1)
            assert isinstance(online[0], TerminalOnline) and online[0].phone == "13912345678"
            serial = await t.send(location())
            ack = (await t.recv()).message
            assert ack == j.PlatformGeneralResponse(serial, 0x0200, 0)
            (loc,) = await h.events(1)
            assert isinstance(loc, VehicleLocation)
            assert (loc.lat_deg, loc.lon_deg, loc.speed_kmh, loc.mileage_km) == (
                41.12,
                121.13,
                23.5,
                1234.5,
            )
            assert loc.ts_utc == dt.datetime(2026, 11, 29, 0, 30, tzinfo=dt.UTC)
            assert loc.vehicle == "辽G12345" and not loc.blind_area
            hb = await t.answer(j.Heartbeat())
            assert isinstance(hb, j.PlatformGeneralResponse) and hb.ack_msg_id == 0x0002
            await t.close()

    run(scenario())


def test_unknown_terminal_is_refused_when_registration_is_closed(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with gateway(tmp_path) as h:
            t = await Terminal("13900000009").connect(h.gateway.port)
            reply = await t.register()
            assert reply.result == 4 and reply.auth_code == ""
            h.store.terminals.upsert_terminals(
                [TerminalRecord("13900000009", "辽G00009", 1, "9009", "北站场", None, None)]
            )
            await t.login()
            await t.send(location())
            await t.recv()
            _online, loc = await h.events(2)
            assert loc.vehicle == "9009"  # the operator's vehicle number from the registry

    run(scenario())


def test_reports_before_authentication_are_refused_and_not_published(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with gateway(tmp_path, open_registration=True) as h:
            t = await Terminal("13900000001").connect(h.gateway.port)
            serial = await t.send(location())
            assert (await t.recv()).message == j.PlatformGeneralResponse(serial, 0x0200, 1)
            bad = await t.answer(j.Authentication("not-the-code"))
            assert isinstance(bad, j.PlatformGeneralResponse) and bad.result == 1
            assert await h.quiet() == []
            m = h.gateway.metrics.render().decode()
            assert 'busbrain_gateway_messages_refused_total{reason="unauthenticated"} 1.0' in m
            assert 'busbrain_gateway_messages_refused_total{reason="auth_failed"} 1.0' in m

    run(scenario())


def test_bad_frames_are_dropped_and_the_connection_goes_on(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with gateway(tmp_path, open_registration=True) as h:
            t = await Terminal("13900000002").connect(h.gateway.port)
            await t.login()
            await h.events(1)
            good = t.session.send(location())
            corrupt = bytearray(good)
            corrupt[-2] ^= 0xFF  # the check code
            bad_escape = b"\x7e\x02\x00\x7d\x05\x00\x7e"
            too_long = b"\x7e" + b"\x01" * 5000 + b"\x7e"
            await t.send_raw(b"GARBAGE" + bytes(corrupt) + bad_escape + too_long)
            serial = await t.send(location(41.13, 121.14))
            assert (await t.recv()).message == j.PlatformGeneralResponse(serial, 0x0200, 0)
            (loc,) = await h.events(1)
            assert loc.lat_deg == 41.13
            m = h.gateway.metrics.render().decode()
            assert 'reason="ChecksumError"' in m and 'reason="FrameTooLongError"' in m
            assert 'reason="EscapeError"' in m

    run(scenario())


def test_batch_catch_up_and_alarms(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with gateway(tmp_path, open_registration=True) as h:
            t = await Terminal("13900000003", j.ProtocolVersion.V2019).connect(h.gateway.port)
            await t.login()
            await h.events(1)
            t0 = dt.datetime(2026, 11, 29, 7, 0, tzinfo=BEIJING)
            batch = j.BatchLocation(
                1, tuple(location(t=t0 + dt.timedelta(seconds=10 * i)) for i in range(5))
            )
            ack = await t.answer(batch)
            assert isinstance(ack, j.PlatformGeneralResponse) and ack.result == 0
            events = await h.events(5)
            assert all(isinstance(e, VehicleLocation) and e.blind_area for e in events)
            assert [e.ts_utc.minute for e in events] == [0] * 5
            await t.answer(location(alarms=int(j.AlarmFlag.OVERSPEED)))
            _, raised = await h.events(2)
            assert isinstance(raised, AlarmRaised) and raised.kind == "overspeed"
            await t.answer(location())
            _loc, cleared = await h.events(2)
            assert isinstance(cleared, AlarmCleared) and cleared.kind == "overspeed"

    run(scenario())


def test_idle_connection_closes_and_goes_offline(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with gateway(tmp_path, open_registration=True, idle_timeout_s=0.5) as h:
            t = await Terminal("13900000004").connect(h.gateway.port)
            await t.login()
            assert await t.closed_by_peer(timeout=5)
            _online, offline = await h.events(2)
            assert offline.TYPE == "terminal_offline" and offline.reason == "idle_timeout"

    run(scenario())


def test_second_connection_replaces_the_first(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with gateway(tmp_path, open_registration=True) as h:
            first = await Terminal("13900000005").connect(h.gateway.port)
            code = await first.login()
            second = await Terminal("13900000005").connect(h.gateway.port)
            ack = await second.answer(j.Authentication(code))
            assert isinstance(ack, j.PlatformGeneralResponse) and ack.result == 0
            assert await first.closed_by_peer()
            events = await h.events(2)
            assert [e.TYPE for e in events] == ["terminal_online", "terminal_online"]
            assert await h.quiet() == []  # no offline: the terminal is still online
            await second.answer(location())
            assert (await h.events(1))[0].TYPE == "vehicle_location"

    run(scenario())


def test_unregister_forgets_the_auth_code(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with gateway(tmp_path, open_registration=True) as h:
            t = await Terminal("13900000006").connect(h.gateway.port)
            code = await t.login()
            ack = await t.answer(j.Unregister())
            assert isinstance(ack, j.PlatformGeneralResponse) and ack.result == 0
            assert await t.closed_by_peer()
            _online, offline = await h.events(2)
            assert offline.reason == "unregistered"
            again = await Terminal("13900000006").connect(h.gateway.port)
            refused = await again.answer(j.Authentication(code))
            assert isinstance(refused, j.PlatformGeneralResponse) and refused.result == 1

    run(scenario())


def test_passenger_counts_become_events(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with gateway(tmp_path, open_registration=True) as h:
            t = await Terminal("013912345678").connect(h.gateway.port)
            await t.login()
            await h.events(1)  # online
            start = dt.datetime(2026, 11, 29, 8, 30, 0, tzinfo=j.CHINA_TZ)
            flow = j.PassengerFlow(start, start + dt.timedelta(seconds=25), 6, 2)
            serial = await t.send(flow)
            assert (await t.recv()).message == j.PlatformGeneralResponse(serial, 0x1005, 0)
            (count,) = await h.events(1)
            assert isinstance(count, PassengerCount)
            assert (count.boarded, count.alighted, count.vehicle) == (6, 2, "辽G12345")
            assert count.start_utc == dt.datetime(2026, 11, 29, 0, 30, tzinfo=dt.UTC)
            assert count.ts_utc == dt.datetime(2026, 11, 29, 0, 30, 25, tzinfo=dt.UTC)
            await t.close()

    run(scenario())
