"""Gateway metrics in the Prometheus text format, in a registry of the gateway's own."""

from __future__ import annotations

from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

disable_created_metrics()  # type: ignore[no-untyped-call]  # *_created series: noise


class GatewayMetrics:
    """Counters of what came in and why anything was refused, and the ack latency."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.connections = Gauge("busbrain_gateway_connections", "Open TCP connections", registry=r)
        self.online = Gauge(
            "busbrain_gateway_terminals_online", "Authenticated terminals", registry=r
        )
        self.accepted = Counter(
            "busbrain_gateway_connections_accepted", "TCP connections accepted", registry=r
        )
        self.closed = Counter(
            "busbrain_gateway_connections_closed",
            "Connections closed, by reason",
            ["reason"],
            registry=r,
        )
        self.messages = Counter(
            "busbrain_gateway_messages", "Messages received, by id", ["msg_id"], registry=r
        )
        self.rejected = Counter(
            "busbrain_gateway_frames_rejected", "Frames dropped, by reason", ["reason"], registry=r
        )
        self.refused = Counter(
            "busbrain_gateway_messages_refused",
            "Messages answered with a failure, by reason",
            ["reason"],
            registry=r,
        )
        self.registrations = Counter(
            "busbrain_gateway_registrations", "Registrations, by result", ["result"], registry=r
        )
        self.locations = Counter(
            "busbrain_gateway_locations",
            "Location reports accepted onto the bus",
            ["source"],
            registry=r,
        )
        self.commands = Counter(
            "busbrain_gateway_commands", "Commands finished, by outcome", ["status"], registry=r
        )
        self.ack_seconds = Histogram(
            "busbrain_gateway_ack_seconds",
            "Time from a frame's arrival to its acknowledgement being written",
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0),
            registry=r,
        )

        self._by_msg_id: dict[int, Any] = {}
        self.live_locations = self.locations.labels("live")
        self.blind_locations = self.locations.labels("blind_area")

    def message(self, msg_id: int) -> None:
        """Count a received message (children cached: this runs for every frame)."""
        child = self._by_msg_id.get(msg_id)
        if child is None:
            child = self._by_msg_id[msg_id] = self.messages.labels(f"{msg_id:#06x}")
        child.inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
