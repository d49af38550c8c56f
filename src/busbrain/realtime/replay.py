"""Run the real-time pipeline over recorded positions on a simulated clock.

Fixes are taken in time order; the clock is the newest fix's time. Outputs are the
stop events detected and every prediction made, in unix seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from busbrain.realtime.fixes import Fix
from busbrain.realtime.predict import PredictionRow, Predictor
from busbrain.realtime.rtnet import RtNetwork
from busbrain.realtime.tracker import Context, StopEvent, Track, step


@dataclass
class ReplayResult:
    events: list[StopEvent] = field(default_factory=list)
    predictions: list[PredictionRow] = field(default_factory=list)
    fixes: int = 0
    matched: int = 0


def replay(
    rt: RtNetwork,
    fixes: Iterable[Fix],
    *,
    predictor: Predictor | None = None,
    progress: Callable[[int], None] | None = None,
) -> ReplayResult:
    """Stop events (and predictions, with a predictor) from `fixes` (any order)."""
    ordered = sorted(fixes, key=lambda f: (f.t, f.vehicle_id))
    ctx = Context(rt)
    tracks: dict[str, Track] = {}
    out = ReplayResult()
    u = rt.day_start_unix
    lat = np.array([f.lat for f in ordered])
    lon = np.array([f.lon for f in ordered])
    xs, ys = rt.net.frame.to_xy(lat, lon)
    for n, f in enumerate(ordered):
        track = tracks.get(f.vehicle_id)
        if track is None:
            track = tracks[f.vehicle_id] = Track(f.vehicle_id)
        hint = rt.trip_index.get(f.trip_id) if f.trip_id else None
        res = step(track, f.t - u, float(xs[n]), float(ys[n]), f.speed_kmh, ctx, trip_hint=hint)
        out.fixes += 1
        if res.events:
            out.events.extend(res.events)
            if predictor is not None:
                for e in res.events:
                    predictor.observe(e)
        if track.trip >= 0:
            out.matched += 1
            if predictor is not None:
                out.predictions.extend(predictor.predict(track, f.t - u))
        if progress is not None and n % 50_000 == 0:
            progress(n)
    return out
