"""Commands down to terminals: from the store's outbox onto connections, and back.

The API queues commands in the outbox (the store); this dispatcher sends each one to its
terminal when the terminal is online, remembers the serial it went out with, and matches
the terminal's answer (0x0001 general response, 0x0201 to a location query, 0x0104 to a
parameter query) by that serial. Every command ends as acked, failed, unsupported,
timed out or offline, recorded in the outbox and published as a CommandOutcome event.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from dataclasses import dataclass

from busbrain.domain.events import CommandOutcome
from busbrain.domain.terminals import Command, CommandKind, CommandStatus
from busbrain.gateway.context import GatewayContext
from busbrain.protocol import jt808 as j

_RESULT_STATUS = {
    0: CommandStatus.ACKED,
    1: CommandStatus.FAILED,
    2: CommandStatus.FAILED,
    3: CommandStatus.UNSUPPORTED,
}


def build_message(command: Command) -> j.Message:
    """The JT/T 808 message of a command. Raises ValueError for a malformed payload."""
    p = command.payload
    if command.kind is CommandKind.TEXT:
        text = str(p.get("text", ""))
        if not text:
            raise ValueError("a text command needs a non-empty 'text'")
        flags = int(str(p.get("flags", 0x0C)))  # display + TTS read-aloud
        return j.TextMessage(flags=flags, text=text)
    if command.kind is CommandKind.LOCATION_QUERY:
        return j.LocationQuery()
    if command.kind is CommandKind.TEMP_TRACKING:
        return j.TemporaryTracking(
            interval_s=int(str(p.get("interval_s", 5))),
            validity_s=int(str(p.get("validity_s", 600))),
        )
    if command.kind is CommandKind.SET_PARAMS:
        raw = p.get("params", {})
        if not isinstance(raw, dict) or not raw:
            raise ValueError("a set_params command needs 'params': {param id: value}")
        return j.SetParameters(
            params=tuple(j.Parameter.of(int(str(k), 0), v) for k, v in raw.items())
        )
    raise ValueError(f"unknown command kind {command.kind!r}")


@dataclass
class _InFlight:
    command: Command
    deadline: dt.datetime


class CommandDispatcher:
    def __init__(self, ctx: GatewayContext) -> None:
        self.ctx = ctx
        self._inflight: dict[tuple[str, int], _InFlight] = {}
        self._task: asyncio.Task[None] | None = None
        self._finishing: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="commands")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(Exception):  # a store hiccup must not stop commands
                await self.tick()
            await asyncio.sleep(self.ctx.config.outbox_poll_s)

    async def tick(self) -> None:
        """Send what is pending for online terminals; time out what waited too long."""
        now = self.ctx.clock()
        outbox = self.ctx.outbox
        for command in await asyncio.to_thread(outbox.pending, self.ctx.table.phones()):
            await self._send(command, now)
        for key, flight in list(self._inflight.items()):
            if now >= flight.deadline:
                del self._inflight[key]
                await self._finish(
                    flight.command, CommandStatus.TIMED_OUT, now, "no answer in time"
                )
        ttl = dt.timedelta(seconds=self.ctx.config.command_ttl_s)
        for command in await asyncio.to_thread(outbox.pending, None, 1000):
            if now - command.created_at >= ttl:
                await self._finish(command, CommandStatus.OFFLINE, now, "terminal not connected")

    async def _send(self, command: Command, now: dt.datetime) -> None:
        conn = self.ctx.table.get(command.phone)
        if conn is None:
            return
        try:
            message = build_message(command)
        except ValueError as exc:
            await self._finish(command, CommandStatus.FAILED, now, str(exc))
            return
        serial = conn.send(message)
        deadline = now + dt.timedelta(seconds=self.ctx.config.command_timeout_s)
        # In flight before the store write: a quick terminal may answer while it runs.
        self._inflight[(command.phone, serial)] = _InFlight(command, deadline)
        await asyncio.to_thread(self.ctx.outbox.mark_sent, command.command_id, serial, now)

    def on_response(self, phone: str, message: j.Message, now: dt.datetime) -> None:
        """A terminal answered: finish the command sent with that serial, if any."""
        serial = getattr(message, "ack_serial", None)
        flight = self._inflight.pop((phone, serial), None) if serial is not None else None
        if flight is None:
            return
        result = getattr(message, "result", 0)
        status = _RESULT_STATUS.get(int(result), CommandStatus.FAILED)
        detail = f"result {result}" if status is not CommandStatus.ACKED else ""
        task = asyncio.get_running_loop().create_task(
            self._finish(flight.command, status, now, detail)
        )
        self._finishing.add(task)
        task.add_done_callback(self._finishing.discard)

    async def _finish(
        self, command: Command, status: CommandStatus, now: dt.datetime, detail: str = ""
    ) -> None:
        await asyncio.to_thread(
            self.ctx.outbox.finish, command.command_id, status, now, detail or None
        )
        self.ctx.metrics.commands.labels(status.value).inc()
        outcome = CommandOutcome(
            phone=command.phone,
            ts_utc=now,
            command_id=str(command.command_id),
            kind=command.kind.value,
            status=status.value,  # type: ignore[arg-type]
            detail=detail,
        )
        await self.ctx.sink.put([outcome])
