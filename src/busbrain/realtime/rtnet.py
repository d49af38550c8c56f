"""The day's network prepared for matching: a grid index of pattern shapes, each trip's
schedule as a function of distance, and blocks.

Positions in the day network's local frame (metres); distances along a pattern in
metres; times in seconds after the service day's start.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from busbrain.domain.daynet import F64, DayNetwork, DayTrip

CELL_M = 150.0
"""Grid cell of the shape index."""


@dataclass
class RtNetwork:
    net: DayNetwork
    day_start_unix: float
    _cells: dict[tuple[int, int], set[int]] = field(default_factory=dict)
    trips_of_pattern: dict[int, list[int]] = field(default_factory=dict)
    trip_index: dict[str, int] = field(default_factory=dict)
    next_in_block: dict[int, int] = field(default_factory=dict)
    block_trips: dict[str, list[int]] = field(default_factory=dict)
    """block_id -> its trips in departure order."""
    shapes: list[ShapeLists] = field(default_factory=list)
    """Per pattern, its shape as plain lists: faster than arrays one fix at a time."""
    _segments: dict[int, ShapeSegments] = field(default_factory=dict)
    """Per pattern (filled when first asked), its shape's segments as arrays for `passes`."""

    @classmethod
    def build(cls, net: DayNetwork, day_start_unix: float) -> RtNetwork:
        self = cls(net, day_start_unix)
        cells: dict[tuple[int, int], set[int]] = defaultdict(set)
        for p, pattern in enumerate(net.patterns):
            xs, ys = pattern.shape_x, pattern.shape_y
            for i in range(len(xs) - 1):
                x0, x1 = sorted((xs[i], xs[i + 1]))
                y0, y1 = sorted((ys[i], ys[i + 1]))
                for cx in range(int(np.floor(x0 / CELL_M)), int(np.floor(x1 / CELL_M)) + 1):
                    for cy in range(int(np.floor(y0 / CELL_M)), int(np.floor(y1 / CELL_M)) + 1):
                        cells[(cx, cy)].add(p)
        self._cells = dict(cells)
        self.shapes = [ShapeLists.of(p.shape_x, p.shape_y, p.shape_d) for p in net.patterns]
        self._index_trips()
        return self

    def with_trips(self, trips: Sequence[DayTrip]) -> RtNetwork:
        """This network with `trips` appended after its own (the dispatchers' extra trips,
        加班车, on patterns of this network). Its trips keep their indices, which the
        tracks, predictions and stop events hold; the shape index is shared (the
        patterns are the same), only what depends on the trip list is indexed again."""
        net = dataclasses.replace(self.net, trips=(*self.net.trips, *trips))
        out = RtNetwork(
            net, self.day_start_unix, self._cells, shapes=self.shapes, _segments=self._segments
        )
        out._index_trips()
        return out

    def _index_trips(self) -> None:
        """`trip_index`, `trips_of_pattern`, `block_trips` and `next_in_block` from the
        trip list (trips keep their position in `net.trips`)."""
        net = self.net
        by_pattern: dict[int, list[int]] = defaultdict(list)
        blocks: dict[str, list[int]] = defaultdict(list)
        for i, trip in enumerate(net.trips):
            by_pattern[trip.pattern].append(i)
            self.trip_index[trip.trip_id] = i
            if trip.block_id:
                blocks[trip.block_id].append(i)
        self.trips_of_pattern = dict(by_pattern)
        for trips in blocks.values():
            trips.sort(key=lambda i: int(net.trips[i].departure_s[0]))
        self.block_trips = dict(blocks)
        for trips in blocks.values():
            for a, b in itertools.pairwise(trips):
                self.next_in_block[a] = b

    def patterns_near(self, x: float, y: float) -> set[int]:
        cx, cy = int(np.floor(x / CELL_M)), int(np.floor(y / CELL_M))
        out: set[int] = set()
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                out |= self._cells.get((cx + dx, cy + dy), set())
        return out

    def project(
        self, pattern: int, x: float, y: float, lo: float, hi: float
    ) -> tuple[float, float]:
        """`project` on pattern `pattern`'s shape, in plain Python for the usual short
        window (a fix's window spans a few shape segments)."""
        xs, ys, ds, dxs, dys, dds, inv2 = self.shapes[pattern]
        n = len(ds)
        i0 = max(bisect.bisect_right(ds, lo) - 1, 0)
        i1 = min(bisect.bisect_left(ds, hi) + 1, n - 1)
        if i1 <= i0:
            i1 = min(i0 + 1, n - 1)
            i0 = max(i1 - 1, 0)
        if i1 - i0 > 48:
            p = self.net.patterns[pattern]
            return project(p.shape_x, p.shape_y, p.shape_d, x, y, lo, hi)
        best_off = best_in = math.inf  # squared offsets until the end
        best_d = best_d_in = 0.0
        lo_in, hi_in = lo - 1e-6, hi + 1e-6
        for i in range(i0, i1):
            dx, dy = dxs[i], dys[i]
            px, py = x - xs[i], y - ys[i]
            f = (px * dx + py * dy) * inv2[i]
            f = 0.0 if f < 0.0 else 1.0 if f > 1.0 else f
            ex, ey = px - f * dx, py - f * dy
            off = ex * ex + ey * ey
            if off >= best_in:
                continue  # cannot beat the best inside the window (nor so the best overall)
            d = ds[i] + f * dds[i]
            if off < best_off:
                best_off, best_d = off, d
            if lo_in <= d <= hi_in:
                best_in, best_d_in = off, d
        if best_in < math.inf:
            return best_d_in, math.sqrt(best_in)
        return best_d, math.sqrt(best_off)

    def passes(self, pattern: int, x: float, y: float, near: float) -> list[float]:
        """`ShapeSegments.passes` on pattern `pattern`'s shape, its segments computed
        once."""
        seg = self._segments.get(pattern)
        if seg is None:
            p = self.net.patterns[pattern]
            seg = self._segments[pattern] = ShapeSegments.of(p.shape_x, p.shape_y, p.shape_d)
        return seg.passes(x, y, near)

    def sched_at(self, trip: int, dist: float) -> float:
        """Scheduled time (s after the service day's start) at `dist` along the trip."""
        t = self.net.trips[trip]
        stops = self.net.patterns[t.pattern].stop_dist
        return float(np.interp(dist, stops, t.departure_s.astype(np.float64)))


