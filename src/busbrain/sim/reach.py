"""Which stations a passenger can ride to, directly or with one transfer.

A passenger chooses a station to board at and a station to get off at; any bus whose
pattern calls at the boarding pole and later at the destination station will do. The
tables are built lazily per station and cached: a city asks for a few thousand.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from busbrain.domain.daynet import DayNetwork

TRANSFER_PENALTY_STOPS = 6
"""A transfer counts as this many extra stops when comparing itineraries."""


@dataclass(frozen=True, slots=True)
class Leg:
    """One ride: the pole to wait at and, for each acceptable pattern, the indices of the
    boarding and alighting calls on it."""

    board_pole: int
    options: dict[int, tuple[int, int]]
    to_station: int

    @property
    def stops(self) -> int:
        """Fewest stops ridden among the options."""
        return min(j - i for i, j in self.options.values())


class Reach:
    """Direct reachability between stations, computed on demand."""

    def __init__(self, net: DayNetwork) -> None:
        self.net = net
        self._calls: dict[int, list[tuple[int, int]]] = defaultdict(list)  # pole -> (pattern, i)
        for p, pattern in enumerate(net.patterns):
            for i, stop in enumerate(pattern.stops[:-1]):
                self._calls[int(stop)].append((p, i))
        self._direct: dict[int, dict[int, dict[int, dict[int, tuple[int, int]]]]] = {}

    def direct(self, station: int) -> dict[int, dict[int, dict[int, tuple[int, int]]]]:
        """destination station -> boarding pole -> pattern -> (board index, alight index),
        keeping for each pattern the first call of the destination after boarding."""
        table = self._direct.get(station)
        if table is not None:
            return table
        table = defaultdict(lambda: defaultdict(dict))
        net = self.net
        for pole in net.station_poles[station]:
            for p, i in self._calls.get(pole, ()):
                stops = net.patterns[p].stops
                for j in range(i + 1, len(stops)):
                    dest = int(net.station_of[stops[j]])
                    if dest == station:
                        break  # a loop back home: nobody rides that far
                    by_pattern = table[dest][pole]
                    if p not in by_pattern:
                        by_pattern[p] = (i, j)
        frozen = {d: {pole: dict(v) for pole, v in poles.items()} for d, poles in table.items()}
        self._direct[station] = frozen
        return frozen

    def leg(self, origin: int, dest: int) -> Leg | None:
        """The best direct leg: the pole served by most patterns to `dest`."""
        poles = self.direct(origin).get(dest)
        if not poles:
            return None
        pole, options = max(
            poles.items(), key=lambda kv: (len(kv[1]), -min(j - i for i, j in kv[1].values()))
        )
        return Leg(pole, options, dest)

    def itinerary(self, origin: int, dest: int) -> tuple[Leg, ...] | None:
        """A direct leg if there is one, else the best one-transfer pair, else None."""
        direct = self.leg(origin, dest)
        if direct is not None:
            return (direct,)
        best: tuple[int, Leg, Leg] | None = None
        for via in self.direct(origin):
            second = self.leg(via, dest)
            if second is None:
                continue
            first = self.leg(origin, via)
            assert first is not None
            cost = first.stops + second.stops + TRANSFER_PENALTY_STOPS
            if best is None or cost < best[0]:
                best = (cost, first, second)
        return None if best is None else (best[1], best[2])
