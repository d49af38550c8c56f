"""The composition root: builds the store and services from settings.

Only this module (and the CLI above it) chooses concrete adapters; everything below
receives them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from busbrain.api.routes.webconfig import TileConfig
from busbrain.bus.memory import InMemoryBus
from busbrain.bus.nats import NatsBus, NatsSettings
from busbrain.bus.ports import EventBus
from busbrain.config import Settings
from busbrain.domain.errors import BadInputError
from busbrain.store.engine import migrate, open_engine
from busbrain.store.sql_alarms import SqlAlarmStore
from busbrain.store.sql_drivers import SqlDriverShifts
from busbrain.store.sql_fares import SqlFareTaps
from busbrain.store.sql_history import SqlRealtimeHistory
from busbrain.store.sql_network import SqlNetworkRepository
from busbrain.store.sql_queries import SqlNetworkQueries
from busbrain.store.sql_schedule import SqlScheduleQueries
from busbrain.store.sql_terminals import SqlCommandOutbox, SqlTerminalRegistry
from busbrain.store.sql_trip_changes import SqlTripChanges
from busbrain.store.sql_users import SqlUserStore


@dataclass
class Store:
    engine: Engine
    network: SqlNetworkRepository
    queries: SqlNetworkQueries
    schedule: SqlScheduleQueries
    terminals: SqlTerminalRegistry
    outbox: SqlCommandOutbox
    history: SqlRealtimeHistory
    fares: SqlFareTaps
    users: SqlUserStore
    alarms: SqlAlarmStore
    trip_changes: SqlTripChanges
    drivers: SqlDriverShifts

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
        SqlFareTaps(engine),
        SqlUserStore(engine),
        SqlAlarmStore(engine),
        SqlTripChanges(engine),
        SqlDriverShifts(engine),
    )


async def open_bus(url: str) -> EventBus:
    """The event bus named by `url`: "memory" (in-process) or "nats://host:port"."""
    if url == "memory":
        return InMemoryBus()
    if url.startswith(("nats://", "tls://")):
        return await NatsBus.connect(url, NatsSettings())
    raise BadInputError(f"unknown bus {url!r}: use 'memory' or a nats:// URL")


def card_key(settings: Settings) -> bytes:
    """The key card ids are pseudonymised with: `card_key` if set, else the key file's,
    which is created (random, 256 bits, mode 0600) the first time. The same key must be
    used for every load, or one card gets two pseudonyms."""
    import os
    import secrets

    text = settings.card_key
    if text is None:
        path = Path(settings.card_key_file)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
        text = path.read_text(encoding="utf-8").strip()
        where = str(path)
    else:
        where = "BUSBRAIN_CARD_KEY"
    try:
        key = bytes.fromhex(text)
    except ValueError as exc:
        raise BadInputError(f"{where}: the card key must be hex digits") from exc
    if not 16 <= len(key) <= 64:
        raise BadInputError(f"{where}: the card key must be 32 to 128 hex digits, not {len(text)}")
    return key


def tile_config(settings: Settings) -> TileConfig | None:
    """The map page's base map from the tile_* settings, or None when tile_url is unset."""
    if not settings.tile_url:
        return None
    try:
        return TileConfig(
            url=settings.tile_url,
            crs=settings.tile_crs,
            attribution=settings.tile_attribution,
            subdomains=settings.tile_subdomains,
        )
    except ValueError as exc:
        raise BadInputError(f"BUSBRAIN_TILE_URL: {exc}") from exc
