"""Which terminal is on which connection. One connection per terminal: the newest wins."""

from __future__ import annotations

from typing import Protocol

from busbrain.protocol.jt808 import Message


class Attachable(Protocol):
    """What the table needs of a connection: to close it, and to send it a command."""

    def close_soon(self, reason: str) -> None: ...

    def send(self, message: Message) -> int: ...


class ConnectionTable:
    def __init__(self) -> None:
        self._by_phone: dict[str, Attachable] = {}

    def attach(self, phone: str, conn: Attachable) -> Attachable | None:
        """Bind `phone` to `conn`; returns the connection it replaced (now being closed)."""
        old = self._by_phone.get(phone)
        self._by_phone[phone] = conn
        if old is not None and old is not conn:
            old.close_soon("replaced")
            return old
        return None

    def detach(self, phone: str, conn: Attachable) -> bool:
        """Unbind `phone` if it is still bound to `conn` (not to a newer connection)."""
        if self._by_phone.get(phone) is conn:
            del self._by_phone[phone]
            return True
        return False

    def get(self, phone: str) -> Attachable | None:
        return self._by_phone.get(phone)

    def phones(self) -> set[str]:
        return set(self._by_phone)

    def __len__(self) -> int:
        return len(self._by_phone)
