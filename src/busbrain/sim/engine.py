"""The day in the city: buses run their duties while passengers wait, board and alight.

A discrete-event simulation on simulated time (seconds after the service day's start).
Events are a bus reaching a stop or getting ready to leave a terminal; in between, the
bus's motion is written down as (time, distance) knots, from which positions are
sampled later. Passengers who are waiting when a bus that takes them where they go
arrives board it in the order they came, while there is room; dwell time follows the
boardings and alightings, so a late bus picks up more people, gets later still, and the
bus behind catches up: bunching emerges as it does on real streets.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from busbrain.domain.daynet import DayNetwork
from busbrain.sim.demand import Demand, Journey
from busbrain.sim.drivers import Driver, crew_duty
from busbrain.sim.duties import Duty
from busbrain.sim.landuse import walk_s
from busbrain.sim.motion import DECEL, drive
from busbrain.sim.scenario import Scenario
from busbrain.sim.traffic import Traffic

DOOR_S = 4.0
"""Opening and closing the doors, seconds."""
BOARD_S = 2.0
"""Per boarding passenger at the front door (tap or scan), seconds."""
ALIGHT_S = 1.2
"""Per alighting passenger at the rear door, seconds."""
MAX_WAIT_S = 40 * 60
"""Who has waited this long gives up (takes a taxi, walks)."""
MIN_LAYOVER_S = 60
"""Shortest stand at a terminal between trips, seconds."""
DEADHEAD_SPEED_MS = 7.0
DEADHEAD_DETOUR = 1.3
DEPOT_OFFSET_M = 500.0
"""Depots are parked this far from the line's first terminal."""
PREP_S = (8 * 60, 15 * 60)
"""The terminal is switched on this long before the bus leaves the depot."""


class Kind:
    """Piece kinds of a bus's timeline."""

    PARKED = 0
    DEADHEAD = 1
    LAYOVER = 2
    SERVICE = 3


@dataclass(slots=True)
class Piece:
    """A stretch of a bus's day on one polyline: a trip's pattern shape (`pattern` >= 0)
    or a straight line between `ends` (x0, y0, x1, y1) in the local frame."""

    kind: int
    trip: int
    pattern: int
    ends: tuple[float, float, float, float]
    ts: list[float]
    ds: list[float]
    acc_on: bool = True


@dataclass(slots=True)
class BusDay:
    """Everything one bus did."""

    index: int
    duty: Duty
    depot: tuple[float, float]
    drivers: list[Driver]
    pieces: list[Piece] = field(default_factory=list)
    harsh_brakes: list[tuple[float, float]] = field(default_factory=list)
    """(time the braking starts, speed before in m/s)."""

    @property
    def power_on(self) -> float:
        return self.pieces[0].ts[0]

    @property
    def power_off(self) -> float:
        return self.pieces[-1].ts[-1]


@dataclass(slots=True)
class Rider:
    journey: Journey
    leg: int
    pole: int
    ready: float
    person: int


@dataclass(frozen=True, slots=True)
class StopVisit:
    bus: int
    trip: int
    k: int
    arrival: float
    departure: float
    stopped: bool
    boarded: int
    alighted: int
    load: int
    """Passengers on board when the bus leaves."""


@dataclass(slots=True)
class Ride:
    journey: int
    leg: int
    person: int
    bus: int
    trip: int
    board_k: int
    board_pole: int
    tap: float
    alight_k: int = -1
    alight_pole: int = -1
    alight: float = math.nan


@dataclass(frozen=True, slots=True)
class Missed:
    """A leg that never got a bus: given up after waiting, or left at the day's end."""

    journey: int
    leg: int
    person: int
    pole: int
    ready: float
    reason: str


@dataclass(frozen=True, slots=True)
class Incident:
    bus: int
    trip: int
    t: float
    hold_s: float


@dataclass
class CityDay:
    buses: list[BusDay]
    visits: list[StopVisit]
    rides: list[Ride]
    missed: list[Missed]
    incidents: list[Incident]
    denied: int
    """Boardings refused because the bus was full (a person may be refused twice)."""


def _depot(net: DayNetwork, duty: Duty, rng: np.random.Generator) -> tuple[float, float]:
    trip = net.trips[duty.trips[0]]
    pole = int(net.patterns[trip.pattern].stops[0])
    angle = float(rng.uniform(0, 2 * math.pi))
    return (
        float(net.stop_x[pole]) + DEPOT_OFFSET_M * math.cos(angle),
        float(net.stop_y[pole]) + DEPOT_OFFSET_M * math.sin(angle),
    )


