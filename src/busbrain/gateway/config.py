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

    Alarm attachments (苏标 0x9208): `attachment_host` / `attachment_port` are the
    attachment server named to terminals; None means this gateway's own `host` / `port`
    (one listener accepts both kinds of connection). A wildcard `host` ("0.0.0.0") cannot
    be named to a terminal: set `attachment_host` to the address terminals reach.
    `attachments_dir` is the folder uploaded files are kept in; `attachment_max_bytes`
    the largest file accepted (bytes), so a terminal cannot fill the disk.
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
    attachment_host: str | None = None
    attachment_port: int | None = None
    attachments_dir: str = "var/attachments"
    attachment_max_bytes: int = 32 * 1024 * 1024
