"""What a simulated terminal does, as a time-ordered script of actions.

The world simulation decides *what* each terminal sends and *when* (simulated time);
the players (`live`, `capture`, `replay`) decide *how*: over a TCP socket to a gateway,
or into a capture file. Times are simulated instants in unix seconds (UTC).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import IntEnum
from typing import NamedTuple

from busbrain.protocol import jt808 as j


class ActionKind(IntEnum):
    """What a terminal does at an instant."""

    CONNECT = 0
    """Open a TCP connection to the gateway."""
    REGISTER = 1
    """Send the `Register` message and wait for the 0x8100 answer (its auth code)."""
    AUTHENTICATE = 2
    """Send `Authentication` with the code the gateway gave at registration (the
    message's own code is a placeholder used when none was received, e.g. in a capture)."""
    SEND = 3
    """Send the message (location, batch, heartbeat, ...); do not wait."""
    CLOSE = 4
    """Close the connection (terminal switched off or link lost)."""


class Action(NamedTuple):
    t: float
    """Simulated unix time (seconds, UTC) when the terminal acts."""
    kind: ActionKind
    message: j.Message | None = None


@dataclass(frozen=True, slots=True)
class SimTerminal:
    """One bus's terminal: its SIM number, what it says at registration, its edition."""

    index: int
    phone: str
    vehicle_id: str
    plate: str
    version: j.ProtocolVersion
    terminal_id: str
    placeholder_auth_code: str
    """Sent when the script authenticates without having registered in this run."""

    def register_message(self) -> j.Register:
        return j.Register(21, 700, "BUSBR", "BB-SIM", self.terminal_id, 1, self.plate)


@dataclass(frozen=True, slots=True)
class TerminalScript:
    """A terminal and its actions (time-ordered)."""

    terminal: SimTerminal
    actions: Iterable[Action]

    def __iter__(self) -> Iterator[Action]:
        return iter(self.actions)


@dataclass(frozen=True, slots=True)
class SimClock:
    """Maps simulated time to the player's clock: `speed` simulated seconds per real
    second (`float('inf')`: as fast as possible). `sim0` is the simulated instant that
    corresponds to the player's `wall0` (both seconds)."""

    sim0: float
    wall0: float
    speed: float = 1.0

    def wall(self, t: float) -> float:
        if self.speed == float("inf"):
            return self.wall0
        return self.wall0 + (t - self.sim0) / self.speed

    def sim(self, wall: float) -> float:
        if self.speed == float("inf"):
            return self.sim0
        return self.sim0 + (wall - self.wall0) * self.speed
