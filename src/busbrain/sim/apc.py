"""The automatic passenger counter: counts per door at each stop, with a small error.

Chinese city buses board at the front door and alight at the rear, so the counter
reports the front door's "in" and the rear door's "out" each time the doors open,
with the bus's position; it knows nothing of trips or stops (the brain matches them).
Each count is off by one now and then, and crowds are undercounted a little.

The same counter also reports live through the terminal (JT/T 1078 0x1005, one message
per door opening with both doors' totals): `stop_flows` gives those, per bus.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # world.py imports the terminals, which use StopFlow
    from busbrain.sim.world import World

MISCOUNT_SHARE = 0.04
CROWD_UNDERCOUNT = 0.03

FLOW_STREAM = 1005
"""The random stream of the live counts (independent of the door-count files')."""

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


@dataclass(frozen=True, slots=True)
class StopFlow:
    """One door opening as the terminal reports it: seconds after the service day's start
    (true time; the terminal stamps it with its own clock), riders counted."""

    opened_s: float
    closed_s: float
    boarded: int
    alighted: int


def stop_flows(world: World) -> dict[int, list[StopFlow]]:
    """Each bus's counts at the stops where its doors opened, in time order, with the
    counter's errors (drawn from their own stream, so the door-count files do not change)."""
    rng = np.random.default_rng([world.scenario.seed, FLOW_STREAM])
    out: dict[int, list[StopFlow]] = {}
    for v in world.day.visits:
        if not v.stopped or not (v.boarded or v.alighted):
            continue
        out.setdefault(v.bus, []).append(
            StopFlow(v.arrival, v.departure, _noisy(v.boarded, rng), _noisy(v.alighted, rng))
        )
    for flows in out.values():
        flows.sort(key=lambda f: f.closed_s)
    return out
