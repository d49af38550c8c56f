"""Messages the codec has no layout for (or cannot read), kept as raw body bytes.

Unknown message IDs and encrypted bodies decode to `RawMessage`, never to an error, so
the gateway can still acknowledge them (0x8001 result 3, not supported) and log them.
"""

from __future__ import annotations

import msgspec


class RawMessage(msgspec.Struct, frozen=True, gc=False):
    """A message body kept as bytes: `msg_id` and `body` exactly as received."""

    msg_id: int
    body: bytes = b""
