"""Arrival predictions for the stops ahead of a bus, by four methods side by side.

- `schedule`: the timetable alone.
- `delay`: the timetable plus the bus's current lateness (OneBusAway's method); a bus
  waiting at its trip's first stop leaves on time or now, whichever is later (as
  OneBusAway treats a layover: its earliness there is not carried forward).
- `prevbus`: the running times (and dwells) of the buses that last drove each segment
  ahead (TransitClock's "previous vehicle" idea), the timetable where none did recently.
- `kalman` (ours): per stop-to-stop segment, a Kalman filter of the logarithm of the
  ratio of its real running time to the timetable's, and per stop one of the dwell,
  started from the timetable and updated by every bus that passes (the state drifts
  with time, so recent buses weigh more); on the logarithm, a bus twice as slow moves
  the estimate as far as one twice as fast (filtering the ratio itself, with noise in
  proportion to the run, trusted fast runs more: on WMATA's day it predicted buses 96 s
  early on average at 12–30 min ahead). Times the bus's own pace over its last
  segments, shrunk towards 1 the further ahead the stop. Filtering the ratio keeps the
  timetable's own time-of-day pattern (peak running times) in every prediction. Where
  the feed marks timepoints (`DayTrip.waits`), an early bus is predicted to wait there
  for its scheduled departure, as drivers who hold at timepoints do: on WMATA's real
  day this cut the error at 12–30 min ahead by a quarter (it had predicted early buses
  to stay early). A bus waiting at its trip's start, or past the first stop before the
  trip's time (a layover beyond it, as WMATA's buses do, or driving round to it: they
  came by the first stop up to 25 minutes early), leaves at its time plus how late the
  last buses left that terminal (`start_late`): on WMATA this took a third off the
  error at 0–3 min ahead, where buses "about to arrive" were in fact on their break.
  Not every line's drivers hold: each pattern learns the share of their earliness
  early buses waited away at its timepoints (`held_share`; WMATA: 6–12 min error down
  7 %).

Segments are keyed by their two stop ids, so lines sharing a corridor learn together.
All state is in arrays indexed by segment and stop, so our method's refresh is one
compiled loop over the calls ahead (`kernels.arrivals_ahead`). Seconds after the
service day's start.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from busbrain.domain.daynet import F64, I64, DayTrip
from busbrain.realtime.kernels import NO_FACTOR, NO_WAITS, arrivals_ahead
from busbrain.realtime.learnt import Learnt, band_of
from busbrain.realtime.rtnet import RtNetwork
from busbrain.realtime.tracker import StopEvent, Track

METHODS = ("schedule", "delay", "prevbus", "kalman")
PREV_BUS_MAX_AGE_S = 3600.0
RATIO_PRIOR_SD = 0.3
RATIO_DRIFT_PER_S = 2e-6
"""Variance the log running-time ratio gains per second without news (σ 0.085 an hour),
started from the timetable: the ratio must follow the peaks the timetable misjudges."""
RATIO_DRIFT_LEARNT_PER_S = 1e-7
"""The same, started from learnt running times (σ 0.019 an hour): they hold the hours'
shape already, so what is left to follow is how today differs, which moves slowly
(simulated weekday, 6–12 / 12–30 min: 41.4 → 39.4 s, 75.7 → 72.8 s)."""
RATIO_OBS_SD = 0.1
"""σ of one run's log ratio about the segment's (0.1: about 10 %)."""
DWELL_PRIOR_S, DWELL_PRIOR_SD, DWELL_OBS_SD = 8.0, 15.0, 20.0
DWELL_DRIFT_PER_S = 0.02
PACE_WEIGHT = 0.6
PACE_MEMORY = 15
_PACE_WEIGHTS = PACE_WEIGHT / (1.0 + np.arange(4096) / 5.0)
"""How much of the bus's own pace carries to the k-th segment ahead (fades with k)."""
START_MEMORY = 5
"""How many recent trip starts at a first stop tell how late buses leave it."""
START_MAX_AGE_S = 7200.0
"""Older starts than this (s) say nothing of how buses leave the terminal now."""
HOLD_PRIOR = (2.0, 2.0)
"""(held share sum, count) every pattern starts from: its drivers hold fully at
timepoints until two early buses say otherwise."""
HOLD_EARLY_S = 30.0
"""A bus this early (s) at a timepoint shows whether drivers hold there."""
STANDING_S = 60.0
"""A bus that has not moved on for this long (s) is standing."""
LAYOVER_MIN_S = 120.0
"""Shortest stand at a terminal before the block's next trip, seconds."""


