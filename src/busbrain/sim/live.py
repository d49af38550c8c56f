"""Plays terminal scripts live: one TCP connection per simulated terminal, to a gateway.

    clock = SimClock(sim0=start_t, wall0=asyncio.get_running_loop().time(), speed=10.0)
    stats = await play_live(scripts, "127.0.0.1", 7808, clock, progress=print)

One task per terminal walks its script, sleeping until `clock.wall(action.t)` (the
event loop's clock, seconds), plus one reader task per open connection that feeds the
gateway's bytes to a `Jt808Session` and answers commands (`responder`). A terminal
behaves as a real one does where the script cannot say: while it has no connection it
keeps its positions and sends them after the next login as blind-area batches (0x0704
type 1) and drops its heartbeats; a failed or lost connection is retried with
exponential backoff and followed by a new login; registration and authentication wait
(10 s at most) for the gateway's answer, and the code received at registration replaces
the script's placeholder. A 0x9208 (苏标 alarm attachments) is answered OK and the
files are uploaded on a second connection to the server it names (`upload_attachments`:
0x1210, per file 0x1211, data blocks and 0x1212, re-sending what 0x9212 says is
missing). `TerminalLink` (one connection) is shared with `replay`, whose terminals
upload nothing (their 0x9208 gets "not supported").
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import resource
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec

from busbrain.protocol import jt808 as j
from busbrain.sim.responder import (
    OK,
    BlindAreaStore,
    SimFile,
    TerminalState,
    data_block,
    respond,
)
from busbrain.sim.script import ActionKind, SimClock, TerminalScript

RESPONSE_TIMEOUT_S = 10.0
"""How long a terminal waits for the answer to its 0x0100 / 0x0102 (seconds)."""
CONNECT_TIMEOUT_S = 10.0
"""How long one TCP connection attempt may take (seconds)."""
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 30.0
"""Delay before the first retry of a failed connection, doubling up to the maximum
(seconds of the event loop's clock, not simulated time: the gateway recovers in real
time), with ±25 % jitter so that a thousand terminals do not retry in step."""
CLOSE_LINGER_S = 2.0
"""After a half-close, how long to wait for the gateway to close its side (seconds)."""
PROGRESS_EVERY_S = 1.0
READ_SIZE = 65536
_YIELD_EVERY = 64
"""Actions a terminal plays between two forced yields (matters at infinite speed)."""
_FLAG = b"\x7e"
UPLOAD_BLOCK_BYTES = 1024
"""Bytes of file data per attachment data block (terminals send 1–64 KiB)."""
UPLOAD_ROUNDS = 3
"""How often a file is sent again when 0x9212 names missing ranges, before giving up."""
UPLOADS_FINISH_S = 10.0
"""When its script is over, how long a terminal lets its uploads run (seconds)."""

S = TypeVar("S")


@dataclass(slots=True)
class LinkCounts:
    """Counters every connection updates (the live and replay stats extend them)."""

    frames_sent: int = 0
    """Wire frames written (a sub-packaged message counts each package)."""
    commands_answered: int = 0
    """Platform commands that got a reply."""
    errors: int = 0
    """Connections lost unexpectedly, failed writes, undecodable frames from the
    gateway, and unexpected faults while playing an action."""
    connected: int = 0
    """Terminals with an open connection now."""
    auth_failures: int = 0
    """Registrations or authentications refused or not answered in time."""
    connect_failures: int = 0
    """TCP connection attempts that failed."""
    attachments_uploaded: int = 0
    """Alarm attachment files the attachment server confirmed complete (0x9212)."""
    attachments_failed: int = 0
    """Alarm attachment files not confirmed: refused, cut off or still missing bytes."""


@dataclass(slots=True)
class LiveStats(LinkCounts):
    """What `play_live` did so far (passed to `progress` about once a second)."""

    locations_sent: int = 0
    """Positions sent, in 0x0200 and in 0x0704 batches alike."""
    blind_locations_sent: int = 0
    """Of which positions kept while offline and sent in blind-area batches."""
    locations_dropped: int = 0
    """Positions lost because a terminal's blind-area store was full."""
    reconnects: int = 0
    """Connections opened by terminals that had been connected before."""
    finished: int = 0
    """Terminals whose script is over."""


