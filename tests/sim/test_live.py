"""Scripts played live over real TCP to the real gateway."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
from collections.abc import Iterator
from pathlib import Path

from busbrain.domain.events import CommandOutcome, VehicleLocation
from busbrain.domain.terminals import CommandKind, CommandStatus
from busbrain.protocol import jt808 as j
from busbrain.sim.live import LiveStats, play_live
from busbrain.sim.script import Action, ActionKind, SimClock, SimTerminal, TerminalScript
from tests.gateway.terminal import Harness, gateway

BEIJING = dt.timezone(dt.timedelta(hours=8))
T0 = 1_795_910_400.0  # 2026-11-29 00:00 UTC
V2013, V2019 = j.ProtocolVersion.V2013, j.ProtocolVersion.V2019
C, R, A, S, X = (
    ActionKind.CONNECT,
    ActionKind.REGISTER,
    ActionKind.AUTHENTICATE,
    ActionKind.SEND,
    ActionKind.CLOSE,
)

Expected = set[tuple[str, dt.datetime, bool]]
"""(phone, position time, blind area) of the VehicleLocation events expected."""


def run(coro: object) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]


def terminal(index: int, version: j.ProtocolVersion = V2013) -> SimTerminal:
    return SimTerminal(
        index=index,
        phone=f"1390000{index:04d}",
        vehicle_id=f"V{index}",
        plate=f"辽G{index:05d}",
        version=version,
        terminal_id=f"T{index:06d}",
        placeholder_auth_code="PLACEHOLDER",
    )


def when(dt_s: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(T0 + dt_s, dt.UTC)


def fix(dt_s: float, lat: float = 41.12) -> j.Location:
    """A position report made at T0 + dt_s (whole seconds: the wire time is BCD)."""
    t = dt.datetime.fromtimestamp(T0 + dt_s, BEIJING)
    return j.Location(0, 0b11, lat, 121.13, 20, 23.5, 90, t, (j.Mileage(1234.5),))


def login(term: SimTerminal, dt_s: float = 0.0, *, register: bool = True) -> list[Action]:
    imei, software = ("860000000000001", "1.0.0") if term.version == V2019 else ("", "")
    out = [Action(T0 + dt_s, C)]
    if register:
        out.append(Action(T0 + dt_s, R, term.register_message()))
    out.append(Action(T0 + dt_s, A, j.Authentication(term.placeholder_auth_code, imei, software)))
    return out


def lazily(actions: list[Action]) -> Iterator[Action]:
    yield from actions  # a generator, as long simulations give


def city() -> tuple[list[TerminalScript], Expected, list[SimTerminal]]:
    """Three terminals: one that drops offline and catches up (2013), one 2019 edition,
    one that never registered (its authentication fails)."""
    a, b, c = terminal(101), terminal(102, V2019), terminal(103)
    script_a = [
        *login(a),
        *(Action(T0 + s, S, fix(s)) for s in (1, 2, 3)),
        Action(T0 + 4, X),
        Action(T0 + 5, S, fix(5)),
        Action(T0 + 5.5, S, j.Heartbeat()),  # offline: dropped
        Action(T0 + 6, S, fix(6)),
        Action(T0 + 7, C),
        Action(T0 + 7, A, j.Authentication(a.placeholder_auth_code)),
        Action(T0 + 8, S, fix(8)),
        Action(T0 + 9, X),
    ]
    script_b = [
        *login(b),
        Action(T0 + 2, S, fix(2, lat=41.2)),
        Action(T0 + 4, S, fix(4, lat=41.2)),
        Action(T0 + 5, S, j.Heartbeat()),
        Action(T0 + 6, X),
    ]
    script_c = [*login(c, register=False), Action(T0 + 1, S, fix(1)), Action(T0 + 2, X)]
    scripts = [
        TerminalScript(a, lazily(script_a)),
        TerminalScript(b, lazily(script_b)),
        TerminalScript(c, lazily(script_c)),
    ]
    expected = {(a.phone, when(s), False) for s in (1, 2, 3, 8)}
    expected |= {(a.phone, when(s), True) for s in (5, 6)}
    expected |= {(b.phone, when(s), False) for s in (2, 4)}
    return scripts, expected, [a, b, c]


async def locations(h: Harness, n: int) -> Expected:
    """The next `n` VehicleLocation events (others skipped), then checks none follow."""
    got: list[VehicleLocation] = []
    async with asyncio.timeout(5):
        while len(got) < n:
            got += [e for e in await h.events(1) if isinstance(e, VehicleLocation)]
    assert not [e for e in await h.quiet(0.3) if isinstance(e, VehicleLocation)]
    assert len(got) == n
    return {(e.phone, e.ts_utc, e.blind_area) for e in got}


async def outcome(h: Harness) -> CommandOutcome:
    async with asyncio.timeout(5):
        while True:
            for e in await h.events(1):
                if isinstance(e, CommandOutcome):
                    return e


def test_scripts_play_with_login_blind_area_and_2019(tmp_path: Path) -> None:
    async def scenario() -> None:
        scripts, expected, _ = city()
        async with gateway(tmp_path, open_registration=True) as h:
            clock = SimClock(T0, asyncio.get_running_loop().time(), speed=40.0)
            seen: list[LiveStats] = []
            stats = await play_live(
                scripts, "127.0.0.1", h.gateway.port, clock, progress=seen.append
            )
            assert await locations(h, len(expected)) == expected
        assert seen and seen[-1] is stats
        assert (stats.locations_sent, stats.blind_locations_sent) == (9, 2)
        assert (stats.auth_failures, stats.reconnects, stats.errors) == (1, 1, 0)
        assert (stats.connected, stats.finished, stats.connect_failures) == (0, 3, 0)
        # A: reg, auth, 3 fixes, auth, 1 batch, 1 fix; B: reg, auth, 2 fixes, heartbeat;
        # C: auth, fix
        assert stats.frames_sent == 8 + 5 + 2

    run(scenario())


def test_commands_are_answered_and_stop_ends_early(tmp_path: Path) -> None:
    async def scenario() -> None:
        d = terminal(104, V2019)
        # the position goes out right after the login, before any command can arrive
        script = [*login(d), Action(T0, S, fix(0)), Action(T0 + 3600, S, j.Heartbeat())]
        async with gateway(tmp_path, open_registration=True, outbox_poll_s=0.05) as h:
            box = h.store.outbox
            text = box.enqueue(
                d.phone, CommandKind.TEXT, {"text": "前方拥堵"}, dt.datetime.now(dt.UTC)
            )
            clock = SimClock(T0, asyncio.get_running_loop().time(), speed=20.0)
            stop = asyncio.Event()
            play = asyncio.create_task(
                play_live(
                    [TerminalScript(d, script)], "127.0.0.1", h.gateway.port, clock, stop=stop
                )
            )
            first = await outcome(h)
            assert (first.command_id, first.status) == (str(text), "acked")
            query = box.enqueue(d.phone, CommandKind.LOCATION_QUERY, {}, dt.datetime.now(dt.UTC))
            second = await outcome(h)
            assert (second.command_id, second.status) == (str(query), "acked")
            params = box.enqueue(
                d.phone, CommandKind.SET_PARAMS, {"params": {"0x0029": 5}}, dt.datetime.now(dt.UTC)
            )
            third = await outcome(h)
            assert (third.command_id, third.status) == (str(params), "acked")
            stop.set()
            stats = await play
            stored = box.get(text)
            assert stored is not None and stored.status is CommandStatus.ACKED
        assert stats.commands_answered == 3
        assert (stats.finished, stats.connected, stats.locations_sent) == (1, 0, 1)

    run(scenario())


def test_unreachable_gateway_is_counted_not_fatal() -> None:
    async def scenario() -> None:
        port = free_port()
        t = terminal(105)
        script = [*login(t), Action(T0 + 1, S, fix(1)), Action(T0 + 2, X)]
        clock = SimClock(T0, asyncio.get_running_loop().time(), speed=float("inf"))
        stats = await play_live([TerminalScript(t, script)], "127.0.0.1", port, clock)
        assert stats.connect_failures == 1 and stats.finished == 1
        assert (stats.locations_sent, stats.frames_sent, stats.connected) == (0, 0, 0)

    run(scenario())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # closed again: nothing listens there until someone binds it


def test_gateway_coming_up_late_gets_the_login_and_the_blind_area(tmp_path: Path) -> None:
    async def scenario() -> None:
        port = free_port()
        t = terminal(106)
        script = [
            *login(t),  # due while the gateway is down: done once connected
            *(Action(T0 + s, S, fix(s)) for s in (1, 2, 3)),
            Action(T0 + 3600, S, j.Heartbeat()),
        ]
        clock = SimClock(T0, asyncio.get_running_loop().time(), speed=10.0)
        stop = asyncio.Event()
        play = asyncio.create_task(
            play_live([TerminalScript(t, script)], "127.0.0.1", port, clock, stop=stop)
        )
        await asyncio.sleep(0.2)  # the first connection attempt fails meanwhile
        async with gateway(tmp_path, port, open_registration=True) as h:
            got = await locations(h, 3)
            stop.set()
            stats = await play
        assert got == {(t.phone, when(s), True) for s in (1, 2, 3)}
        assert stats.connect_failures >= 1 and stats.auth_failures == 0
        assert (stats.blind_locations_sent, stats.reconnects) == (3, 0)

    run(scenario())


def test_lost_connection_is_retried_with_a_new_login(tmp_path: Path) -> None:
    async def scenario() -> None:
        t = terminal(107)
        script = [*login(t), Action(T0 + 1, S, fix(1)), Action(T0 + 3600, S, j.Heartbeat())]
        async with gateway(tmp_path, open_registration=True, idle_timeout_s=0.3) as h:
            clock = SimClock(T0, asyncio.get_running_loop().time(), speed=1.0)
            stop = asyncio.Event()
            play = asyncio.create_task(
                play_live(
                    [TerminalScript(t, script)], "127.0.0.1", h.gateway.port, clock, stop=stop
                )
            )
            (got,) = await locations(h, 1)  # sent live or kept and sent after re-login
            stop.set()
            stats = await play
        assert got[:2] == (t.phone, when(1))
        assert stats.reconnects >= 1 and stats.auth_failures == 0

    run(scenario())
