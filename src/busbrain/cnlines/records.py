"""The plain records every parser of Chinese line data yields.

A line-direction is one direction of one bus line as the source lists it: the route
name ("650路"), the terminals named in its title, its stops in travel order and, when
the source has one, the path the bus drives. Coordinates are (lon, lat) degrees in
the source's coordinate system (BD-09 for Baidu-derived files), not yet WGS-84.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from busbrain.domain.notices import Notice

LonLat = tuple[float, float]


@dataclass(frozen=True, slots=True)
class SourceStop:
    """A stop as one line-direction lists it: name and position in the source CRS (degrees)."""

    name: str
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class LineDirection:
    """One direction of one line, as parsed; `line` is the 1-based source line it starts on."""

    route_name: str
    origin: str
    destination: str
    stops: tuple[SourceStop, ...]
    shape: tuple[LonLat, ...] = ()
    line: int | None = None

    @property
    def title(self) -> str:
        """The line-direction as the source writes it: `route(origin-destination)`."""
        return f"{self.route_name}({self.origin}-{self.destination})"


@dataclass
class ParsedLines:
    """What a parser found in one file: usable line-directions and the problems it skipped."""

    file: str
    records: list[LineDirection] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
