"""The composition root: builds the store and services from settings.

Only this module (and the CLI above it) chooses concrete adapters; everything below
receives them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from busbrain.bus.memory import InMemoryBus
from busbrain.bus.nats import NatsBus, NatsSettings
from busbrain.bus.ports import EventBus
from busbrain.domain.errors import BadInputError
from busbrain.store.engine import migrate, open_engine
from busbrain.store.sql_history import SqlRealtimeHistory
from busbrain.store.sql_network import SqlNetworkRepository
from busbrain.store.sql_queries import SqlNetworkQueries
from busbrain.store.sql_schedule import SqlScheduleQueries
from busbrain.store.sql_terminals import SqlCommandOutbox, SqlTerminalRegistry


@dataclass
class Store:
    engine: Engine
    network: SqlNetworkRepository
    queries: SqlNetworkQueries
    schedule: SqlScheduleQueries
    terminals: SqlTerminalRegistry
    outbox: SqlCommandOutbox
    history: SqlRealtimeHistory

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str, *, upgrade: bool = True) -> Store:
    """Open the store at `url`, creating or upgrading its schema first."""
    engine = open_engine(url)
    if upgrade:
        migrate(engine)
    return Store(
        engine,
        SqlNetworkRepository(engine),
        SqlNetworkQueries(engine),
        SqlScheduleQueries(engine),
        SqlTerminalRegistry(engine),
        SqlCommandOutbox(engine),
        SqlRealtimeHistory(engine),
    )


async def open_bus(url: str) -> EventBus:
    """The event bus named by `url`: "memory" (in-process) or "nats://host:port"."""
    if url == "memory":
        return InMemoryBus()
    if url.startswith(("nats://", "tls://")):
        return await NatsBus.connect(url, NatsSettings())
    raise BadInputError(f"unknown bus {url!r}: use 'memory' or a nats:// URL")