def project(
    pattern_x: F64, pattern_y: F64, pattern_d: F64, x: float, y: float, lo: float, hi: float
) -> tuple[float, float]:
    """Closest point of the shape to (x, y) among distances [lo, hi]: (distance along,
    offset), metres. Linear referencing restricted to a window, which keeps loops and
    lollipops from matching the wrong pass."""
    n = len(pattern_d)
    i0 = max(int(np.searchsorted(pattern_d, lo, side="right")) - 1, 0)
    i1 = min(int(np.searchsorted(pattern_d, hi, side="left")) + 1, n - 1)
    if i1 <= i0:
        i1 = min(i0 + 1, n - 1)
        i0 = max(i1 - 1, 0)
    ax, ay = pattern_x[i0:i1], pattern_y[i0:i1]
    bx, by = pattern_x[i0 + 1 : i1 + 1], pattern_y[i0 + 1 : i1 + 1]
    dx, dy = bx - ax, by - ay
    seg2 = np.maximum(dx * dx + dy * dy, 1e-9)
    f = np.clip(((x - ax) * dx + (y - ay) * dy) / seg2, 0.0, 1.0)
    off = np.hypot(ax + f * dx - x, ay + f * dy - y)
    d = pattern_d[i0:i1] + f * (pattern_d[i0 + 1 : i1 + 1] - pattern_d[i0:i1])
    inside = (d >= lo - 1e-6) & (d <= hi + 1e-6)
    if inside.any():
        off = np.where(inside, off, np.inf)
    k = int(np.argmin(off))
    return float(d[k]), float(off[k])


class ShapeLists(NamedTuple):
    """A shape as plain lists (metres): points, and per segment its extent (x, y and
    along) and the inverse of its squared length (0 for a degenerate segment), so
    projecting a fix costs a few multiplications per segment."""

    xs: list[float]
    ys: list[float]
    ds: list[float]
    dxs: list[float]
    dys: list[float]
    dds: list[float]
    inv2: list[float]

    @classmethod
    def of(cls, x: F64, y: F64, d: F64) -> ShapeLists:
        dx, dy = np.diff(x), np.diff(y)
        seg2 = dx * dx + dy * dy
        inv2 = np.where(seg2 > 1e-9, 1.0 / np.maximum(seg2, 1e-9), 0.0)
        lists = (x, y, d, dx, dy, np.diff(d), inv2)
        return cls(*(a.tolist() for a in lists))


@dataclass(frozen=True)
class ShapeSegments:
    """A shape's segments as arrays (metres): start points, extents, squared lengths
    and lengths along."""

    ax: F64
    ay: F64
    dx: F64
    dy: F64
    seg2: F64
    d0: F64
    dd: F64

    @classmethod
    def of(cls, x: F64, y: F64, d: F64) -> ShapeSegments:
        dx, dy = np.diff(x), np.diff(y)
        return cls(x[:-1], y[:-1], dx, dy, np.maximum(dx * dx + dy * dy, 1e-9), d[:-1], np.diff(d))

    def passes(self, x: float, y: float, near: float) -> list[float]:
        """Distances along the shape of each pass within `near` metres of (x, y): a loop
        or a lollipop's stem goes by the same place twice, and only the fixes that
        follow can tell which pass the bus is on. One distance (the closest point) per
        pass."""
        ax, ay, dx, dy = self.ax, self.ay, self.dx, self.dy
        f = np.clip(((x - ax) * dx + (y - ay) * dy) / self.seg2, 0.0, 1.0)
        off = np.hypot(ax + f * dx - x, ay + f * dy - y)
        d = self.d0 + f * self.dd
        hits = np.flatnonzero(off <= near)
        out: list[float] = []
        best_off = np.inf
        for i in hits:
            if out and d[i] - out[-1] <= 2 * near and off[i] >= best_off:
                continue
            if out and d[i] - out[-1] <= 2 * near:
                out[-1], best_off = float(d[i]), float(off[i])
            else:
                out.append(float(d[i]))
                best_off = float(off[i])
        return out
