"""Route names as GTFS wants them, from Chinese line titles.

- `route_short_name`: the route name without its trailing 路/线/号 when that follows a
  letter or digit ("650路" -> "650", "m502a线" -> "m502a", "高快巴士39路" -> "高快巴士39");
  a qualifier in brackets stays ("k578路(左环)" -> "k578(左环)"), except a former name
  ("m173路(原m372)" -> "m173") or a pair of terminals ("b738路(牧云溪谷-牧云溪谷)" ->
  "b738"), which go to route_desc instead. Lines are grouped into routes by this name,
  so "m530路" and "m530路(原:高峰专线30路)" are one route.
- `route_long_name`: "A至B" from the title's terminals; a hyphen or dash inside a
  terminal name becomes "·" so the long name never contains '-' or '—'.
- `route_type`: 0 (tram) for 有轨电车, 4 (ferry) for 航线, otherwise 3 (bus).
"""

from __future__ import annotations

import re

_SUFFIX = re.compile(r"(?<=[0-9A-Za-z])[路线号]$")
_QUALIFIER = re.compile(r"[(（]([^()（）]*)[)）]")
_FORMER = "原"
_DASHES = str.maketrans({"-": "·", "—": "·", "－": "·", "–": "·"})

TRAM, FERRY, BUS = 0, 4, 3


def _split(route_name: str) -> tuple[str, list[str]]:
    """Base name and bracketed qualifiers of a route name."""
    cut = min((i for i in (route_name.find("("), route_name.find("（")) if i >= 0), default=-1)
    if cut < 0:
        return route_name.strip(), []
    return route_name[:cut].strip(), _QUALIFIER.findall(route_name[cut:])


def _is_note(qualifier: str) -> bool:
    """A former name or a terminal pair: description, not part of the short name."""
    return qualifier.startswith(_FORMER) or any(h in qualifier for h in "-－")


def route_short_name(route_name: str) -> str:
    """The short name passengers read on the bus (see module docstring)."""
    base, qualifiers = _split(route_name)
    short = _SUFFIX.sub("", base) or base
    kept = [q.translate(_DASHES) for q in qualifiers if q and not _is_note(q)]
    return short + "".join(f"({q})" for q in kept)


def route_desc(route_name: str) -> str | None:
    """Former names and terminal pairs noted in the route name ("原m372"), or None."""
    notes = [q for q in _split(route_name)[1] if _is_note(q)]
    return "；".join(notes) if notes else None


def route_long_name(origin: str, destination: str) -> str:
    """ "A至B" with no hyphen or dash left in it."""
    return f"{origin.translate(_DASHES)}至{destination.translate(_DASHES)}"


def route_type(route_name: str) -> int:
    """GTFS route_type guessed from the name: tram, ferry or (by default) bus."""
    if "有轨电车" in route_name:
        return TRAM
    if "航线" in route_name:
        return FERRY
    return BUS