class TerminalLink:
    """One TCP connection of a simulated terminal.

    Writes go out with the terminal's own `session` (its serial numbers carry on across
    connections); a reader task feeds what the gateway sends to a fresh receiving
    session, resolves the futures of `expect` with the gateway's 0x8100 / 0x8001 and
    answers commands through `respond`. `on_lost` is called once if the connection ends
    without `close` having been called. With `uploads`, a 0x9208 is answered OK and its
    upload runs as a task kept in that set (else `respond` says "not supported").
    """

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        session: j.Jt808Session,
        state: TerminalState,
        counts: LinkCounts,
        on_lost: Callable[[], None] | None = None,
        uploads: set[asyncio.Task[None]] | None = None,
    ) -> None:
        self._reader, self._writer = reader, writer
        self._uploads = uploads
        self.session, self.state, self.counts = session, state, counts
        self._rx = j.Jt808Session(phone=session.phone, version=session.version)
        self._on_lost = on_lost
        self._waiting: dict[tuple[int, int], asyncio.Future[j.Message | None]] = {}
        self._closing = False
        self.alive = True
        self._task = asyncio.get_running_loop().create_task(self._read_loop())

    @classmethod
    async def open(
        cls,
        host: str,
        port: int,
        *,
        session: j.Jt808Session,
        state: TerminalState,
        counts: LinkCounts,
        on_lost: Callable[[], None] | None = None,
        uploads: set[asyncio.Task[None]] | None = None,
    ) -> TerminalLink:
        """Connect (raises `OSError` or `TimeoutError` after `CONNECT_TIMEOUT_S`)."""
        async with asyncio.timeout(CONNECT_TIMEOUT_S):
            reader, writer = await asyncio.open_connection(host, port)
        return cls(
            reader,
            writer,
            session=session,
            state=state,
            counts=counts,
            on_lost=on_lost,
            uploads=uploads,
        )

    # -- writing -----------------------------------------------------------------------

    def send(self, message: j.Message) -> int:
        """Write `message`; returns its (first) serial. Raises `ConnectionError`."""
        serial = self.session.next_serial
        self.send_raw(self.session.send(message))
        return serial

    def send_raw(self, data: bytes) -> None:
        """Write encoded frames as they are. Raises `ConnectionError` when closed."""
        if not self.alive or self._writer.is_closing():
            raise ConnectionError("the connection is closed")
        self._writer.write(data)
        self.counts.frames_sent += data.count(_FLAG) // 2

    async def drain(self) -> None:
        """Wait while the socket's send buffer is full (backpressure)."""
        try:
            await self._writer.drain()
        except (ConnectionError, OSError) as exc:
            self._writer.close()
            raise ConnectionError("the connection was lost") from exc

    def expect(self, answer_id: int, serial: int) -> asyncio.Future[j.Message | None]:
        """A future for the gateway's `answer_id` (0x8100 or 0x8001) to our `serial`
        (for 0x9212, which names no serial: 0); it gets None when the connection ends
        first. Call before sending."""
        future: asyncio.Future[j.Message | None] = asyncio.get_running_loop().create_future()
        self._waiting[(answer_id, serial)] = future
        return future

    async def wait(
        self, future: asyncio.Future[j.Message | None], timeout: float = RESPONSE_TIMEOUT_S
    ) -> j.Message | None:
        """The answer of `expect`, or None after `timeout` seconds or a lost link."""
        try:
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            return None
        finally:
            for key, waiting in list(self._waiting.items()):
                if waiting is future:
                    del self._waiting[key]

    async def close(self) -> None:
        """Close deliberately (no `on_lost`), as a terminal switched off does: half-close
        and keep reading until the gateway closes too (at most `CLOSE_LINGER_S`), so
        that it can answer everything sent before without writing to a dead socket."""
        self._closing = True
        self.alive = False
        if not self._writer.is_closing() and self._writer.can_write_eof():
            with contextlib.suppress(OSError, RuntimeError):
                self._writer.write_eof()
                await asyncio.wait({self._task}, timeout=CLOSE_LINGER_S)
        self._writer.close()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task
        with contextlib.suppress(Exception):
            await self._writer.wait_closed()

    # -- reading -----------------------------------------------------------------------

    async def _read_loop(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while data := await self._reader.read(READ_SIZE):
                self._rx.receive_data(data, now=loop.time())
                for event in self._rx.events():
                    try:
                        self._on_event(event)
                    except Exception:  # a fault answering one message must not end the link
                        self.counts.errors += 1
        except (ConnectionError, OSError):
            pass
        finally:
            self._ended()

    def _ended(self) -> None:
        self.alive = False
        for future in self._waiting.values():
            if not future.done():
                future.set_result(None)
        if not self._closing:
            self._closing = True
            self.counts.errors += 1
            self._writer.close()
            if self._on_lost is not None:
                self._on_lost()

    def _on_event(self, event: j.Event) -> None:
        if not isinstance(event, j.MessageReceived):
            self.counts.errors += 1  # a frame from the gateway we could not read
            return
        message = event.message
        if isinstance(message, j.RegisterResponse):
            self._resolve((0x8100, message.ack_serial), message)
        elif isinstance(message, j.PlatformGeneralResponse):
            self._resolve((0x8001, message.ack_serial), message)
        elif isinstance(message, j.UploadFinishedResponse):
            self._resolve((0x9212, 0), message)
        elif isinstance(message, j.AlarmAttachmentRequest) and self._uploads is not None:
            self._start_upload(event.header, message)
            return
        if not (replies := respond(event, self.state)):
            return
        try:
            for reply in replies:
                self.send(reply)
        except (ConnectionError, j.LocalProtocolError):
            self.counts.errors += not self._closing  # no phone to answer with
            return
        self.counts.commands_answered += 1

    def _start_upload(self, header: j.Header, request: j.AlarmAttachmentRequest) -> None:
        """Answer a 0x9208 OK and upload its files in a task of `_uploads`."""
        assert self._uploads is not None
        self.send(j.TerminalGeneralResponse(header.serial, header.msg_id, OK))
        self.counts.commands_answered += 1
        files = self.state.files_for(request)
        task = asyncio.get_running_loop().create_task(
            upload_attachments(request, files, self.session, self.counts)
        )
        self._uploads.add(task)
        task.add_done_callback(self._uploads.discard)

    def _resolve(self, key: tuple[int, int], message: j.Message) -> None:
        future = self._waiting.pop(key, None)
        if future is not None and not future.done():
            future.set_result(message)


async def upload_attachments(
    request: j.AlarmAttachmentRequest,
    files: Sequence[SimFile],
    terminal: j.Jt808Session,
    counts: LinkCounts,
) -> None:
    """Upload `files` as a 苏标 terminal does after a 0x9208: connect to the server it
    names, 0x1210 (the file list), then per file 0x1211, its data blocks and 0x1212,
    sending again the (offset, length) byte ranges a 0x9212 names (`UPLOAD_ROUNDS` at
    most). Uses the terminal's phone and version with serials of its own connection.
    Counts each file confirmed or not; never raises for network trouble."""
    if not files:
        return
    session = j.Jt808Session(phone=terminal.phone, version=terminal.version)
    try:
        link = await TerminalLink.open(
            request.server_ip,
            request.tcp_port,
            session=session,
            state=TerminalState(),
            counts=counts,
        )
    except (OSError, TimeoutError):
        counts.connect_failures += 1
        counts.attachments_failed += len(files)
        return
    done = 0
    try:
        ident = request.identification
        listing = tuple(j.AttachmentFile(f.name, len(f.data)) for f in files)
        info = j.AlarmAttachmentInfo(ident.terminal_id, ident, request.alarm_number, 0, listing)
        if not await _acked(link, info):
            return
        for file in files:
            done += await _upload_file(link, file)
    except ConnectionError:
        pass
    finally:
        counts.attachments_uploaded += done
        counts.attachments_failed += len(files) - done
        await link.close()


async def _acked(link: TerminalLink, message: j.Message) -> bool:
    """Send `message`; whether the server answered 0x8001 OK."""
    future = link.expect(0x8001, link.session.next_serial)
    link.send(message)
    await link.drain()
    reply = await link.wait(future)
    return isinstance(reply, j.PlatformGeneralResponse) and reply.result == OK


async def _upload_file(link: TerminalLink, file: SimFile) -> bool:
    """One file: 0x1211, its blocks, 0x1212, and the re-sends 0x9212 asks for; whether
    the server confirmed every byte."""
    size = len(file.data)
    if not await _acked(link, j.AttachmentFileInfo(file.name, file.file_type, size)):
        return False
    ranges: Sequence[tuple[int, int]] = ((0, size),)
    for _ in range(UPLOAD_ROUNDS + 1):
        for offset, length in ranges:
            end = min(offset + length, size)
            for at in range(offset, end, UPLOAD_BLOCK_BYTES):
                chunk = file.data[at : min(at + UPLOAD_BLOCK_BYTES, end)]
                link.send_raw(data_block(file.name, at, chunk))
                await link.drain()
        future = link.expect(0x9212, 0)
        link.send(j.AttachmentUploadFinished(file.name, file.file_type, size))
        await link.drain()
        result = await link.wait(future)
        if not isinstance(result, j.UploadFinishedResponse):
            return False
        if result.result == 0:
            return True
        ranges = result.retransmit
    return False


def raise_fd_limit(needed: int) -> None:
    """Raise the soft limit of open files towards `needed` (one socket per terminal,
    plus headroom), best effort: the common default of 1024 is too low for 1,000
    terminals."""
    with contextlib.suppress(ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = needed + 256
        if soft != resource.RLIM_INFINITY and soft < want:
            top = want if hard == resource.RLIM_INFINITY else min(want, hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, top), hard))


