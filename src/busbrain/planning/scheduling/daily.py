"""A day's timetabled trips chained into blocks (路牌), fewest buses first.

Trips carry their start and end terminal and times (GTFS seconds). A bus may run trip j
after trip i when it can get from i's end terminal to j's start terminal (deadhead time,
zero at the same terminal) and still have its layover before j leaves. Costs: a large
fixed cost per bus, so the fleet comes first; then deadhead seconds (counted twice: a
deadhead burns fuel and a driver) and idle seconds at terminals.

The deficit function (Ceder) gives the fleet's lower bound: at each terminal, departures
so far minus arrivals (back after their layover) so far; its maximum over the day is
what that terminal must hold, and their sum is the fleet when buses may not deadhead
between terminals, where the min-cost-flow schedule reaches it exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from busbrain.planning.scheduling.instance import FORBIDDEN, InfeasibleError, VspInstance
from busbrain.planning.scheduling.single_depot import min_fleet, solve_single_depot

BUS_COST = 1_000_000
"""Fixed cost of a bus, in the same units as seconds of deadhead and idle time; larger
than any day's deadhead and idle time of one bus, so fewer buses always win."""


@dataclass(frozen=True, slots=True)
class DayTrip:
    trip_id: str
    start_terminal: str
    end_terminal: str
    start_s: float
    end_s: float


@dataclass(frozen=True, slots=True)
class DayBlocks:
    blocks: list[list[str]]
    """Trip ids per bus, in running order."""
    fleet: int
    lower_bound: int
    """Fewest buses any schedule needs with these connections (minimum path cover)."""
    deficit_bound: int
    """Sum over terminals of the deficit function's maximum."""
    deadhead_s: float
    idle_s: float


def _connections(
    trips: Sequence[DayTrip],
    deadhead_s: Callable[[str, str], float | None],
    layover_s: float,
) -> npt.NDArray[np.int64]:
    n = len(trips)
    costs = np.full((n, n), FORBIDDEN, dtype=np.int64)
    order = sorted(range(n), key=lambda k: trips[k].start_s)
    starts = np.array([trips[k].start_s for k in order])
    for i, a in enumerate(trips):
        ready = a.end_s + layover_s
        first = int(np.searchsorted(starts, ready, side="left"))
        for pos in range(first, n):
            j = order[pos]
            b = trips[j]
            move = (
                0.0
                if a.end_terminal == b.start_terminal
                else deadhead_s(a.end_terminal, b.start_terminal)
            )
            if move is None or ready + move > b.start_s or i == j:
                continue
            idle = b.start_s - a.end_s - move
            costs[i, j] = round(2 * move + idle)
    return costs


def deficit_bound(trips: Sequence[DayTrip], layover_s: float) -> int:
    """Sum over terminals of max_t (departures by t - arrivals ready by t)."""
    events: dict[str, list[tuple[float, int]]] = {}
    for t in trips:
        events.setdefault(t.start_terminal, []).append((t.start_s, +1))
        events.setdefault(t.end_terminal, []).append((t.end_s + layover_s, -1))
    total = 0
    for evs in events.values():
        # Arrivals first at equal times: a bus ready at t can leave at t.
        level = peak = 0
        for _t, step in sorted(evs, key=lambda e: (e[0], e[1])):
            level += step
            peak = max(peak, level)
        total += peak
    return total


def schedule_day(
    trips: Sequence[DayTrip],
    *,
    deadhead_s: Callable[[str, str], float | None],
    layover_s: float = 300.0,
    depot_s: Callable[[str], float | None] = lambda _terminal: 0.0,
) -> DayBlocks:
    """Blocks for `trips` with the fewest buses, then least deadhead and idle time (exact:
    one depot, a min-cost flow). `deadhead_s(a, b)`: seconds from terminal a to b, None
    when a bus may not go there empty; `depot_s(terminal)`: seconds from the depot to a
    terminal (and back), None when the depot's buses cannot serve it."""
    if not trips:
        return DayBlocks([], 0, 0, 0, 0.0, 0.0)
    for t in trips:
        if t.end_s < t.start_s:
            raise InfeasibleError(f"trip {t.trip_id} ends ({t.end_s}) before it starts")
        if depot_s(t.start_terminal) is None or depot_s(t.end_terminal) is None:
            raise InfeasibleError(
                f"trip {t.trip_id} ({t.start_terminal} to {t.end_terminal}) cannot be reached "
                "from the depot: no bus can run it"
            )
    tt = _connections(trips, deadhead_s, layover_s)
    n = len(trips)
    half = BUS_COST // 2
    out = [half + int(2 * (depot_s(t.start_terminal) or 0.0)) for t in trips]
    back = [half + int(2 * (depot_s(t.end_terminal) or 0.0)) for t in trips]
    instance = VspInstance.from_parts(
        (n,), np.array([out]), np.array(back).reshape(n, 1), tt, source="day"
    )
    solution = solve_single_depot(instance)
    blocks = [[trips[k].trip_id for k in b.trips] for b in solution.blocks]
    dead = idle = 0.0
    for b in solution.blocks:
        for i, j in zip(b.trips, b.trips[1:], strict=False):
            a, c = trips[i], trips[j]
            move = (
                0.0
                if a.end_terminal == c.start_terminal
                else deadhead_s(a.end_terminal, c.start_terminal) or 0.0
            )
            dead += move
            idle += c.start_s - a.end_s - move
    by_id = trips_by_id(trips)
    blocks.sort(key=lambda ids: by_id[ids[0]].start_s)
    return DayBlocks(
        blocks=blocks,
        fleet=len(blocks),
        lower_bound=min_fleet(instance),
        deficit_bound=deficit_bound(trips, layover_s),
        deadhead_s=dead,
        idle_s=idle,
    )


def trips_by_id(trips: Sequence[DayTrip]) -> dict[str, DayTrip]:
    return {t.trip_id: t for t in trips}
