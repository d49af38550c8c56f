"""Replays a capture file to any gateway: the recorded wire bytes, terminal by terminal.

    stats = await replay_capture("day.bbcap", "127.0.0.1", 7808, speed=60.0)

Each terminal gets its own TCP connection and its own task, fed through a bounded
queue by a single reader of the (streamed) file, so memory stays bounded however long
the capture: when one terminal falls behind, reading waits for it. Records are sent at
`speed` times their recorded pace (`float('inf')`: as fast as possible, still in each
terminal's order). The gateway is a fresh one in general, so a terminal's REGISTER
waits for the 0x8100 and keeps the code it gives; its AUTHENTICATE frame is re-encoded
with that code (same serial and edition) and waits for the 0x8001 before the terminal
goes on. Commands are answered as in `live` (`responder`); a location query gets the
last 0x0200 / 0x0704 the terminal sent, decoded only then.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import msgspec

from busbrain.protocol import jt808 as j
from busbrain.sim.capture import (
    CaptureRecord,
    StrPath,
    read_capture,
    terminals_from_metadata,
)
from busbrain.sim.live import LinkCounts, TerminalLink, raise_fd_limit, run_all
from busbrain.sim.responder import TerminalState
from busbrain.sim.script import ActionKind, SimClock, SimTerminal

QUEUE_RECORDS = 256
"""Records waiting per terminal before reading the file pauses (the memory bound)."""
CONNECT_ATTEMPTS = 3
CONNECT_RETRY_S = 0.2
"""A CONNECT is tried this many times, waiting 0.2 s, 0.4 s, ... in between; the
terminal's records up to its next CONNECT are dropped if all attempts fail."""
REPLY_SERIAL0 = 0x8000
"""First serial of the replies to commands: far from the captured serials, which
start at 0, so that the two rarely collide."""
_YIELD_EVERY = 512


@dataclass(slots=True)
class ReplayStats(LinkCounts):
    """What `replay_capture` did so far (passed to `progress` about once a second)."""

    records: int = 0
    """Records played (sent, or dropped for want of a connection)."""
    terminals: int = 0
    """Terminals seen in the capture so far."""
    auth_substituted: int = 0
    """Authentications re-encoded with the code the gateway gave at registration."""
    dropped: int = 0
    """Records not sent because their terminal had no connection."""


async def replay_capture(
    path: StrPath,
    host: str,
    port: int,
    *,
    speed: float,
    progress: Callable[[ReplayStats], None] | None = None,
    stop: asyncio.Event | None = None,
) -> ReplayStats:
    """Send the capture at `path` to the gateway at `host:port`; returns the counts.

    Ends when every record is played, or early when `stop` is set.
    """
    metadata, records = read_capture(path)
    terminals = terminals_from_metadata(metadata)
    raise_fd_limit(len(terminals))
    stats = ReplayStats()
    work = _dispatch(records, terminals, host, port, speed, stats)
    return await run_all([work], stats, progress=progress, stop=stop)


async def _dispatch(
    records: Iterator[CaptureRecord],
    terminals: dict[int, SimTerminal],
    host: str,
    port: int,
    speed: float,
    stats: ReplayStats,
) -> None:
    """Read the records and hand each to its terminal's queue (waiting when full)."""
    loop = asyncio.get_running_loop()
    players: dict[int, _ReplayPlayer] = {}
    tasks: list[asyncio.Task[None]] = []
    clock: SimClock | None = None
    try:
        for n, record in enumerate(records):
            if clock is None:
                clock = SimClock(sim0=record.t, wall0=loop.time(), speed=speed)
            player = players.get(record.terminal)
            if player is None:
                terminal = terminals.get(record.terminal)
                player = _ReplayPlayer(terminal, host, port, clock, stats)
                players[record.terminal] = player
                tasks.append(loop.create_task(player.run()))
                stats.terminals += 1
            await player.queue.put(record)
            if n % _YIELD_EVERY == _YIELD_EVERY - 1:
                await asyncio.sleep(0)
        for player in players.values():
            await player.queue.put(None)
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        close = getattr(records, "close", None)
        if close is not None:
            close()


def _first_frame(data: bytes) -> j.Frame | None:
    """The first frame of captured wire bytes, or None if it does not decode."""
    end = data.find(b"\x7e", 1)
    try:
        return j.decode_frame(data[: end + 1] if end > 0 else data)
    except j.Jt808Error:
        return None


