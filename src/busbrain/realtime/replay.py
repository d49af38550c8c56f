"""Run the real-time pipeline over recorded positions on a simulated clock.

Fixes are taken in the order the platform received them (their `received` time when the
file has it, else their own time); the clock is that time. Each fix goes through the
data-quality rules, gets its terminal's clock skew corrected once it is known, and then
through the vehicle's tracker. Outputs are the stop events detected and every prediction
made, in seconds after the service day's start.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from busbrain.realtime.fixes import Fix
from busbrain.realtime.intake import admit
from busbrain.realtime.predict import Prediction, Predictor
from busbrain.realtime.quality import QualityCounters, QualityState
from busbrain.realtime.rtnet import RtNetwork
from busbrain.realtime.tracker import Context, StopEvent, Track, step


@dataclass
class ReplayResult:
    events: list[StopEvent] = field(default_factory=list)
    predictions: list[Prediction] = field(default_factory=list)
    fixes: int = 0
    kept: int = 0
    matched: int = 0
    quality: QualityCounters = field(default_factory=QualityCounters)


def replay(
    rt: RtNetwork,
    fixes: Iterable[Fix],
    *,
    predictor: Predictor | None = None,
    planned_block: dict[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ReplayResult:
    """Stop events (and predictions, with a predictor) from `fixes` (any order).
    `planned_block`: vehicle -> block from the day's dispatch plan, when known."""
    ordered = sorted(fixes, key=lambda f: (f.received if f.received is not None else f.t, f.t))
    ctx = Context(rt, planned_block=dict(planned_block or {}))
    tracks: dict[str, Track] = {}
    states: dict[str, QualityState] = {}
    out = ReplayResult()
    u = rt.day_start_unix
    xs, ys = rt.net.frame.to_xy(
        np.array([f.lat for f in ordered]), np.array([f.lon for f in ordered])
    )
    for n, f in enumerate(ordered):
        out.fixes += 1
        now = f.received if f.received is not None else f.t
        states[f.vehicle_id], corrected = admit(states.get(f.vehicle_id), f, now, out.quality)
        if corrected is None:
            continue
        out.kept += 1
        track = tracks.get(f.vehicle_id)
        if track is None:
            track = tracks[f.vehicle_id] = Track(f.vehicle_id)
        hint = rt.trip_index.get(f.trip_id) if f.trip_id else None
        t = corrected - u
        res = step(track, t, float(xs[n]), float(ys[n]), f.speed_kmh, ctx, trip_hint=hint)
        if res.events:
            out.events.extend(res.events)
            if predictor is not None:
                for e in res.events:
                    predictor.observe(e)
        if track.trip >= 0:
            out.matched += 1
            if predictor is not None:
                out.predictions.extend(predictor.predict(track, t))
        if progress is not None and n % 50_000 == 0:
            progress(n)
    return out
