"""Gateway fixtures: the NATS server check is shared with the bus tests."""

from tests.bus.conftest import nats_up

__all__ = ["nats_up"]