class _City:
    def __init__(
        self,
        net: DayNetwork,
        traffic: Traffic,
        scenario: Scenario,
        rng: np.random.Generator,
    ) -> None:
        self.net, self.traffic, self.scenario, self.rng = net, traffic, scenario, rng
        self.heap: list[tuple[float, int, int, int, int]] = []
        self.seq = 0
        self.arrivals: dict[int, list[tuple[float, int, Rider]]] = defaultdict(list)
        self.waiting: dict[int, list[Rider]] = defaultdict(list)
        self.visits: list[StopVisit] = []
        self.rides: list[Ride] = []
        self.missed: list[Missed] = []
        self.incidents: list[Incident] = []
        self.denied = 0
        self._rider_seq = 0

    # --- passengers -------------------------------------------------------------

    def add_rider(self, rider: Rider) -> None:
        self._rider_seq += 1
        heapq.heappush(self.arrivals[rider.pole], (rider.ready, self._rider_seq, rider))

    def _present(self, pole: int, t: float) -> list[Rider]:
        """The riders waiting at `pole` at `t` (those who gave up are dropped)."""
        queue = self.arrivals.get(pole)
        waiting = self.waiting[pole]
        while queue and queue[0][0] <= t:
            waiting.append(heapq.heappop(queue)[2])
        if waiting and waiting[0].ready < t - MAX_WAIT_S:
            keep = []
            for r in waiting:
                if r.ready < t - MAX_WAIT_S:
                    self.missed.append(
                        Missed(r.journey.journey_id, r.leg, r.person, pole, r.ready, "gave_up")
                    )
                else:
                    keep.append(r)
            waiting[:] = keep
        return waiting

    def exchange(
        self, bus: _Bus, t: float, k: int, pole: int
    ) -> tuple[list[tuple[Rider, Ride]], list[tuple[Rider, Ride]]]:
        """Alight who gets off at call k, then board who fits; returns both lists."""
        off = bus.onboard.pop(k, [])
        bus.load -= len(off)
        on: list[tuple[Rider, Ride]] = []
        waiting = self._present(pole, t)
        if waiting:
            p = self.net.trips[bus.trip].pattern
            keep: list[Rider] = []
            for r in waiting:
                opt = r.journey.legs[r.leg].options.get(p)
                if opt is None or opt[0] != k:
                    keep.append(r)
                elif bus.load >= self.scenario.capacity:
                    self.denied += 1
                    keep.append(r)
                else:
                    ride = Ride(
                        r.journey.journey_id, r.leg, r.person, bus.index, bus.trip, k, pole, t
                    )
                    bus.onboard[opt[1]].append((r, ride))
                    self.rides.append(ride)
                    bus.load += 1
                    on.append((r, ride))
            waiting[:] = keep
        return off, on

    def settle(self, off: list[tuple[Rider, Ride]], t: float, k: int, pole: int) -> None:
        """Riders who got off at `pole`: done, or walk on to their next leg."""
        for n, (rider, ride) in enumerate(off):
            ride.alight_k, ride.alight_pole = k, pole
            ride.alight = t + DOOR_S / 2 + n * ALIGHT_S
            if rider.leg + 1 < len(rider.journey.legs):
                nxt = rider.journey.legs[rider.leg + 1]
                ready = ride.alight + walk_s(self.net, pole, nxt.board_pole)
                self.add_rider(
                    Rider(rider.journey, rider.leg + 1, nxt.board_pole, ready, rider.person)
                )

    # --- events -----------------------------------------------------------------

    def push(self, t: float, bus: int, kind: int, k: int) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (t, self.seq, bus, kind, k))


_ORIGIN, _ARRIVE = 0, 1


@dataclass(slots=True)
class _Bus:
    index: int
    day: BusDay
    trip_pos: int = 0
    trip: int = -1
    onboard: dict[int, list[tuple[Rider, Ride]]] = field(default_factory=lambda: defaultdict(list))
    load: int = 0
    at: float = 0.0
    """When the bus reached the origin terminal of its next trip."""
    piece: Piece | None = None
    last_v: float = 0.0

    def driver_at(self, t: float) -> Driver:
        for d in self.day.drivers:
            if d.start <= t < d.end:
                return d
        return self.day.drivers[-1]


