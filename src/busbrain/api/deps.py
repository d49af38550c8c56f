"""What routes get from the app: the queries object and the response cache, via app.state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from busbrain.api.cache import NetworkCache
from busbrain.store.ports import NetworkQueries


def get_queries(request: Request) -> NetworkQueries:
    queries: NetworkQueries = request.app.state.queries
    return queries


def get_network_cache(request: Request) -> NetworkCache:
    cache: NetworkCache = request.app.state.network_cache
    return cache


QueriesDep = Annotated[NetworkQueries, Depends(get_queries)]
CacheDep = Annotated[NetworkCache, Depends(get_network_cache)]
