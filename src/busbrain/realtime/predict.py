"""Arrival predictions for the stops ahead of a bus, by four methods side by side.

- `schedule`: the timetable alone.
- `delay`: the timetable plus the bus's current lateness (OneBusAway's method).
- `prevbus`: the running times of the buses that last drove each segment ahead
  (TransitClock's "previous vehicle" idea), the timetable where none did recently.
- `kalman` (ours): per stop-to-stop segment, a Kalman filter of its running time and of
  the dwell at its end, started from the timetable and updated by every bus that drives
  it (the state drifts with time, so recent buses weigh more), times the bus's own pace
  over its last segments, shrunk towards 1 the further ahead the stop.

Segments are keyed by their two stop ids, so lines sharing a corridor learn together.
Seconds after the service day's start; metres along the pattern.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from busbrain.realtime.rtnet import RtNetwork
from busbrain.realtime.tracker import StopEvent, Track

METHODS = ("schedule", "delay", "prevbus", "kalman")
PREV_BUS_MAX_AGE_S = 3600.0
DRIFT_VAR_PER_S = 0.02
"""Variance (s²) a segment's running-time estimate gains per second without news."""
OBS_SHARE = 0.15
"""Observation noise of one traversal: this share of the running time (one sigma)."""
PRIOR_SHARE = 0.3
PACE_WEIGHT = 0.6
DWELL_NOISE_S = 20.0
HORIZON_STOPS = 60


@dataclass(frozen=True, slots=True)
class PredictionRow:
    vehicle_id: str
    trip: int
    k: int
    made_at: float
    predicted: float
    method: str


class Predictor(Protocol):
    def observe(self, e: StopEvent) -> None: ...

    def predict(self, track: Track, now: float) -> list[PredictionRow]: ...


@dataclass(slots=True)
class _Filter:
    mean: float
    var: float
    t: float
    noise_s: float | None = None
    """Observation noise (one sigma, s); None: `OBS_SHARE` of the observation."""

    def update(self, obs: float, t: float) -> None:
        var = self.var + DRIFT_VAR_PER_S * max(t - self.t, 0.0)
        r = (self.noise_s if self.noise_s is not None else OBS_SHARE * max(obs, 10.0)) ** 2
        gain = var / (var + r)
        self.mean += gain * (obs - self.mean)
        self.var = (1 - gain) * var
        self.t = t


@dataclass
class SegmentModel:
    """What buses showed about each segment: latest traversal and a Kalman estimate."""

    rt: RtNetwork
    travel: dict[tuple[str, str], _Filter] = field(default_factory=dict)
    dwell: dict[str, _Filter] = field(default_factory=dict)
    latest: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)
    """segment -> (when observed, running time)."""
    latest_dwell: dict[str, tuple[float, float]] = field(default_factory=dict)
    """stop -> (when observed, dwell)."""
    last_event: dict[str, StopEvent] = field(default_factory=dict)
    pace: dict[str, list[float]] = field(default_factory=dict)

    def key(self, trip: int, k: int) -> tuple[str, str]:
        net = self.rt.net
        stops = net.patterns[net.trips[trip].pattern].stops
        return net.stop_ids[int(stops[k])], net.stop_ids[int(stops[k + 1])]

    def planned(self, trip: int, k: int) -> float:
        t = self.rt.net.trips[trip]
        return max(float(t.arrival_s[k + 1] - t.departure_s[k]), 5.0)

    def travel_filter(self, trip: int, k: int, now: float) -> _Filter:
        key = self.key(trip, k)
        f = self.travel.get(key)
        if f is None:
            plan = self.planned(trip, k)
            f = self.travel[key] = _Filter(plan, (PRIOR_SHARE * plan) ** 2, now)
        return f

    def dwell_filter(self, stop_id: str, now: float) -> _Filter:
        f = self.dwell.get(stop_id)
        if f is None:
            # dwell is 0 or half a minute, bus by bus: estimate its mean, not the last one
            f = self.dwell[stop_id] = _Filter(8.0, 15.0**2, now, noise_s=DWELL_NOISE_S)
        return f

    def observe(self, e: StopEvent) -> None:
        net = self.rt.net
        stop_id = net.stop_ids[int(net.patterns[net.trips[e.trip].pattern].stops[e.k])]
        if e.k > 0:
            self.dwell_filter(stop_id, e.arrival).update(e.departure - e.arrival, e.departure)
            self.latest_dwell[stop_id] = (e.departure, e.departure - e.arrival)
        prev = self.last_event.get(e.vehicle_id)
        self.last_event[e.vehicle_id] = e
        if prev is None or prev.trip != e.trip or prev.k != e.k - 1:
            return
        run = e.arrival - prev.departure
        if run <= 0:
            return
        f = self.travel_filter(e.trip, prev.k, e.arrival)
        ratio = run / max(f.mean, 1.0)
        history = self.pace.setdefault(e.vehicle_id, [])
        history.append(ratio)
        del history[:-3]
        f.update(run, e.arrival)
        self.latest[self.key(e.trip, prev.k)] = (e.arrival, run)