def _straight(
    kind: int, t0: float, a: tuple[float, float], b: tuple[float, float], acc_on: bool = True
) -> tuple[Piece, float]:
    dist = math.hypot(b[0] - a[0], b[1] - a[1])
    duration = 0.0 if dist < 1 else 30.0 + dist * DEADHEAD_DETOUR / DEADHEAD_SPEED_MS
    piece = Piece(kind, -1, -1, (a[0], a[1], b[0], b[1]), [t0, t0 + duration], [0.0, dist], acc_on)
    return piece, t0 + duration


def simulate_day(
    net: DayNetwork,
    duties: list[Duty],
    demand: Demand,
    traffic: Traffic,
    scenario: Scenario,
    rng: np.random.Generator,
) -> CityDay:
    """Run the whole service day; deterministic for a given `rng` state."""
    city = _City(net, traffic, scenario, rng)
    for j in demand.journeys:
        leg = j.legs[0]
        city.add_rider(Rider(j, 0, leg.board_pole, j.depart_s, j.person))
    buses: list[_Bus] = []
    for i, duty in enumerate(duties):
        drivers = crew_duty(net, duty, i, rng)
        day = BusDay(i, duty, _depot(net, duty, rng), drivers)
        bus = _Bus(i, day)
        buses.append(bus)
        first = net.trips[duty.trips[0]]
        pole = int(net.patterns[first.pattern].stops[0])
        here = (float(net.stop_x[pole]), float(net.stop_y[pole]))
        late = drivers[0].late_start_s
        probe, _ = _straight(Kind.DEADHEAD, 0.0, day.depot, here)
        leave = float(first.departure_s[0]) - probe.ts[-1] - float(rng.uniform(180, 480)) + late
        on = leave - float(rng.uniform(*PREP_S))
        day.pieces.append(
            Piece(Kind.PARKED, -1, -1, (*day.depot, *day.depot), [on, leave], [0.0, 0.0], False)
        )
        piece, bus.at = _straight(Kind.DEADHEAD, leave, day.depot, here)
        day.pieces.append(piece)
        city.push(max(bus.at + MIN_LAYOVER_S, float(first.departure_s[0]) + late), i, _ORIGIN, 0)
    while city.heap:
        t, _, b, kind, k = heapq.heappop(city.heap)
        bus = buses[b]
        if kind == _ORIGIN:
            _depart_origin(city, bus, t)
        else:
            _arrive(city, bus, t, k)
    for pole, queue in city.arrivals.items():
        for _, _, r in queue:
            city.missed.append(
                Missed(r.journey.journey_id, r.leg, r.person, pole, r.ready, "no_bus")
            )
    for pole, waiting in city.waiting.items():
        for r in waiting:
            city.missed.append(
                Missed(r.journey.journey_id, r.leg, r.person, pole, r.ready, "no_bus")
            )
    return CityDay(
        [b.day for b in buses], city.visits, city.rides, city.missed, city.incidents, city.denied
    )


def _depart_origin(city: _City, bus: _Bus, t: float) -> None:
    net = city.net
    ti = bus.day.duty.trips[bus.trip_pos]
    trip = net.trips[ti]
    pattern = net.patterns[trip.pattern]
    pole = int(pattern.stops[0])
    bus.trip = ti
    d0 = float(pattern.stop_dist[0])
    if t > bus.at:
        bus.day.pieces.append(
            Piece(
                Kind.LAYOVER,
                ti,
                trip.pattern,
                (0, 0, 0, 0),
                [bus.at, t],
                [d0, d0],
                t - bus.at < 1200,
            )
        )
    off, on = city.exchange(bus, t, 0, pole)
    dep = max(t, bus.at + DOOR_S + len(on) * BOARD_S)
    for n, (_, ride) in enumerate(on):
        ride.tap = max(bus.at, min(t, dep) - (len(on) - n) * BOARD_S)
    city.visits.append(StopVisit(bus.index, ti, 0, bus.at, dep, True, len(on), len(off), bus.load))
    bus.piece = Piece(Kind.SERVICE, ti, trip.pattern, (0, 0, 0, 0), [dep], [d0])
    bus.day.pieces.append(bus.piece)
    _leave(city, bus, dep, 0, still=True)