@dataclass(frozen=True, slots=True)
class PredictionRow:
    vehicle_id: str
    trip: int
    k: int
    made_at: float
    predicted: float
    method: str


@dataclass(frozen=True, slots=True)
class Prediction:
    """One method's predicted arrivals at calls k0, k0+1, ... of a trip (s)."""

    vehicle_id: str
    trip: int
    k0: int
    made_at: float
    method: str
    times: F64

    def rows(self) -> Iterator[PredictionRow]:
        for i, t in enumerate(self.times.tolist()):
            yield PredictionRow(
                self.vehicle_id, self.trip, self.k0 + i, self.made_at, t, self.method
            )


class Predictor(Protocol):
    def observe(self, e: StopEvent) -> None: ...

    def predict(self, track: Track, now: float) -> list[Prediction]: ...


class SegmentPredictor:
    """All methods at once, so that they are compared on the same fixes."""

    def __init__(
        self,
        rt: RtNetwork,
        methods: tuple[str, ...] = METHODS,
        *,
        horizon_s: float = 7200.0,
        through_block: bool = False,
        learnt: Learnt | None = None,
    ) -> None:
        self.rt = rt
        self.learnt = learnt
        """Past days' running times and dwells (realtime.learnt): our method's starting
        point instead of the timetable's, where they know the segment or stop."""
        self.methods = methods
        self.through_block = through_block
        """Also predict the block's next trip, past the layover at the terminal."""
        self.horizon_s = horizon_s
        """Stops further ahead than this (by every method) are not predicted."""
        net = rt.net
        seg_index: dict[tuple[int, int], int] = {}
        self._segs: list[I64] = []
        for p in net.patterns:
            stops = p.stops.tolist()
            ids = [
                seg_index.setdefault((a, b), len(seg_index)) for a, b in itertools.pairwise(stops)
            ]
            self._segs.append(np.array(ids, dtype=np.int64))
        n_seg, n_stop = len(seg_index), len(net.stop_ids)
        self._planned: list[F64] = []
        """Per trip, its timetable's running time of each segment (s, at least 5)."""
        self._sched_dwell: list[F64] = []
        """Per trip, its timetable's dwell at each call (s)."""
        self._waits: list[np.ndarray | None] = []
        """Per trip, True at the calls where an early bus waits (None: no such call)."""
        self._dwell_base: list[F64] = []
        """Per trip, the dwell our method expects at each call before today's offset:
        the learnt one in the band the trip is timetabled there, else the stop's
        learnt whole-day dwell, else `DWELL_PRIOR_S`."""
        self._expected: list[F64] = []
        """Per trip, the running time of each segment our method starts from: the learnt
        one in the band the trip is timetabled to leave the stop, else the timetable's."""
        self._first_dep: list[float] = []
        """Per trip, its timetabled departure from its first stop (s)."""
        self._trip_tables(())
        self.ratio = np.ones(n_seg)
        self.ratio_var = np.full(n_seg, RATIO_PRIOR_SD**2)
        self.ratio_t = np.zeros(n_seg)
        self._drift = (
            RATIO_DRIFT_LEARNT_PER_S if learnt is not None and learnt.runs else RATIO_DRIFT_PER_S
        )
        self.dwell_off = np.zeros(n_stop)
        """Per stop, how much longer (s) buses stand there today than `_dwell_base` says."""
        self.dwell_var = np.full(n_stop, DWELL_PRIOR_SD**2)
        self.dwell_t = np.zeros(n_stop)
        self.last_run = np.zeros(n_seg)
        self.last_run_t = np.full(n_seg, -np.inf)
        self.last_dwell = np.zeros(n_stop)
        self.last_dwell_t = np.full(n_stop, -np.inf)
        self._last_event: dict[str, StopEvent] = {}
        self._pace: dict[str, list[float]] = {}
        self._pace_weights = _PACE_WEIGHTS[: max((len(p.stops) for p in net.patterns), default=1)]
        self._pace_factor: dict[str, F64] = {}
        """Per bus, what its pace (the mean of `_pace`: how much slower, > 1, or faster
        than the segments' filters it ran lately) makes of the k-th segment ahead:
        1 + weight_k (pace − 1), kept as the pace changes (a stop event) rather than
        made on every refresh."""
        self._held: dict[int, tuple[float, float]] = {}
        """Per pattern, (sum, count) of the share of their earliness early buses waited
        away at timepoints, HOLD_PRIOR included: some lines' drivers hold, some do not."""
        self._starts: dict[int, list[tuple[float, float]]] = {}
        """Per first stop, (when, how late) the last START_MEMORY trips left it (s)."""

    def _trip_tables(self, kept: Sequence[DayTrip]) -> None:
        """The per-trip tables of `self.rt`'s trips, reusing those of trips in `kept`
        (the previous trip list) where the same trip sits at the same index."""
        planned, dwell, waits, expected, base = (
            self._planned, self._sched_dwell, self._waits, self._expected, self._dwell_base
        )  # fmt: skip
        self._planned, self._sched_dwell, self._waits, self._expected = [], [], [], []
        self._dwell_base = []
        self._first_dep = [float(t.departure_s[0]) for t in self.rt.net.trips]
        for i, t in enumerate(self.rt.net.trips):
            if i < len(kept) and kept[i] is t:
                self._planned.append(planned[i])
                self._sched_dwell.append(dwell[i])
                self._waits.append(waits[i])
                self._expected.append(expected[i])
                self._dwell_base.append(base[i])
                continue
            mask = None
            if t.waits:
                mask = np.zeros(len(t.arrival_s), dtype=bool)
                mask[list(t.waits)] = True
            self._waits.append(mask)
            self._planned.append(
                np.maximum((t.arrival_s[1:] - t.departure_s[:-1]).astype(np.float64), 5.0)
            )
            self._sched_dwell.append((t.departure_s - t.arrival_s).astype(np.float64))
            self._expected.append(self._learnt_runs(t, self._planned[-1]))
            self._dwell_base.append(self._learnt_dwells(t))

    def _learnt_runs(self, t: DayTrip, planned: F64) -> F64:
        if self.learnt is None or not self.learnt.runs:
            return planned
        ids, stops = self.rt.net.stop_ids, self.rt.net.patterns[t.pattern].stops
        out = planned.copy()
        for k in range(len(planned)):
            run = self.learnt.run_s(
                ids[int(stops[k])], ids[int(stops[k + 1])], band_of(float(t.departure_s[k]))
            )
            if run is not None:
                out[k] = max(run, 5.0)
        return out

    def _learnt_dwells(self, t: DayTrip) -> F64:
        out = np.full(len(t.arrival_s), DWELL_PRIOR_S)
        if self.learnt is None:
            return out
        ids, stops = self.rt.net.stop_ids, self.rt.net.patterns[t.pattern].stops
        for k in range(len(out)):
            d = self.learnt.dwell_s(ids[int(stops[k])], band_of(float(t.arrival_s[k])))
            if d is not None:
                out[k] = d
        return out

    def use_network(self, rt: RtNetwork, moved: Callable[[int], int | None]) -> None:
        """Predict on `rt` from now: the same network with trips added or taken away (the
        dispatchers' extra trips), `moved` giving each old trip index's new one (None: the
        trip is gone). What was learnt stays: the segment and dwell filters and the last
        runs are kept by pattern segment and stop, which do not change; the per-trip
        timetables are rebuilt, and each bus's last stop event follows its trip (dropped
        when the trip is gone, so no running time is measured across the change)."""
        if rt.net.patterns is not self.rt.net.patterns:
            raise ValueError("use_network: the patterns must be the same")
        kept = self.rt.net.trips
        self.rt = rt
        self._trip_tables(kept)
        last: dict[str, StopEvent] = {}
        for vehicle, e in self._last_event.items():
            trip = moved(e.trip)
            if trip is not None:
                last[vehicle] = e if trip == e.trip else dataclasses.replace(e, trip=trip)
        self._last_event = last

    def observe(self, e: StopEvent) -> None:
        net = self.rt.net
        trip = net.trips[e.trip]
        stop = int(net.patterns[trip.pattern].stops[e.k])
        prev = self._last_event.get(e.vehicle_id)
        if e.k <= 1 and (prev is None or prev.trip != e.trip):  # the trip's first event
            first = int(net.patterns[trip.pattern].stops[0])
            starts = self._starts.setdefault(first, [])
            starts.append((e.departure, e.departure - float(trip.departure_s[e.k])))
            del starts[:-START_MEMORY]
        waits = self._waits[e.trip]
        if e.k > 0 and waits is not None and waits[e.k]:
            usual = float(self._dwell_base[e.trip][e.k] + self.dwell_off[stop])
            early = float(trip.departure_s[e.k]) - e.arrival - usual
            if early > HOLD_EARLY_S:
                held = min(max((e.departure - e.arrival - usual) / early, 0.0), 1.0)
                total, n = self._held.get(trip.pattern, HOLD_PRIOR)
                self._held[trip.pattern] = (total + held, n + 1.0)
        if e.k > 0:
            dwell = e.departure - e.arrival
            var = self.dwell_var[stop] + DWELL_DRIFT_PER_S * max(
                e.departure - self.dwell_t[stop], 0.0
            )
            gain = var / (var + DWELL_OBS_SD**2)
            off = dwell - float(self._dwell_base[e.trip][e.k])
            self.dwell_off[stop] += gain * (off - self.dwell_off[stop])
            self.dwell_var[stop], self.dwell_t[stop] = (1 - gain) * var, e.departure
            self.last_dwell[stop], self.last_dwell_t[stop] = dwell, e.departure
        self._last_event[e.vehicle_id] = e
        if prev is None or prev.trip != e.trip or prev.k != e.k - 1:
            return
        run = e.arrival - prev.departure
        if run <= 0:
            return
        seg = int(self._segs[trip.pattern][prev.k])
        obs = run / float(self._expected[e.trip][prev.k])
        history = self._pace.setdefault(e.vehicle_id, [])
        history.append(obs / self.ratio[seg])
        del history[:-PACE_MEMORY]
        pace = sum(history) / len(history)
        self._pace_factor[e.vehicle_id] = 1.0 + self._pace_weights * (pace - 1.0)
        var = self.ratio_var[seg] + self._drift * max(e.arrival - self.ratio_t[seg], 0.0)
        gain = var / (var + RATIO_OBS_SD**2)
        self.ratio[seg] *= math.exp(gain * (math.log(obs) - math.log(self.ratio[seg])))
        self.ratio_var[seg], self.ratio_t[seg] = (1 - gain) * var, e.arrival
        self.last_run[seg], self.last_run_t[seg] = run, e.arrival

    def held_share(self, pattern: int) -> float:
        """The share of their earliness early buses of `pattern` wait away at timepoints."""
        total, n = self._held.get(pattern, HOLD_PRIOR)
        return total / n

    def start_late(self, stop: int, now: float) -> float:
        """How late (s, not below 0) buses have recently left first stop `stop`: the
        median of its last starts (at least two within START_MAX_AGE_S), else 0. A bus
        waiting there is predicted to leave that late, as its predecessors did: drivers
        at a terminal leave after their break, not when the timetable says."""
        recent = sorted(
            late for t, late in self._starts.get(stop, ()) if now - t <= START_MAX_AGE_S
        )
        n = len(recent)
        if n < 2:
            return 0.0
        half = n // 2
        median = recent[half] if n % 2 else (recent[half - 1] + recent[half]) / 2.0
        return max(float(median), 0.0)  # (np.median costs 50 µs on a refresh)

    def predict(self, track: Track, now: float) -> list[Prediction]:
        if track.ahead is not None:
            return []  # the bus may be far ahead of where it was: the next fix will say
        net = self.rt.net
        trip = net.trips[track.trip]
        pattern = net.patterns[trip.pattern]
        n = len(pattern.stops)
        k0 = max(track.next_k, 1)
        if k0 >= n:
            return []
        if track.next_k == 0:
            frac, start = 1.0, max(now, float(trip.departure_s[0]))
        else:
            span = float(pattern.stop_dist[k0] - pattern.stop_dist[k0 - 1])
            left = (float(pattern.stop_dist[k0]) - track.dist) / span if span > 0 else 0.0
            frac, start = min(max(left, 0.0), 1.0), now
        calls = n - k0
        out: dict[str, F64] = {}
        if "schedule" in self.methods or "delay" in self.methods:
            sched = trip.arrival_s[k0:].astype(np.float64)
        if "schedule" in self.methods:
            out["schedule"] = sched
        if "delay" in self.methods:
            if track.next_k == 0:  # not yet on its way: leaves on time or now, never early
                lateness = max(now - float(trip.departure_s[0]), 0.0)
            else:
                lateness = now - self.rt.sched_at(track.trip, track.dist)
            out["delay"] = np.maximum(sched + lateness, now)
        if "prevbus" in self.methods:
            segs = self._segs[trip.pattern][k0 - 1 :]
            stops = pattern.stops[k0 : n - 1]
            planned = self._planned[track.trip][k0 - 1 :]
            fresh = now - self.last_run_t[segs] <= PREV_BUS_MAX_AGE_S
            runs = np.where(fresh, self.last_run[segs], planned)
            fresh_dw = now - self.last_dwell_t[stops] <= PREV_BUS_MAX_AGE_S
            dwells = np.where(
                fresh_dw, self.last_dwell[stops], self._sched_dwell[track.trip][k0 : n - 1]
            )
            out["prevbus"] = _arrivals(start, frac, runs, dwells)
        if "kalman" in self.methods:
            waits = self._waits[track.trip]
            begin = start
            standing = now - track.dist_t >= STANDING_S
            if track.next_k == 0 or (standing and k0 == 1) or now < self._first_dep[track.trip]:
                # at the start, or past it before the trip's time (a layover beyond the
                # first stop), or standing just past it: leaves as late as buses
                # recently left there
                late = self.start_late(int(pattern.stops[0]), now)
                begin = max(start, self.rt.sched_at(track.trip, track.dist) + late)
            elif waits is not None and waits[k0 - 1] and frac > 0.95:
                begin = max(start, float(trip.departure_s[k0 - 1]))  # early at a timepoint
            factor = self._pace_factor.get(track.vehicle_id, NO_FACTOR)
            out["kalman"] = self._ours(track.trip, begin, frac, k0, factor)
        if len(out) == 1:
            first = float(next(iter(out.values()))[-1])
        else:
            first = min(float(v[-1]) for v in out.values())
        cut = calls
        if first - now > self.horizon_s:
            soonest = np.minimum.reduce([out[m] for m in out])
            cut = int(np.searchsorted(soonest, now + self.horizon_s, side="right"))
        made = [
            Prediction(track.vehicle_id, track.trip, k0, now, m, out[m][:cut])
            for m in self.methods
            if cut > 0
        ]
        if self.through_block and cut == calls:
            made.extend(self._next_trip(track, now, {m: float(out[m][-1]) for m in out}))
        return made

    def _ours(self, trip: int, begin: float, frac: float, k0: int, factor: F64) -> F64:
        """Our method's arrivals at `trip`'s calls from `k0` on, leaving at `begin` with
        `frac` of the segment before k0 to run, the bus's pace `factor` (NO_FACTOR:
        none)."""
        t = self.rt.net.trips[trip]
        waits = self._waits[trip]
        return arrivals_ahead(
            begin,
            frac,
            k0,
            self._expected[trip],
            self.ratio,
            self._segs[t.pattern],
            factor,
            self._dwell_base[trip],
            self.dwell_off,
            self.rt.net.patterns[t.pattern].stops,
            NO_WAITS if waits is None else waits,
            t.departure_s,
            1.0 if waits is None else self.held_share(t.pattern),
        )

    def _next_trip(self, track: Track, now: float, ends: dict[str, float]) -> list[Prediction]:
        """The block's next trip: it leaves its first stop after a layover of at least
        `LAYOVER_MIN_S` from the predicted arrival, or on time if that is later."""
        nxt = self.rt.next_in_block.get(track.trip)
        if nxt is None:
            return []
        trip = self.rt.net.trips[nxt]
        pattern = self.rt.net.patterns[trip.pattern]
        n = len(pattern.stops)
        sched = trip.arrival_s[1:].astype(np.float64)
        planned = self._planned[nxt]
        segs = self._segs[trip.pattern]
        stops = pattern.stops[1 : n - 1]
        dep0 = float(trip.departure_s[0])
        out: list[Prediction] = []
        for m, end in ends.items():
            leave = max(end + LAYOVER_MIN_S, dep0)
            if leave - now > self.horizon_s:
                continue
            if m == "schedule":
                times = sched
            elif m == "delay":
                times = sched + (leave - dep0)
            elif m == "prevbus":
                fresh = now - self.last_run_t[segs] <= PREV_BUS_MAX_AGE_S
                runs = np.where(fresh, self.last_run[segs], planned)
                fresh_dw = now - self.last_dwell_t[stops] <= PREV_BUS_MAX_AGE_S
                dwells = np.where(
                    fresh_dw, self.last_dwell[stops], self._sched_dwell[nxt][1 : n - 1]
                )
                times = _arrivals(leave, 1.0, runs, dwells)
            else:
                leave = max(leave, dep0 + self.start_late(int(pattern.stops[0]), now))
                times = self._ours(nxt, leave, 1.0, 1, NO_FACTOR)
            cut = int(np.searchsorted(times, now + self.horizon_s, side="right"))
            if cut:
                out.append(Prediction(track.vehicle_id, nxt, 1, now, m, times[:cut]))
        return out


def _arrivals(start: float, frac: float, runs: F64, dwells: F64) -> F64:
    """Arrival at each call ahead: the rest of the current segment, then for each next
    call the dwell at the one before and the run to it. Works in `runs` (every caller
    hands a fresh array; allocations are a good part of a refresh's cost)."""
    runs[0] *= frac
    runs[1:] += dwells[: len(runs) - 1]
    np.add.accumulate(runs, out=runs)  # np.cumsum's wrapper costs more than the sum
    runs += start
    return runs
