"""What `Jt808Session.next_event` returns: a message, a rejected frame, or a
sub-packaged message given up on. Frozen values, as h11's events are."""

from __future__ import annotations

import msgspec

from busbrain.protocol.jt808.errors import RemoteProtocolError
from busbrain.protocol.jt808.frame import LengthMismatch
from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.messages import Message


class MessageReceived(msgspec.Struct, frozen=True, gc=False):
    """A decoded message. For a reassembled message, `header` is package 1's header.

    `length_mismatch` is set when the declared body length differed from the bytes
    present (the message was still decoded; log it with the raw frame).
    """

    header: Header
    message: Message
    length_mismatch: LengthMismatch | None = None


class FrameRejected(msgspec.Struct, frozen=True):
    """A frame dropped for `error`; the session went on with the next one.

    `raw` is the escaped bytes between the flags (at most the first 64 for an over-long
    frame), for logging as hex. `header` is set when the header could be read, e.g. to
    answer 0x8001 with result 2 (message error) for a `MessageDecodeError`.
    """

    error: RemoteProtocolError
    raw: bytes
    header: Header | None = None


class ReassemblyAbandoned(msgspec.Struct, frozen=True, gc=False):
    """A sub-packaged message dropped before it was complete.

    `reason` is "timeout" (no package for the configured time) or "memory" (evicted to
    stay within the session's bound). `original_serial` and `missing` are what a 0x8003
    retransmit request needs; `header` is the first package's header seen.
    """

    header: Header
    original_serial: int
    received: tuple[int, ...]
    missing: tuple[int, ...]
    reason: str


Event = MessageReceived | FrameRejected | ReassemblyAbandoned
