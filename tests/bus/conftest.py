"""Bus fixtures: each adapter behind one factory, and the NATS server that must be up."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator

import pytest

from busbrain.bus.memory import InMemoryBus
from busbrain.bus.nats import DEFAULT_URL, NatsBus, NatsSettings
from busbrain.bus.ports import BusUnavailableError, EventBus
from tests.bus.helpers import delete_stream, unique_settings

OpenBus = Callable[[], Awaitable[EventBus]]


@pytest.fixture(scope="session")
def nats_up() -> None:
    """Fail, never skip, when the NATS server is not there: production runs on it."""

    async def probe() -> None:
        settings = unique_settings(timeout_s=3.0)
        bus = await NatsBus.connect(DEFAULT_URL, settings)
        await bus.close()
        await delete_stream(settings.stream)

    try:
        asyncio.run(probe())
    except BusUnavailableError as exc:
        pytest.fail(f"the NATS JetStream server must run on {DEFAULT_URL} for these tests: {exc}")


@pytest.fixture
def nats_settings(nats_up: None) -> Iterator[NatsSettings]:
    """Settings with a stream of this test's own, deleted afterwards."""
    settings = unique_settings()
    yield settings
    asyncio.run(delete_stream(settings.stream))


@pytest.fixture(params=["memory", "nats"])
def open_bus(request: pytest.FixtureRequest) -> OpenBus:
    """Opens a bus (4 partitions) inside the running loop; the test closes it."""
    if request.param == "memory":

        async def open_memory() -> EventBus:
            return InMemoryBus(partitions=4)

        return open_memory
    settings: NatsSettings = request.getfixturevalue("nats_settings")

    async def open_nats() -> EventBus:
        return await NatsBus.connect(DEFAULT_URL, settings)

    return open_nats
