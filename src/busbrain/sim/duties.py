"""Vehicle duties: which simulated bus runs which trips.

A feed's blocks (block_id, 路牌) are used as given. Trips without a block are chained
per route the way a depot would: a bus that ends a trip takes the next departure from
the same station after a short layover, or comes out of the depot if none is ready.
Trips of one block that overlap in time (it happens in real feeds) go to a second bus.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass

from busbrain.domain.daynet import DayNetwork

MIN_LAYOVER_S = 120
"""Shortest turn-around at a terminal when chaining trips without a block, seconds."""


@dataclass(frozen=True, slots=True)
class Duty:
    """One bus's day: its block id and its trips (indices into `DayNetwork.trips`), in order."""

    block_id: str
    trips: tuple[int, ...]


def _split_overlaps(block_id: str, trips: list[int], net: DayNetwork) -> list[Duty]:
    lanes: list[list[int]] = []
    for i in trips:
        start = int(net.trips[i].departure_s[0])
        for lane in lanes:
            if int(net.trips[lane[-1]].arrival_s[-1]) <= start:
                lane.append(i)
                break
        else:
            lanes.append([i])
    return [
        Duty(block_id if k == 0 else f"{block_id}#{k + 1}", tuple(lane))
        for k, lane in enumerate(lanes)
    ]


def _chain(route_id: str, trips: list[int], net: DayNetwork) -> list[Duty]:
    # station -> heap of (ready time, duty number)
    ready: dict[int, list[tuple[int, int]]] = defaultdict(list)
    duties: list[list[int]] = []
    for i in trips:
        trip = net.trips[i]
        pattern = net.patterns[trip.pattern]
        first = int(net.station_of[pattern.stops[0]])
        waiting = ready[first]
        if waiting and waiting[0][0] <= int(trip.departure_s[0]):
            _, k = heapq.heappop(waiting)
            duties[k].append(i)
        else:
            k = len(duties)
            duties.append([i])
        last = int(net.station_of[pattern.stops[-1]])
        heapq.heappush(ready[last], (int(trip.arrival_s[-1]) + MIN_LAYOVER_S, k))
    return [Duty(f"sim_{route_id}_{k + 1:02d}", tuple(d)) for k, d in enumerate(duties)]


def plan_duties(net: DayNetwork) -> list[Duty]:
    """Every trip of the day in exactly one duty; duties ordered by first departure."""
    by_block: dict[str, list[int]] = defaultdict(list)
    loose: dict[str, list[int]] = defaultdict(list)
    for i, trip in enumerate(net.trips):  # trips are in departure order
        if trip.block_id:
            by_block[trip.block_id].append(i)
        else:
            loose[trip.route_id].append(i)
    duties: list[Duty] = []
    for block_id, trips in by_block.items():
        duties.extend(_split_overlaps(block_id, trips, net))
    for route_id, trips in loose.items():
        duties.extend(_chain(route_id, trips, net))
    duties.sort(key=lambda d: (int(net.trips[d.trips[0]].departure_s[0]), d.block_id))
    return duties
