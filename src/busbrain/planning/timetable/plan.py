"""A line's new timetable (车次计划) from its load profile, and how it compares.

One line and direction at a time: the hourly load profile (passengers per hour crossing
each segment of its main pattern), the policy (capacity, load standard by hour, shortest
and longest headway, first and last bus), Ceder's frequency method, then departure times
(even headways or even loads), then each trip's stop times from running times and dwells
by hour (learnt from the AVL history, else the current timetable's).

The comparison with the current timetable uses the same demand: each trip of an hour is
expected to carry its share of that hour's riders; a trip is crowded when that exceeds
the hour's load standard; riders wait half the headway on average, more when headways are
uneven (E[H^2] / 2E[H]).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from busbrain.planning.timetable.departures import even_headways, even_loads
from busbrain.planning.timetable.frequency import Method, frequencies, trips_needed

FloatArray = npt.NDArray[np.float64]
HOUR = 3600.0


class Spacing(StrEnum):
    EVEN_HEADWAY = "even_headway"
    EVEN_LOAD = "even_load"


@dataclass(frozen=True, slots=True)
class Policy:
    capacity: float = 80.0
    """Places per bus (seated and standing)."""
    peak_load_factor: float = 0.65
    """Desired occupancy at the busiest point in the peak hours, as a share of capacity:
    what frequencies are planned for. Set below the crowding standard: loads vary from
    bus to bus around the hour's mean (bench/timetable.py measures what that buys)."""
    offpeak_load_factor: float = 0.45
    crowding_peak: float = 0.85
    """The load standard that counts a bus as crowded, peak (share of capacity)."""
    crowding_offpeak: float = 0.6
    peak_hours: tuple[tuple[int, int], ...] = ((7, 9), (17, 19))
    min_headway_s: float = 180.0
    max_headway_s: float = 720.0
    method: Method = Method.MAX_LOAD_PERIOD
    spacing: Spacing = Spacing.EVEN_HEADWAY
    balance_directions: bool = True
    """Run both directions of a line as often as the busier one, hour by hour."""

    def _peak(self, hour: int) -> bool:
        return any(a <= hour % 24 < b for a, b in self.peak_hours)

    def crowding_standard(self, hour: int) -> float:
        """Passengers above which a bus counts as crowded in `hour` (GTFS hours)."""
        return self.capacity * (self.crowding_peak if self._peak(hour) else self.crowding_offpeak)

    def load_standard(self, hour: int) -> float:
        """Desired passengers per bus at the busiest point in `hour` (GTFS hours)."""
        factor = self.peak_load_factor if self._peak(hour) else self.offpeak_load_factor
        return self.capacity * factor


@dataclass(frozen=True, slots=True)
class LineDemand:
    """What one line and direction carries, averaged over the days observed."""

    route_id: str
    direction_id: int
    stop_ids: tuple[str, ...]
    """The main pattern's stops, in order."""
    lengths_m: FloatArray
    """Segment lengths (len(stop_ids) - 1)."""
    hours: npt.NDArray[np.int64]
    """GTFS hours covered, one per row of `loads`."""
    loads: FloatArray
    """Passengers per hour crossing each segment, shape (hours, segments)."""
    boardings: FloatArray
    """Riders boarding per hour (for waiting time)."""
    first_s: float
    last_s: float
    """The first and last departure the policy keeps (GTFS seconds)."""
    max_point: tuple[FloatArray, FloatArray] = field(
        default_factory=lambda: (np.zeros(0), np.zeros(0))
    )
    """Observed trips' times at the max-load segment and their loads there, per day
    (for even-load spacing)."""


