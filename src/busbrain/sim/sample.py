"""Where each bus truly is at given instants, from its timeline of motion knots.

Positions in the local frame (m), speeds in m/s, headings in degrees clockwise from
north, times in seconds after the service day's start.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

from busbrain.domain.daynet import F64, I64, DayNetwork
from busbrain.sim.engine import BusDay, Kind, Piece


@dataclass(frozen=True, slots=True)
class Track:
    """A bus's true state at each of `t` (arrays of one length)."""

    t: F64
    x: F64
    y: F64
    speed: F64
    heading: F64
    kind: I64
    """`engine.Kind` of the piece the bus is on."""
    trip: I64
    """Index into `DayNetwork.trips`, -1 off trips."""
    dist: F64
    """Metres along the trip's shape (or the deadhead line)."""
    acc_on: I64
    odometer_m: F64


def _headings(xs: F64, ys: F64) -> F64:
    return np.degrees(np.arctan2(np.diff(xs), np.diff(ys))) % 360.0


class Sampler:
    def __init__(self, net: DayNetwork) -> None:
        self.net = net
        self._pattern_heading = [_headings(p.shape_x, p.shape_y) for p in net.patterns]

    def _piece(self, piece: Piece, t: F64) -> tuple[F64, F64, F64, F64, F64]:
        ts = np.asarray(piece.ts)
        ds = np.asarray(piece.ds)
        d = np.interp(t, ts, ds)
        seg = np.clip(np.searchsorted(ts, t, side="right") - 1, 0, max(len(ts) - 2, 0))
        if len(ts) > 1:
            dt_ = np.diff(ts)
            v_seg = np.where(dt_ > 0, np.diff(ds) / np.where(dt_ > 0, dt_, 1.0), 0.0)
            v = v_seg[seg]
        else:
            v = np.zeros_like(t)
        if piece.pattern >= 0:
            pattern = self.net.patterns[piece.pattern]
            x, y = pattern.xy_at(d)
            hs = self._pattern_heading[piece.pattern]
            k = np.clip(np.searchsorted(pattern.shape_d, d, side="right") - 1, 0, len(hs) - 1)
            heading = hs[k]
        else:
            x0, y0, x1, y1 = piece.ends
            length = math.hypot(x1 - x0, y1 - y0)
            f = d / length if length > 0 else np.zeros_like(d)
            x, y = x0 + f * (x1 - x0), y0 + f * (y1 - y0)
            heading = np.full_like(t, math.degrees(math.atan2(x1 - x0, y1 - y0)) % 360.0)
        return x, y, v, heading, d

    def track(self, day: BusDay, t: F64) -> Track:
        """The bus's state at sorted times `t` inside its power-on span."""
        n = len(t)
        out = {k: np.zeros(n) for k in ("x", "y", "speed", "heading", "dist")}
        kind = np.zeros(n, dtype=np.int64)
        trip = np.full(n, -1, dtype=np.int64)
        acc = np.zeros(n, dtype=np.int64)
        starts = [p.ts[0] for p in day.pieces]
        idx = np.clip(np.searchsorted(starts, t, side="right") - 1, 0, len(starts) - 1)
        for p_i in np.unique(idx):
            piece = day.pieces[int(p_i)]
            sel = idx == p_i
            x, y, v, h, d = self._piece(piece, t[sel])
            out["x"][sel], out["y"][sel], out["speed"][sel] = x, y, v
            out["heading"][sel], out["dist"][sel] = h, d
            kind[sel] = piece.kind
            trip[sel] = piece.trip if piece.kind in (Kind.SERVICE, Kind.LAYOVER) else -1
            acc[sel] = int(piece.acc_on)
        step = np.hypot(
            np.diff(out["x"], prepend=out["x"][:1]), np.diff(out["y"], prepend=out["y"][:1])
        )
        return Track(
            t,
            out["x"],
            out["y"],
            out["speed"],
            out["heading"],
            kind,
            trip,
            out["dist"],
            acc,
            np.cumsum(step),
        )

    def at(self, day: BusDay, t: float) -> Track:
        return self.track(day, np.array([t]))


def piece_at(day: BusDay, t: float) -> Piece:
    starts = [p.ts[0] for p in day.pieces]
    return day.pieces[max(bisect.bisect_right(starts, t) - 1, 0)]


def report_times(day: BusDay, interval_s: int, parked_s: int, phase: int) -> F64:
    """Whole-second report instants: every `interval_s` with the ignition on, every
    `parked_s` with it off, from power-on to power-off."""
    start = math.ceil(day.power_on) + phase % interval_s
    t = np.arange(start, day.power_off, interval_s, dtype=np.float64)
    starts = np.array([p.ts[0] for p in day.pieces])
    acc = np.array([p.acc_on for p in day.pieces])
    idx = np.clip(np.searchsorted(starts, t, side="right") - 1, 0, len(starts) - 1)
    keep = acc[idx] | ((t - start) % parked_s < interval_s)
    return t[keep]
