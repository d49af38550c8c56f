"""Reassembly of sub-packaged messages, bounded in time and memory (brief §4).

Packages of one message share (phone, message ID, total, serial of package 1); in
practice each package carries its own consecutive serial, so package i's serial minus
(i - 1) names the message. Bodies are joined in index order once all are in.
Duplicates are ignored, also after completion: a message's key is remembered for
`timeout_s` so that late copies of its packages neither deliver it twice nor start a
set that could only time out. A message with no new package for `timeout_s` is abandoned, and
when the pending bytes or messages would exceed their bounds the least recently active
message is evicted. Time is passed in; nothing here reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from busbrain.protocol.jt808.errors import LocalProtocolError, ReassemblyError
from busbrain.protocol.jt808.events import ReassemblyAbandoned
from busbrain.protocol.jt808.header import Header

_Key = tuple[str, int, int, int]


@dataclass(slots=True)
class _Pending:
    """The packages of one message received so far."""

    header: Header
    original_serial: int
    total: int
    last_seen: float
    parts: dict[int, bytes] = field(default_factory=dict)
    size: int = 0

    def abandon(self, reason: str) -> ReassemblyAbandoned:
        received = tuple(sorted(self.parts))
        missing = tuple(i for i in range(1, self.total + 1) if i not in self.parts)
        return ReassemblyAbandoned(self.header, self.original_serial, received, missing, reason)


class Reassembler:
    """Pending sub-packaged messages of one connection."""

    def __init__(self, *, timeout_s: float, max_bytes: int, max_messages: int) -> None:
        if max_messages < 1 or max_bytes < 0:
            raise LocalProtocolError("reassembly bounds must allow one message")
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.max_messages = max_messages
        self._pending: dict[_Key, _Pending] = {}
        self._completed: dict[_Key, float] = {}
        self._size = 0

    @property
    def pending_bytes(self) -> int:
        """Body bytes held for incomplete messages (at most `max_bytes`)."""
        return self._size

    @property
    def pending_messages(self) -> int:
        return len(self._pending)

    def add(
        self, header: Header, body: bytes, now: float
    ) -> tuple[tuple[Header, bytes] | None, list[ReassemblyAbandoned]]:
        """Store one package; return (package 1's header, whole body) once complete,
        and the messages abandoned to make room. Raises `ReassemblyError` for an
        impossible index."""
        total, index = header.package_total or 0, header.package_index or 0
        if not 1 <= index <= total:
            raise ReassemblyError(f"package index {index} of {total}")
        original = (header.serial - index + 1) & 0xFFFF
        key = (header.phone, header.msg_id, total, original)
        dropped: list[ReassemblyAbandoned] = []
        if key in self._completed and now - self._completed[key] <= self.timeout_s:
            return None, dropped
        pending = self._pending.get(key)
        if pending is None:
            dropped += self._make_room_for_message()
            pending = self._pending[key] = _Pending(header, original, total, now)
        pending.last_seen = now
        if index in pending.parts:
            return None, dropped
        dropped += self._make_room(len(body), key)
        if key not in self._pending:
            return None, dropped
        if index == 1:
            pending.header = header
        pending.parts[index] = body
        pending.size += len(body)
        self._size += len(body)
        if len(pending.parts) < total:
            return None, dropped
        self._remove(key)
        self._remember(key, now)
        whole = b"".join(pending.parts[i] for i in range(1, total + 1))
        return (pending.header, whole), dropped

    def expire(self, now: float) -> list[ReassemblyAbandoned]:
        """Abandon the messages with no package for more than `timeout_s`."""
        self._completed = {k: t for k, t in self._completed.items() if now - t <= self.timeout_s}
        stale = [k for k, p in self._pending.items() if now - p.last_seen > self.timeout_s]
        return [self._remove(k).abandon("timeout") for k in stale]

    def _remember(self, key: _Key, now: float) -> None:
        """Keep the key of a completed message (at most `max_messages` of them)."""
        self._completed[key] = now
        while len(self._completed) > self.max_messages:
            del self._completed[next(iter(self._completed))]

    def _make_room_for_message(self) -> list[ReassemblyAbandoned]:
        dropped = []
        while len(self._pending) >= self.max_messages:
            dropped.append(self._remove(self._oldest()).abandon("memory"))
        return dropped

    def _make_room(self, size: int, key: _Key) -> list[ReassemblyAbandoned]:
        """Evict the least recently active messages (this one last) until `size` fits."""
        dropped = []
        while self._size + size > self.max_bytes and key in self._pending:
            others = [k for k in self._pending if k != key]
            victim = self._oldest(others) if others else key
            dropped.append(self._remove(victim).abandon("memory"))
        return dropped

    def _oldest(self, keys: list[_Key] | None = None) -> _Key:
        candidates = keys if keys is not None else list(self._pending)
        return min(candidates, key=lambda k: self._pending[k].last_seen)

    def _remove(self, key: _Key) -> _Pending:
        pending = self._pending.pop(key)
        self._size -= pending.size
        return pending
