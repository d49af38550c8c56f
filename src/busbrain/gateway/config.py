"""The gateway's settings, with the defaults a city's operator would start from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """Where to listen and how patient to be. Times in seconds.

    `idle_timeout_s`: a connection that sends nothing for this long is closed (about three
    heartbeat intervals; terminals default to a 60 s heartbeat). `command_timeout_s`: how
    long a terminal has to answer a command. `command_ttl_s`: how long a command waits
    for its terminal to come online before it is reported "offline".
    """

    host: str = "0.0.0.0"
    port: int = 7808
    open_registration: bool = False
    idle_timeout_s: float = 180.0
    command_timeout_s: float = 30.0
    command_ttl_s: float = 600.0
    outbox_poll_s: float = 0.5
    max_frame_bytes: int = 4096
    reassembly_timeout_s: float = 60.0
    publish_batch: int = 512
    publish_delay_s: float = 0.005
