"""What every connection of one gateway shares: settings, store ports, bus, metrics."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from busbrain.gateway.config import GatewayConfig
from busbrain.gateway.metrics import GatewayMetrics
from busbrain.gateway.sink import EventSink
from busbrain.gateway.table import ConnectionTable
from busbrain.store.ports import CommandOutbox, TerminalRegistry


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class GatewayContext:
    config: GatewayConfig
    registry: TerminalRegistry
    outbox: CommandOutbox
    sink: EventSink
    metrics: GatewayMetrics = field(default_factory=GatewayMetrics)
    table: ConnectionTable = field(default_factory=ConnectionTable)
    clock: Callable[[], dt.datetime] = utc_now
