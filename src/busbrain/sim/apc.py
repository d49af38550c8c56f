"""The automatic passenger counter: counts per door at each stop, with a small error.

Chinese city buses board at the front door and alight at the rear, so the counter
reports the front door's "in" and the rear door's "out" each time the doors open,
with the bus's position; it knows nothing of trips or stops (the brain matches them).
Each count is off by one now and then, and crowds are undercounted a little.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from busbrain.sim.world import World

MISCOUNT_SHARE = 0.04
CROWD_UNDERCOUNT = 0.03

COLUMNS = ("vehicle_id", "door", "door_open", "door_close", "lat", "lon", "boarded", "alighted")
"""door: 1 front, 2 rear; door_open/door_close unix seconds; lat/lon WGS-84 degrees."""


@dataclass(frozen=True, slots=True)
class DoorCount:
    vehicle_id: str
    door: int
    door_open: float
    door_close: float
    lat: float
    lon: float
    boarded: int
    alighted: int


def _noisy(n: int, rng: np.random.Generator) -> int:
    if n == 0:
        return 0
    if n > 10:
        n -= int(rng.binomial(n, CROWD_UNDERCOUNT))
    if rng.random() < MISCOUNT_SHARE:
        n += int(rng.choice([-1, 1]))
    return max(n, 0)


def door_counts(world: World, rng: np.random.Generator) -> list[DoorCount]:
    net = world.net
    u = world.day_start_unix
    out: list[DoorCount] = []
    for v in world.day.visits:
        if not v.stopped:
            continue
        trip = net.trips[v.trip]
        pole = int(net.patterns[trip.pattern].stops[v.k])
        lat, lon = net.frame.to_latlon(net.stop_x[pole : pole + 1], net.stop_y[pole : pole + 1])
        vid = world.terminals[v.bus].vehicle_id
        la, lo = round(float(lat[0]), 6), round(float(lon[0]), 6)
        if v.boarded or v.k == 0:
            out.append(
                DoorCount(vid, 1, u + v.arrival, u + v.departure, la, lo, _noisy(v.boarded, rng), 0)
            )
        if v.alighted:
            out.append(
                DoorCount(
                    vid, 2, u + v.arrival, u + v.departure, la, lo, 0, _noisy(v.alighted, rng)
                )
            )
    return out
