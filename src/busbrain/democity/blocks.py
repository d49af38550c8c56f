"""Vehicle blocks: which bus runs which trips of a line in one service day.

A bus leaves the depot for its first trip, then shuttles back and forth on its line,
each trip starting at the terminal where the previous one ended (so directions
alternate) after a layover of at least `MIN_LAYOVER_S`. A trip that finds no bus ready
at its terminal takes a fresh one out of the depot, which starts a new block.
"""

from __future__ import annotations

import heapq

from busbrain.democity.timetable import ScheduledTrip

MIN_LAYOVER_S = 180
"""Shortest rest at a terminal between two trips of one bus, seconds."""


def assign_blocks(trips: list[ScheduledTrip]) -> list[int]:
    """For each trip (any order), the number of the bus (block) that runs it, from 0.

    Trips are taken in departure order; a trip in direction d takes the bus that has been
    ready longest among those that finished a trip in the other direction.
    """
    order = sorted(range(len(trips)), key=lambda i: (trips[i].start_s, trips[i].direction))
    # direction -> heap of (time the bus is ready, bus number) waiting to run that direction
    ready: dict[int, list[tuple[int, int]]] = {0: [], 1: []}
    bus_of = [0] * len(trips)
    buses = 0
    for i in order:
        trip = trips[i]
        waiting = ready[trip.direction]
        if waiting and waiting[0][0] <= trip.start_s:
            _, bus = heapq.heappop(waiting)
        else:
            bus, buses = buses, buses + 1
        bus_of[i] = bus
        heapq.heappush(ready[1 - trip.direction], (trip.end_s + MIN_LAYOVER_S, bus))
    return bus_of