def _leave(city: _City, bus: _Bus, t: float, k: int, *, still: bool) -> None:
    """Drive from call k towards k+1 and schedule the arrival."""
    net, rng = city.net, city.rng
    trip = net.trips[bus.trip]
    pattern = net.patterns[trip.pattern]
    driver = bus.driver_at(t)
    run = city.traffic.run(trip, k, t, driver.pace, rng)
    d0 = float(pattern.stop_dist[k])
    length = float(pattern.stop_dist[k + 1]) - d0
    harsh = driver.aggressive and rng.random() < 0.03
    decel = float(rng.uniform(3.5, 5.0)) if harsh else DECEL
    ts, ds, v = drive(
        t,
        d0,
        length,
        run,
        start_still=still,
        end_still=True,
        decel=decel,
        speed_factor=driver.speed_factor,
    )
    for _pos, hold, incident in run.holds:
        if incident:
            city.incidents.append(Incident(bus.index, bus.trip, t, hold))
    assert bus.piece is not None
    bus.piece.ts.extend(ts)
    bus.piece.ds.extend(ds)
    bus.last_v = v
    if harsh and v > 8.0:
        bus.day.harsh_brakes.append((ts[-3] if len(ts) >= 3 else t, v))
    city.push(ts[-1], bus.index, _ARRIVE, k + 1)


def _arrive(city: _City, bus: _Bus, t: float, k: int) -> None:
    net = city.net
    trip = net.trips[bus.trip]
    pattern = net.patterns[trip.pattern]
    pole = int(pattern.stops[k])
    last = k == len(pattern.stops) - 1
    off, on = city.exchange(bus, t, k, pole)
    if last:
        for rest in list(bus.onboard):
            off.extend(bus.onboard.pop(rest))
        bus.load = 0
    piece = bus.piece
    assert piece is not None
    stopped = bool(off or on) or last
    if stopped:
        dwell = DOOR_S + max(len(on) * BOARD_S, len(off) * ALIGHT_S)
        if bus.load > 0.8 * city.scenario.capacity:
            dwell *= 1.3
        dep = t + dwell
        for n, (_, ride) in enumerate(on):
            ride.tap = t + DOOR_S / 2 + n * BOARD_S
        piece.ts.append(dep)
        piece.ds.append(piece.ds[-1])
    else:
        # roll through: replace the braking pieces by cruising to the stop
        v = max(bus.last_v, 1.0)
        end_d = piece.ds[-1]
        del piece.ts[-2:], piece.ds[-2:]
        if bus.day.harsh_brakes and bus.day.harsh_brakes[-1][0] >= piece.ts[-1] - 1e-6:
            bus.day.harsh_brakes.pop()
        dep = piece.ts[-1] + (end_d - piece.ds[-1]) / v
        piece.ts.append(dep)
        piece.ds.append(end_d)
        t = dep
    city.settle(off, t, k, pole)
    city.visits.append(
        StopVisit(bus.index, bus.trip, k, t, dep, stopped, len(on), len(off), bus.load)
    )
    if not last:
        _leave(city, bus, dep, k, still=stopped)
        return
    _end_trip(city, bus, dep, pole)


def _end_trip(city: _City, bus: _Bus, t: float, pole: int) -> None:
    net = city.net
    duty = bus.day.duty
    bus.trip_pos += 1
    here = (float(net.stop_x[pole]), float(net.stop_y[pole]))
    if bus.trip_pos >= len(duty.trips):
        piece, t_depot = _straight(Kind.DEADHEAD, t, here, bus.day.depot)
        bus.day.pieces.append(piece)
        off = t_depot + float(city.rng.uniform(120, 420))
        bus.day.pieces.append(
            Piece(
                Kind.PARKED,
                -1,
                -1,
                (*bus.day.depot, *bus.day.depot),
                [t_depot, off],
                [0.0, 0.0],
                False,
            )
        )
        return
    nxt = net.trips[duty.trips[bus.trip_pos]]
    npole = int(net.patterns[nxt.pattern].stops[0])
    there = (float(net.stop_x[npole]), float(net.stop_y[npole]))
    if npole != pole:
        piece, t = _straight(Kind.DEADHEAD, t, here, there)
        bus.day.pieces.append(piece)
    bus.at = t
    driver = bus.driver_at(float(nxt.departure_s[0]))
    late = driver.late_start_s if driver.start >= t - 1 else 0.0
    city.push(max(t + MIN_LAYOVER_S, float(nxt.departure_s[0]) + late), bus.index, _ORIGIN, 0)