class SegmentPredictor:
    """All four methods at once, so that they are compared on the same fixes."""

    def __init__(
        self, rt: RtNetwork, methods: tuple[str, ...] = METHODS, *, horizon_s: float = 7200.0
    ) -> None:
        self.rt = rt
        self.model = SegmentModel(rt)
        self.methods = methods
        self.horizon_s = horizon_s
        """Stops further ahead than this (by every method) are not predicted."""

    def observe(self, e: StopEvent) -> None:
        self.model.observe(e)

    def predict(self, track: Track, now: float) -> list[PredictionRow]:
        net = self.rt.net
        trip = net.trips[track.trip]
        pattern = net.patterns[trip.pattern]
        stops = pattern.stop_dist
        n = len(stops)
        k0 = max(track.next_k, 1)
        if k0 >= n:
            return []
        rows: list[PredictionRow] = []
        m = self.model
        vid = track.vehicle_id
        lateness = now - self.rt.sched_at(track.trip, track.dist)
        history = m.pace.get(vid, [])
        pace = sum(history) / len(history) if history else 1.0
        # the part of the current segment still to drive
        seg = k0 - 1
        if track.next_k == 0:
            frac = 1.0
            start = max(now, float(trip.departure_s[0]))
        else:
            span = float(stops[k0] - stops[seg])
            frac = min(max((float(stops[k0]) - track.dist) / span, 0.0), 1.0) if span > 0 else 0.0
            start = now
        t_prev = start
        t_kal = start
        for k in range(k0, min(n, k0 + HORIZON_STOPS)):
            share = frac if k == k0 else 1.0
            planned = m.planned(track.trip, k - 1)
            key = m.key(track.trip, k - 1)
            latest = m.latest.get(key)
            prev_run = latest[1] if latest and now - latest[0] <= PREV_BUS_MAX_AGE_S else planned
            f = m.travel_filter(track.trip, k - 1, now)
            weight = PACE_WEIGHT / (1 + (k - k0) / 5)
            kal_run = f.mean * (1 + weight * (pace - 1))
            t_prev += share * prev_run
            t_kal += share * kal_run
            sched = float(trip.arrival_s[k])
            preds = {
                "schedule": sched,
                "delay": max(sched + lateness, now),
                "prevbus": t_prev,
                "kalman": t_kal,
            }
            if min(preds[m_] for m_ in self.methods) - now > self.horizon_s:
                break
            for method in self.methods:
                rows.append(PredictionRow(vid, track.trip, k, now, preds[method], method))
            if k < n - 1:
                stop_id = net.stop_ids[int(pattern.stops[k])]
                t_kal += m.dwell_filter(stop_id, now).mean
                seen = m.latest_dwell.get(stop_id)
                fresh = seen is not None and now - seen[0] <= PREV_BUS_MAX_AGE_S
                t_prev += (
                    seen[1]
                    if seen is not None and fresh
                    else float(trip.departure_s[k] - trip.arrival_s[k])
                )
        return rows