@dataclass(frozen=True, slots=True)
class RunTimes:
    """Seconds per segment and dwell per stop, by GTFS hour (rows 0..47)."""

    run_s: FloatArray
    """(48, segments)."""
    dwell_s: FloatArray
    """(48, stops)."""

    def trip(self, departure_s: float) -> tuple[FloatArray, FloatArray]:
        """(arrival, departure) at every stop of a trip leaving the first at `departure_s`."""
        n = self.dwell_s.shape[1]
        arr = np.empty(n)
        dep = np.empty(n)
        t = departure_s
        arr[0] = dep[0] = t
        for i in range(n - 1):
            h = min(int(t // HOUR), self.run_s.shape[0] - 1)
            t += float(self.run_s[h, i])
            arr[i + 1] = t
            if i + 1 < n - 1:
                t += float(self.dwell_s[min(int(t // HOUR), self.dwell_s.shape[0] - 1), i + 1])
            dep[i + 1] = t
        return arr, dep


@dataclass(frozen=True, slots=True)
class LinePlan:
    route_id: str
    direction_id: int
    stop_ids: tuple[str, ...]
    frequencies: FloatArray
    """Trips per hour asked by the method, per `hours`."""
    hours: npt.NDArray[np.int64]
    departures: list[float]
    arrivals: list[FloatArray]
    departures_at: list[FloatArray]
    """Per trip: arrival and departure times at each stop."""


def line_frequencies(demand: LineDemand, policy: Policy) -> FloatArray:
    """Trips per hour the policy's method asks for on this line and direction."""
    d_o = np.array([policy.load_standard(int(h)) for h in demand.hours])
    f_min = np.full(len(demand.hours), HOUR / policy.max_headway_s)
    return frequencies(demand.loads, demand.lengths_m, d_o, f_min, policy.capacity, policy.method)


def balanced(
    a: tuple[npt.NDArray[np.int64], FloatArray], b: tuple[npt.NDArray[np.int64], FloatArray]
) -> tuple[FloatArray, FloatArray]:
    """Both directions' frequencies raised to the busier one's, hour by hour: buses that
    go out must come back, and running them back in service costs little more than
    running them back empty (or keeping more buses at one end)."""
    hours_a, fa = a
    hours_b, fb = b
    both = dict(zip(hours_a.tolist(), fa.tolist(), strict=True))
    for h, f in zip(hours_b.tolist(), fb.tolist(), strict=True):
        both[h] = max(both.get(h, 0.0), f)
    return (
        np.array([max(f, both[h]) for h, f in zip(hours_a.tolist(), fa.tolist(), strict=True)]),
        np.array([max(f, both[h]) for h, f in zip(hours_b.tolist(), fb.tolist(), strict=True)]),
    )


def plan_line(
    demand: LineDemand, runtimes: RunTimes, policy: Policy, freq: FloatArray | None = None
) -> LinePlan:
    """The new timetable of one line and direction (with `freq`, those trips per hour
    instead of the method's, e.g. balanced with the other direction)."""
    hours = demand.hours
    d_o = np.array([policy.load_standard(int(h)) for h in hours])
    if freq is None:
        freq = line_frequencies(demand, policy)
    starts = hours * HOUR
    ends = starts + HOUR
    if policy.spacing is Spacing.EVEN_LOAD and demand.max_point[0].size:
        deps = even_loads(
            demand.max_point[0], demand.max_point[1], starts, ends,
            d_o, demand.first_s, demand.last_s,
            min_headway_s=policy.min_headway_s, max_headway_s=policy.max_headway_s,
        )  # fmt: skip
    else:
        deps = even_headways(
            starts, ends, trips_needed(freq), demand.first_s, demand.last_s,
            min_headway_s=policy.min_headway_s, max_headway_s=policy.max_headway_s,
        )  # fmt: skip
    arrs, leaves = [], []
    for t in deps:
        a, d = runtimes.trip(t)
        arrs.append(a)
        leaves.append(d)
    return LinePlan(
        demand.route_id, demand.direction_id, demand.stop_ids, freq, hours, deps, arrs, leaves
    )


@dataclass(frozen=True, slots=True)
class Service:
    """How a timetable serves a line's demand."""

    trips: int
    vehicle_hours: float
    crowded_share: float
    """Share of trips expected above the crowding standard at their busiest point."""
    expected_wait_s: float
    """Mean wait of a rider arriving at random, weighted by the hour's boardings."""


def evaluate(
    demand: LineDemand, departures: list[float], durations_s: list[float], policy: Policy
) -> Service:
    """Expected service of a timetable (its departures and trip durations) on `demand`."""
    deps = np.sort(np.asarray(departures, dtype=np.float64))
    if deps.size == 0:
        return Service(0, 0.0, 0.0, float("inf"))
    peak = demand.loads.max(axis=1) if demand.loads.size else np.zeros(len(demand.hours))
    crowded = 0
    wait_num = 0.0
    wait_den = 0.0
    gaps = np.diff(deps)
    for k, h in enumerate(demand.hours):
        lo, hi = h * HOUR, (h + 1) * HOUR
        in_hour = int(np.count_nonzero((deps >= lo) & (deps < hi)))
        if in_hour:
            expected = peak[k] / in_hour
            if expected > policy.crowding_standard(int(h)):
                crowded += in_hour
        # Headways of the buses leaving in this hour (the gap before each).
        mask = (deps[1:] >= lo) & (deps[1:] < hi)
        hw = gaps[mask]
        if hw.size == 0:
            nearest = gaps[np.argmin(np.abs(deps[1:] - (lo + hi) / 2))] if gaps.size else HOUR
            hw = np.array([max(float(nearest), HOUR if in_hour == 0 else float(nearest))])
        w = float((hw**2).sum() / (2 * hw.sum()))
        wait_num += w * float(demand.boardings[k])
        wait_den += float(demand.boardings[k])
    return Service(
        trips=int(deps.size),
        vehicle_hours=float(np.sum(durations_s)) / HOUR,
        crowded_share=crowded / deps.size,
        expected_wait_s=wait_num / wait_den if wait_den else 0.0,
    )
