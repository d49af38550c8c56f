"""Maps message IDs and message types to their codecs (one module per message ID)."""

from __future__ import annotations

from typing import Any

from busbrain.protocol.jt808.messages import CODECS
from busbrain.protocol.jt808.messages.base import MessageCodec

BY_ID: dict[int, MessageCodec[Any]] = {codec.msg_id: codec for codec in CODECS}
"""Codec of each message ID the package knows."""

BY_TYPE: dict[type, MessageCodec[Any]] = {codec.message_type: codec for codec in CODECS}
"""Codec of each message type, for encoding."""


def known_ids() -> frozenset[int]:
    """Message IDs decoded to a typed message (others decode to `RawMessage`)."""
    return frozenset(BY_ID)
