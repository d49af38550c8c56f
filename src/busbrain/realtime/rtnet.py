"""The day's network prepared for matching: a grid index of pattern shapes, each trip's
schedule as a function of distance, and blocks.

Positions in the day network's local frame (metres); distances along a pattern in
metres; times in seconds after the service day's start.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from busbrain.domain.daynet import F64, DayNetwork, DayTrip
from busbrain.realtime import kernels

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
    shapes: list[ShapeArrays] = field(default_factory=list)
    """Per pattern, its shape prepared for projection."""

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
        self.shapes = [ShapeArrays.of(p.shape_x, p.shape_y, p.shape_d) for p in net.patterns]
        self._index_trips()
        return self

    def with_trips(self, trips: Sequence[DayTrip]) -> RtNetwork:
        """This network with `trips` appended after its own (the dispatchers' extra trips,
        加班车, on patterns of this network). Its trips keep their indices, which the
        tracks, predictions and stop events hold; the shape index is shared (the
        patterns are the same), only what depends on the trip list is indexed again."""
        net = dataclasses.replace(self.net, trips=(*self.net.trips, *trips))
        out = RtNetwork(net, self.day_start_unix, self._cells, shapes=self.shapes)
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
        """Closest point of pattern `pattern`'s shape to (x, y) among distances [lo, hi]
        along it: (distance along, offset), metres (`kernels.project_window`)."""
        return kernels.project_window(*self.shapes[pattern], x, y, lo, hi)

    def passes(self, pattern: int, x: float, y: float, near: float) -> list[float]:
        """Distances along pattern `pattern`'s shape of each of its passes within `near`
        metres of (x, y) (`kernels.passes`)."""
        return kernels.passes(*self.shapes[pattern], x, y, near).tolist()  # type: ignore[no-any-return]

    def sched_at(self, trip: int, dist: float) -> float:
        """Scheduled time (s after the service day's start) at `dist` along the trip."""
        t = self.net.trips[trip]
        return kernels.time_at(dist, self.net.patterns[t.pattern].stop_dist, t.departure_s)


class ShapeArrays(NamedTuple):
    """A shape for the compiled kernels (metres): its points and distances along, and
    per segment its extents (x, y and along) and the inverse of its squared length (0
    for a degenerate segment), so that projecting a fix costs a few multiplications per
    segment."""

    xs: F64
    ys: F64
    ds: F64
    dxs: F64
    dys: F64
    dds: F64
    inv2: F64

    @classmethod
    def of(cls, x: F64, y: F64, d: F64) -> ShapeArrays:
        x, y, d = (np.ascontiguousarray(a, dtype=np.float64) for a in (x, y, d))
        dx, dy = np.diff(x), np.diff(y)
        seg2 = dx * dx + dy * dy
        inv2 = np.where(seg2 > 1e-9, 1.0 / np.maximum(seg2, 1e-9), 0.0)
        return cls(x, y, d, dx, dy, np.diff(d), inv2)
