"""What routes get from the app: the queries object and the response cache, via app.state.

The getters are `async` although they only read app.state: FastAPI runs a plain `def`
dependency in its thread pool, which cost every request a thread hop (a third of the
arrivals endpoint's time, and most of its latency tail)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from busbrain.api.cache import NetworkCache
from busbrain.store.ports import NetworkQueries


async def get_queries(request: Request) -> NetworkQueries:
    queries: NetworkQueries = request.app.state.queries
    return queries


async def get_network_cache(request: Request) -> NetworkCache:
    cache: NetworkCache = request.app.state.network_cache
    return cache


QueriesDep = Annotated[NetworkQueries, Depends(get_queries)]
CacheDep = Annotated[NetworkCache, Depends(get_network_cache)]
