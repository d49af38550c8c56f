"""The gateway: a TCP server for terminals, its command dispatcher and its event sink.

    gateway = Gateway(config, registry=..., outbox=..., publisher=bus)
    await gateway.start()          # listening on config.port (0: any free port)
    ...
    await gateway.stop()

It holds no state worth saving: terminals reconnect after a restart and the outbox
keeps commands, so a crashed gateway is simply started again.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
from collections.abc import Callable

from busbrain.bus.ports import Publisher
from busbrain.gateway.commands import CommandDispatcher
from busbrain.gateway.config import GatewayConfig
from busbrain.gateway.connection import TerminalConnection
from busbrain.gateway.context import GatewayContext, utc_now
from busbrain.gateway.http_metrics import serve_metrics
from busbrain.gateway.metrics import GatewayMetrics
from busbrain.gateway.sink import EventSink
from busbrain.store.ports import CommandOutbox, TerminalRegistry


class Gateway:
    def __init__(
        self,
        config: GatewayConfig,
        *,
        registry: TerminalRegistry,
        outbox: CommandOutbox,
        publisher: Publisher,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        sink = EventSink(publisher, batch=config.publish_batch, delay_s=config.publish_delay_s)
        self.ctx = GatewayContext(config, registry, outbox, sink, clock=clock)
        self.commands = CommandDispatcher(self.ctx)
        self._server: asyncio.Server | None = None
        self._metrics_server: asyncio.Server | None = None
        self._connections: set[TerminalConnection] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def metrics(self) -> GatewayMetrics:
        return self.ctx.metrics

    @property
    def port(self) -> int:
        """The port terminals connect to (the real one when the config asked for 0)."""
        assert self._server is not None, "not started"
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self, metrics_port: int | None = None, metrics_host: str = "127.0.0.1") -> None:
        self.ctx.sink.start()
        self.commands.start()
        cfg = self.ctx.config
        self._server = await asyncio.start_server(
            self._handle, cfg.host, cfg.port, reuse_address=True, backlog=4096
        )
        if metrics_port is not None:
            self._metrics_server = await serve_metrics(
                self.ctx.metrics.render, metrics_host, metrics_port
            )

    @property
    def metrics_port(self) -> int | None:
        if self._metrics_server is None:
            return None
        return int(self._metrics_server.sockets[0].getsockname()[1])

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = TerminalConnection(reader, writer, self.ctx, self.commands)
        self._connections.add(conn)
        try:
            await conn.run()
        finally:
            self._connections.discard(conn)

    async def serve_forever(self) -> None:
        assert self._server is not None, "not started"
        await self._server.serve_forever()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        if self._metrics_server is not None:
            self._metrics_server.close()
        for conn in list(self._connections):
            conn.close_soon("closed")
        for _ in range(100):
            if not self._connections:
                break
            await asyncio.sleep(0.01)
        await self.commands.close()
        await self.ctx.sink.close()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await self._server.wait_closed()


def tune_gc() -> None:
    """Keep the cyclic garbage collector from pausing the event loop.

    With thousands of connections the heap holds millions of objects, and a full
    collection of them stops every connection for hundreds of milliseconds: the tail of the
    ack latency. Objects alive after start-up are frozen out of collection, and collections
    run less often (the gateway makes few reference cycles).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
