"""Orders that people expect: "2路" before "10路", then letters ("K1", "夜1")."""

from __future__ import annotations

import re

from busbrain.domain.network import Route

_NUMBER = re.compile(r"([0-9]+)")

NaturalKey = tuple[tuple[int, int, str], ...]


def natural_key(text: str) -> NaturalKey:
    """A sort key comparing runs of ASCII digits as numbers and the rest as text."""
    key: list[tuple[int, int, str]] = []
    for part in _NUMBER.split(text):
        if not part:
            continue
        if part.isascii() and part.isdigit():
            key.append((0, int(part), ""))
        else:
            key.append((1, 0, part.casefold()))
    return tuple(key)


def route_label(route: Route) -> str:
    """What a passenger calls the route: its short name, else its long name, else its id."""
    return route.short_name or route.long_name or route.route_id


def route_sort_key(route: Route) -> tuple[NaturalKey, str]:
    return natural_key(route_label(route)), route.route_id