async def _report(progress: Callable[[S], None], stats: S) -> None:
    while True:
        await asyncio.sleep(PROGRESS_EVERY_S)
        progress(stats)


async def run_all(
    work: Sequence[Coroutine[Any, Any, None]],
    stats: S,
    *,
    progress: Callable[[S], None] | None = None,
    stop: asyncio.Event | None = None,
) -> S:
    """Run `work` as tasks until all are done or `stop` is set (the rest are then
    cancelled), calling `progress(stats)` about once a second and once at the end.
    The first exception a task ended with is raised after the others are stopped."""
    loop = asyncio.get_running_loop()
    tasks = [loop.create_task(coro) for coro in work]
    helpers: list[asyncio.Task[Any]] = []
    if progress is not None:
        helpers.append(loop.create_task(_report(progress, stats)))
    try:
        everything = asyncio.gather(*tasks, return_exceptions=True)
        if stop is None:
            await everything
        else:
            helpers.append(loop.create_task(stop.wait()))
            await asyncio.wait({everything, helpers[-1]}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (*tasks, *helpers):
            task.cancel()
        await asyncio.gather(*tasks, *helpers, return_exceptions=True)
    if progress is not None:
        progress(stats)
    for task in tasks:
        if not task.cancelled() and (exc := task.exception()) is not None:
            raise exc  # a bug, or an unreadable capture: not to be swallowed
    return stats


async def play_live(
    scripts: Sequence[TerminalScript],
    host: str,
    port: int,
    clock: SimClock,
    *,
    progress: Callable[[LiveStats], None] | None = None,
    stop: asyncio.Event | None = None,
) -> LiveStats:
    """Play every script against the gateway at `host:port` and return the counts.

    Ends when every script is over (each terminal then closes its connection), or early
    when `stop` is set. `clock.wall` must be on the running loop's clock (`loop.time()`).
    """
    raise_fd_limit(len(scripts))
    stats = LiveStats()
    jitter = random.Random(len(scripts))
    players = [_LivePlayer(s, host, port, clock, stats, jitter) for s in scripts]
    return await run_all([p.run() for p in players], stats, progress=progress, stop=stop)


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class _LivePlayer:
    """One terminal: walks its script, keeps its connection, login and blind area."""

    def __init__(
        self,
        script: TerminalScript,
        host: str,
        port: int,
        clock: SimClock,
        stats: LiveStats,
        jitter: random.Random,
    ) -> None:
        self.script, self.terminal = script, script.terminal
        self.host, self.port, self.clock, self.stats = host, port, clock, stats
        self.jitter = jitter
        self.session = j.Jt808Session(phone=self.terminal.phone, version=self.terminal.version)
        self.state = TerminalState()
        self.blind = BlindAreaStore()
        self.link: TerminalLink | None = None
        self.authed = False
        self.ever_connected = False
        self.want_online = False
        """Between a CONNECT and a CLOSE: a lost or failed connection is retried."""
        self.retry_at: float | None = None
        self.backoff = BACKOFF_FIRST_S
        self.code: str | None = None
        """The auth code the gateway gave at registration in this run."""
        self.auth: j.Authentication | None = None
        """The script's last authentication (placeholder code, 2019 IMEI and version)."""
        self.pending_register: j.Register | None = None
        self.login_pending = False
        """Log in as soon as connected: a REGISTER / AUTHENTICATE came due while
        offline, or the connection was lost after a login."""
        self._sleeper: asyncio.Future[None] | None = None
        self.uploads: set[asyncio.Task[None]] = set()
        """Alarm attachment uploads under way (`upload_attachments`)."""

    async def run(self) -> None:
        try:
            for n, action in enumerate(self.script):
                await self._until(self.clock.wall(action.t))
                try:
                    await self._act(action.kind, action.message)
                except ConnectionError:
                    pass  # counted where the link noticed; the next action goes on
                except Exception:
                    self.stats.errors += 1
                if n % _YIELD_EVERY == _YIELD_EVERY - 1:
                    await asyncio.sleep(0)
        finally:
            self.want_online = False
            await self._disconnect()
            await self._finish_uploads()
            self.stats.finished += 1

    async def _finish_uploads(self) -> None:
        """Let uploads under way end (`UPLOADS_FINISH_S` at most), then cancel them."""
        if not self.uploads:
            return
        pending = set(self.uploads)
        _, late = await asyncio.wait(pending, timeout=UPLOADS_FINISH_S)
        for task in late:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    # -- time ------------------------------------------------------------------------

    async def _until(self, when: float) -> None:
        """Wait for `when` (loop clock), reconnecting on the way when a retry is due."""
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            retry = self.retry_at if self.want_online and self.link is None else None
            if retry is not None and retry <= now:
                await self._connect()
                continue
            target = when if retry is None else min(when, retry)
            if target <= now:
                return
            await self._sleep(target)

    async def _sleep(self, when: float) -> None:
        """Sleep until `when`; a lost connection wakes us to schedule its retry."""
        loop = asyncio.get_running_loop()
        self._sleeper = future = loop.create_future()
        handle = loop.call_at(when, _wake, future)
        try:
            await future
        finally:
            handle.cancel()
            self._sleeper = None

    # -- actions ---------------------------------------------------------------------

    async def _act(self, kind: ActionKind, message: j.Message | None) -> None:
        if kind is ActionKind.CONNECT:
            self.want_online = True
            if self.link is None:
                await self._connect()
        elif kind is ActionKind.REGISTER:
            register = message if isinstance(message, j.Register) else None
            register = register or self.terminal.register_message()
            if self.link is None:
                self.pending_register, self.login_pending = register, True
            else:
                await self._register(register)
        elif kind is ActionKind.AUTHENTICATE:
            auth = message if isinstance(message, j.Authentication) else None
            self.auth = auth or j.Authentication(self.terminal.placeholder_auth_code)
            if self.link is None:
                self.login_pending = True
            else:
                await self._authenticate()
        elif kind is ActionKind.SEND:
            if message is not None:
                await self._send(message)
        elif kind is ActionKind.CLOSE:
            self.want_online = self.login_pending = False
            self.pending_register, self.retry_at = None, None
            await self._disconnect()

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            self.link = await TerminalLink.open(
                self.host,
                self.port,
                session=self.session,
                state=self.state,
                counts=self.stats,
                on_lost=self._lost,
                uploads=self.uploads,
            )
        except (OSError, TimeoutError):
            self.stats.connect_failures += 1
            self.retry_at = loop.time() + self.backoff * self.jitter.uniform(0.75, 1.25)
            self.backoff = min(self.backoff * 2, BACKOFF_MAX_S)
            return
        self.stats.connected += 1
        self.stats.reconnects += self.ever_connected
        self.ever_connected, self.authed = True, False
        self.retry_at, self.backoff = None, BACKOFF_FIRST_S
        if self.login_pending:
            self.login_pending = False
            if self.pending_register is not None:
                await self._register(self.pending_register)
            if self.auth is not None:
                await self._authenticate()

    def _lost(self) -> None:
        """The link ended under us: retry after a backoff and log in again."""
        self.link = None
        self.stats.connected -= 1
        self.login_pending = self.login_pending or self.auth is not None
        self.authed = False
        if self.want_online:
            loop = asyncio.get_running_loop()
            self.retry_at = loop.time() + self.backoff * self.jitter.uniform(0.75, 1.25)
            self.backoff = min(self.backoff * 2, BACKOFF_MAX_S)
            if self._sleeper is not None:
                _wake(self._sleeper)

    async def _disconnect(self) -> None:
        link, self.link = self.link, None
        self.authed = False
        if link is not None:
            self.stats.connected -= 1
            await link.close()

    async def _register(self, register: j.Register) -> None:
        self.pending_register = None
        reply = await self._request(register, 0x8100)
        if isinstance(reply, j.RegisterResponse) and reply.result == 0 and reply.auth_code:
            self.code = reply.auth_code
        else:
            self.stats.auth_failures += 1

    async def _authenticate(self) -> None:
        assert self.auth is not None
        auth = self.auth
        if self.code is not None:
            auth = msgspec.structs.replace(auth, auth_code=self.code)
        reply = await self._request(auth, 0x8001)
        if isinstance(reply, j.PlatformGeneralResponse) and reply.result == 0:
            self.authed = True
            await self._flush_blind()
        else:
            self.stats.auth_failures += 1

    async def _request(self, message: j.Message, answer_id: int) -> j.Message | None:
        link = self.link
        if link is None:
            return None
        future = link.expect(answer_id, self.session.next_serial)
        link.send(message)
        await link.drain()
        return await link.wait(future)

    async def _send(self, message: j.Message) -> None:
        if self.authed and self.blind:
            await self._flush_blind()
        link = self.link
        if link is None:
            self._keep(message)
            return
        try:
            link.send(message)
        except ConnectionError:
            self._keep(message)  # the link is going down: the reader will notice
            return
        self._sent(message)
        await link.drain()

    def _keep(self, message: j.Message) -> None:
        """Offline: keep positions for the blind area (heartbeats and others are lost)."""
        before = self.blind.dropped
        self.blind.add(message)
        self.stats.locations_dropped += self.blind.dropped - before

    def _sent(self, message: j.Message) -> None:
        self.state.remember_sent(message)
        if isinstance(message, j.Location):
            self.stats.locations_sent += 1
        elif isinstance(message, j.BatchLocation):
            self.stats.locations_sent += len(message.locations)

    async def _flush_blind(self) -> None:
        """Send what was kept while offline, oldest first, in blind-area batches."""
        while self.link is not None and (batch := self.blind.peek_batch()) is not None:
            self.link.send(batch)
            self.blind.commit(batch)
            self._sent(batch)
            self.stats.blind_locations_sent += len(batch.locations)
            await self.link.drain()
