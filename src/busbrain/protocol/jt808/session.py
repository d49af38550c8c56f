"""A per-connection JT/T 808 session: bytes in, events out, bytes to send. No I/O.

Shaped like h11's `Connection`: the caller owns the socket and the clock.

    session = Jt808Session()
    session.receive_data(chunk, now=loop_time)     # any chunking; garbage is skipped
    while (event := session.next_event()) is not None:
        ...                                        # MessageReceived / FrameRejected / ...
    writer.write(session.send(PlatformGeneralResponse(h.serial, h.msg_id, 0)))

Receiving splits the stream on 0x7e and treats every non-empty run between two flags as
a frame, so it resynchronises after garbage or a corrupted frame by itself. Bad frames
become `FrameRejected` events, never exceptions; only misuse on our side (sending
without a phone number, a value that does not fit) raises `LocalProtocolError`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

import msgspec

from busbrain.protocol.jt808.codec import decode_body, encode_packages
from busbrain.protocol.jt808.errors import (
    FrameTooLongError,
    LocalProtocolError,
    MessageDecodeError,
    RemoteProtocolError,
)
from busbrain.protocol.jt808.events import (
    Event,
    FrameRejected,
    MessageReceived,
)
from busbrain.protocol.jt808.frame import LengthMismatch, decode_content
from busbrain.protocol.jt808.header import MAX_BODY_LENGTH, Header
from busbrain.protocol.jt808.messages import Message
from busbrain.protocol.jt808.reassembly import Reassembler
from busbrain.protocol.jt808.version import ProtocolVersion
from busbrain.protocol.jt808.wire import FLAG_BYTE

_REGISTRATION_IDS = frozenset({0x0100, 0x0102})
_RAW_SHOWN = 64


class SessionConfig(msgspec.Struct, frozen=True, kw_only=True):
    """Limits and assumptions of one session.

    - `max_frame_bytes`: most escaped bytes between two flags (a full 1023-byte body
      escaped is under 2.1 KiB); longer runs are dropped with `FrameTooLongError`,
      which also bounds the receive buffer;
    - `assume_version`: parse headers with bit 14 clear as this edition (V2019 for
      devices that send the 2019 layout without the flag, V2011 for 2011 terminals);
      None learns 2019 from a 2019 0x0100 / 0x0102;
    - `verify_check_code`: False only for forensics;
    - `reassembly_timeout_s`: seconds without a new package before a sub-packaged
      message is abandoned; `max_reassembly_bytes` / `max_pending_messages`: memory
      bound of incomplete messages per session;
    - `max_package_body`: body bytes per package when `send` sub-packages.
    """

    max_frame_bytes: int = 4096
    assume_version: ProtocolVersion | None = None
    verify_check_code: bool = True
    reassembly_timeout_s: float = 60.0
    max_reassembly_bytes: int = 2 * 1024 * 1024
    max_pending_messages: int = 16
    max_package_body: int = MAX_BODY_LENGTH


class Jt808Session:
    """The protocol state of one TCP connection, either end (platform or terminal)."""

    def __init__(
        self,
        config: SessionConfig | None = None,
        *,
        phone: str | None = None,
        version: ProtocolVersion | None = None,
        first_serial: int = 0,
    ) -> None:
        """`phone` and `version` are what `send` uses when not given per call (a
        terminal simulator sets both; a platform learns them from the peer)."""
        self.config = config or SessionConfig()
        self._phone = phone
        self._version = version
        self._serial = first_serial & 0xFFFF
        self._assume = self.config.assume_version
        self._proto = 1
        self._tail = b""
        self._in_frame = False
        self._now = 0.0
        self._events: deque[Event] = deque()
        self._reassembler = Reassembler(
            timeout_s=self.config.reassembly_timeout_s,
            max_bytes=self.config.max_reassembly_bytes,
            max_messages=self.config.max_pending_messages,
        )
        self.discarded_bytes = 0
        """Bytes skipped outside any frame (before a first flag, or after an overflow)."""

    # -- receiving -------------------------------------------------------------------

    def receive_data(self, data: bytes, *, now: float | None = None) -> None:
        """Feed bytes from the peer; `now` (seconds, any monotonic origin) also expires
        stale sub-packaged messages. Never raises for bad input."""
        if now is not None:
            self.expire(now)
        if not data:
            return
        parts = bytes(data).split(FLAG_BYTE)
        last = parts.pop()
        if parts:
            first = parts[0]
            if self._in_frame:
                self._segment(self._tail + first)
            else:
                self.discarded_bytes += len(first)
            for segment in parts[1:]:
                if segment:
                    self._segment(segment)
            self._tail, self._in_frame = last, True
        elif self._in_frame:
            self._tail += last
        else:
            self.discarded_bytes += len(last)
        if self._in_frame and len(self._tail) > self.config.max_frame_bytes:
            self._too_long(self._tail)
            self._tail, self._in_frame = b"", False

    def next_event(self) -> Event | None:
        """The next event, or None when more data is needed."""
        return self._events.popleft() if self._events else None

    def events(self) -> Iterator[Event]:
        """Every event available now (drains the queue)."""
        while self._events:
            yield self._events.popleft()

    def expire(self, now: float) -> None:
        """Advance the session's time; queue `ReassemblyAbandoned` for stale messages."""
        self._now = now
        self._events.extend(self._reassembler.expire(now))

    @property
    def pending_reassembly_bytes(self) -> int:
        return self._reassembler.pending_bytes

    def _segment(self, raw: bytes) -> None:
        if not raw:
            return
        if len(raw) > self.config.max_frame_bytes:
            self._too_long(raw)
            return
        try:
            frame = decode_content(raw, self._assume, self.config.verify_check_code)
        except RemoteProtocolError as exc:
            self._events.append(FrameRejected(exc, raw))
            return
        header = frame.header
        if header.package_total is None:
            self._deliver(header, frame.body, frame.length_mismatch, raw)
        else:
            self._reassemble(header, frame.body, raw)

    def _reassemble(self, header: Header, body: bytes, raw: bytes) -> None:
        try:
            done, dropped = self._reassembler.add(header, body, self._now)
        except RemoteProtocolError as exc:
            self._events.append(FrameRejected(exc, raw, header))
            return
        self._events.extend(dropped)
        if done is not None:
            self._deliver(done[0], done[1], None, raw)

    def _deliver(
        self, header: Header, body: bytes, mismatch: LengthMismatch | None, raw: bytes
    ) -> None:
        try:
            message = decode_body(header, body)
        except MessageDecodeError as exc:
            self._events.append(FrameRejected(exc, raw, header))
            return
        self._learn(header)
        self._events.append(MessageReceived(header, message, mismatch))

    def _learn(self, header: Header) -> None:
        """Remember the peer's phone and edition for `send` (brief §9)."""
        if self._phone is None:
            self._phone = header.phone
        if header.version == ProtocolVersion.V2019:
            self._proto = header.protocol_version
            if header.msg_id in _REGISTRATION_IDS and self._assume is None:
                self._assume = ProtocolVersion.V2019
        if self._version is None:
            self._version = header.version

    def _too_long(self, raw: bytes) -> None:
        error = FrameTooLongError(
            f"{len(raw)} bytes without a closing 0x7e (max {self.config.max_frame_bytes})"
        )
        self._events.append(FrameRejected(error, raw[:_RAW_SHOWN]))
        self.discarded_bytes += len(raw)

    # -- sending ---------------------------------------------------------------------

    @property
    def next_serial(self) -> int:
        """Serial the next frame sent will carry (wraps at 0xFFFF)."""
        return self._serial

    @property
    def phone(self) -> str | None:
        """Terminal phone used by `send`: configured, or learned from the peer."""
        return self._phone

    @property
    def version(self) -> ProtocolVersion:
        """Edition used by `send`: configured, learned from the peer, else 2013."""
        return self._version or self._assume or ProtocolVersion.V2013

    def send(
        self,
        message: Message,
        *,
        phone: str | None = None,
        version: ProtocolVersion | None = None,
    ) -> bytes:
        """The wire bytes of `message`, sub-packaged if its body needs it, with the
        session's next serial(s). Raises `LocalProtocolError` when there is no phone
        number yet or a field does not fit."""
        to = phone or self._phone
        if to is None:
            raise LocalProtocolError("no terminal phone: pass phone= or receive first")
        frames = encode_packages(
            message,
            phone=to,
            first_serial=self._serial,
            version=version or self.version,
            protocol_version=self._proto,
            max_body=self.config.max_package_body,
        )
        self._serial = (self._serial + len(frames)) & 0xFFFF
        return b"".join(frames)