class _ReplayPlayer:
    """One terminal: plays its records in order on its own connection."""

    def __init__(
        self,
        terminal: SimTerminal | None,
        host: str,
        port: int,
        clock: SimClock,
        stats: ReplayStats,
    ) -> None:
        self.host, self.port, self.clock, self.stats = host, port, clock, stats
        self.session = j.Jt808Session(
            phone=terminal.phone if terminal else None,
            version=terminal.version if terminal else None,
            first_serial=REPLY_SERIAL0,
        )
        self.state = TerminalState()
        self.queue: asyncio.Queue[CaptureRecord | None] = asyncio.Queue(QUEUE_RECORDS)
        self.link: TerminalLink | None = None
        self.code: str | None = None
        """The auth code the gateway gave at registration in this replay."""

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while (record := await self.queue.get()) is not None:
                delay = self.clock.wall(record.t) - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                try:
                    await self._play(record)
                except ConnectionError:
                    pass  # counted where the link noticed
                except Exception:
                    self.stats.errors += 1
                self.stats.records += 1
        finally:
            await self._close()

    async def _play(self, record: CaptureRecord) -> None:
        kind = record.kind
        if kind is ActionKind.CONNECT:
            await self._connect()
            return
        if kind is ActionKind.CLOSE:
            await self._close()
            return
        link = self.link
        if link is None:
            self.stats.dropped += 1
        elif kind is ActionKind.REGISTER:
            await self._register(link, record.data)
        elif kind is ActionKind.AUTHENTICATE:
            await self._authenticate(link, record.data)
        else:
            link.send_raw(record.data)
            self.state.remember_frames(record.data)
            await link.drain()

    async def _connect(self) -> None:
        delay = CONNECT_RETRY_S
        for attempt in range(CONNECT_ATTEMPTS):
            if self.link is not None:
                return
            try:
                self.link = await TerminalLink.open(
                    self.host,
                    self.port,
                    session=self.session,
                    state=self.state,
                    counts=self.stats,
                    on_lost=self._lost,
                )
            except (OSError, TimeoutError):
                self.stats.connect_failures += 1
                if attempt + 1 < CONNECT_ATTEMPTS:
                    await asyncio.sleep(delay)
                    delay *= 2
                continue
            self.stats.connected += 1

    def _lost(self) -> None:
        self.link = None
        self.stats.connected -= 1

    async def _close(self) -> None:
        link, self.link = self.link, None
        if link is not None:
            self.stats.connected -= 1
            with contextlib.suppress(Exception):
                await link.close()

    async def _request(
        self, link: TerminalLink, data: bytes, serial: int, answer_id: int
    ) -> j.Message | None:
        future = link.expect(answer_id, serial)
        link.send_raw(data)
        await link.drain()
        return await link.wait(future)

    async def _register(self, link: TerminalLink, data: bytes) -> None:
        frame = _first_frame(data)
        if frame is None:
            link.send_raw(data)  # not ours to judge: send it, there is no serial to await
            self.stats.errors += 1
            return
        reply = await self._request(link, data, frame.header.serial, 0x8100)
        if isinstance(reply, j.RegisterResponse) and reply.result == 0 and reply.auth_code:
            self.code = reply.auth_code
        else:
            self.stats.auth_failures += 1

    async def _authenticate(self, link: TerminalLink, data: bytes) -> None:
        frame = _first_frame(data)
        if frame is None:
            link.send_raw(data)
            self.stats.errors += 1
            return
        header = frame.header
        if self.code is not None:
            data = self._substitute(frame, self.code) or data
        reply = await self._request(link, data, header.serial, 0x8001)
        if not (isinstance(reply, j.PlatformGeneralResponse) and reply.result == 0):
            self.stats.auth_failures += 1

    def _substitute(self, frame: j.Frame, code: str) -> bytes | None:
        """The captured authentication re-encoded with `code` (same serial, edition,
        IMEI and software version), or None if it does not decode."""
        header = frame.header
        try:
            auth = j.decode_body(header, frame.body)
            if not isinstance(auth, j.Authentication):
                return None
            data = j.encode_message(
                msgspec.structs.replace(auth, auth_code=code),
                phone=header.phone,
                serial=header.serial,
                version=header.version,
                protocol_version=header.protocol_version,
            )
        except j.Jt808Error:
            return None
        self.stats.auth_substituted += 1
        return data
