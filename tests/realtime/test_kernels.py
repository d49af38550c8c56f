"""The compiled kernels against plain numpy references written the obvious way: the
same numbers for any shape, window and timetable hypothesis makes up."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from busbrain.realtime.kernels import (
    NO_FACTOR,
    NO_WAITS,
    arrivals_ahead,
    passes,
    project_window,
    time_at,
)
from busbrain.realtime.rtnet import ShapeArrays

coord = st.floats(-2000.0, 2000.0, allow_nan=False)


@st.composite
def shapes(draw: st.DrawFn, min_points: int = 2) -> ShapeArrays:
    """A polyline of 2–40 points (repeated points allowed: degenerate segments)."""
    n = draw(st.integers(min_points, 40))
    xs = np.array(draw(st.lists(coord, min_size=n, max_size=n)))
    ys = np.array(draw(st.lists(coord, min_size=n, max_size=n)))
    if draw(st.booleans()):
        k = draw(st.integers(1, n - 1))
        xs[k], ys[k] = xs[k - 1], ys[k - 1]
    d = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(xs), np.diff(ys)))])
    return ShapeArrays.of(xs, ys, d)


def _segment_points(s: ShapeArrays, x: float, y: float) -> tuple[np.ndarray, np.ndarray]:
    """Per segment, the distance along of its point closest to (x, y) and the squared
    offset, in the same floating-point steps as the kernels (near-ties break alike)."""
    px, py = x - s.xs[:-1], y - s.ys[:-1]
    f = np.clip((px * s.dxs + py * s.dys) * s.inv2, 0.0, 1.0)
    ex, ey = px - f * s.dxs, py - f * s.dys
    return s.ds[:-1] + f * s.dds, ex * ex + ey * ey


def _offset_at(s: ShapeArrays, d: float, x: float, y: float) -> float:
    """How far (x, y) is from the shape's point `d` along it."""
    px = np.interp(d, s.ds, s.xs) if s.ds[-1] > 0 else s.xs[0]
    py = np.interp(d, s.ds, s.ys) if s.ds[-1] > 0 else s.ys[0]
    return math.hypot(px - x, py - y)


@given(shapes(), coord, coord, st.floats(0.0, 1.0), st.floats(0.0, 1.0))
@settings(max_examples=300, deadline=None)  # the first call compiles
def test_projection_is_the_closest_point_in_the_window_else_overall(
    s: ShapeArrays, x: float, y: float, a: float, b: float
) -> None:
    total = float(s.ds[-1])
    lo, hi = sorted((a * total, b * total))
    d, off = project_window(*s, x, y, lo, hi)
    along, off2 = _segment_points(s, x, y)
    offs = np.sqrt(off2)
    i0 = max(int(np.searchsorted(s.ds, lo, side="right")) - 1, 0)
    i1 = min(int(np.searchsorted(s.ds, hi, side="left")) + 1, len(s.ds) - 1)
    if i1 <= i0:
        i1 = min(i0 + 1, len(s.ds) - 1)
        i0 = max(i1 - 1, 0)
    window_d, window_off = along[i0:i1], offs[i0:i1]
    inside = (window_d >= lo - 1e-6) & (window_d <= hi + 1e-6)
    best = window_off[inside].min() if inside.any() else window_off.min()
    assert math.isclose(off, best, rel_tol=1e-9, abs_tol=1e-6)
    if inside.any():
        assert lo - 1e-6 <= d <= hi + 1e-6
    assert math.isclose(_offset_at(s, d, x, y), off, rel_tol=1e-6, abs_tol=1e-4)


def test_projection_prefers_the_pass_inside_the_window_on_a_loop() -> None:
    """An out-and-back shape: the same place is 100 m and 300 m along; the window says
    which pass the bus is on."""
    xs, ys = np.array([0.0, 200.0, 0.0]), np.array([0.0, 0.0, 0.0])
    s = ShapeArrays.of(xs, ys, np.array([0.0, 200.0, 400.0]))
    assert project_window(*s, 100.0, 5.0, 0.0, 150.0) == (100.0, 5.0)
    assert project_window(*s, 100.0, 5.0, 250.0, 400.0) == (300.0, 5.0)
    d, off = project_window(*s, 100.0, 5.0, 390.0, 400.0)  # none inside within 5 m
    assert off == 5.0 and d in (100.0, 300.0)


def _passes_reference(s: ShapeArrays, x: float, y: float, near: float) -> list[float]:
    along, off2 = _segment_points(s, x, y)
    out: list[float] = []
    best = math.inf
    for i in np.flatnonzero(off2 <= near * near):
        if out and along[i] - out[-1] <= 2 * near:
            if off2[i] < best:
                out[-1], best = float(along[i]), float(off2[i])
            continue
        out.append(float(along[i]))
        best = float(off2[i])
    return out


@given(shapes(), coord, coord, st.floats(1.0, 500.0))
@settings(max_examples=300, deadline=None)  # the first call compiles
def test_passes_match_the_reference(s: ShapeArrays, x: float, y: float, near: float) -> None:
    got = passes(*s, x, y, near)
    want = _passes_reference(s, x, y, near)
    assert len(got) == len(want)
    assert np.allclose(got, want, rtol=1e-9, atol=1e-6)


def test_a_loop_passes_the_same_place_twice() -> None:
    xs, ys = np.array([0.0, 200.0, 200.0, 0.0]), np.array([0.0, 0.0, 10.0, 10.0])
    d = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(xs), np.diff(ys)))])
    got = passes(*ShapeArrays.of(xs, ys, d), 100.0, 5.0, 30.0)
    assert np.allclose(got, [100.0, 310.0])


@given(
    st.floats(-100.0, 3000.0),
    arrays(np.float64, 6, elements=st.floats(0.0, 2000.0)).map(np.sort),
    arrays(np.int64, 6, elements=st.integers(0, 86_400)).map(np.sort),
)
@settings(deadline=None)
def test_time_at_is_numpys_interpolation(dist: float, stop_dist: np.ndarray, t: np.ndarray) -> None:
    assert time_at(dist, stop_dist, t) == np.interp(dist, stop_dist, t.astype(np.float64))


def _arrivals_reference(
    begin: float,
    frac: float,
    k0: int,
    expected: np.ndarray,
    ratio: np.ndarray,
    segs: np.ndarray,
    factor: np.ndarray,
    dwell_base: np.ndarray,
    dwell_off: np.ndarray,
    stops: np.ndarray,
    waits: np.ndarray,
    departures: np.ndarray,
    held: float,
) -> np.ndarray:
    runs = expected[k0 - 1 :] * ratio[segs[k0 - 1 :]]
    if len(factor):
        runs = runs * factor[: len(runs)]
    runs[0] *= frac
    dwells = dwell_base[k0:-1] + dwell_off[stops[k0:-1]]
    arrive = begin + np.cumsum(runs + np.concatenate([[0.0], dwells]))
    if not len(waits):
        return arrive
    leave = arrive.copy()
    leave[:-1] += dwells
    early = np.where(waits[k0:], departures[k0:] - leave, 0.0)
    shift = np.maximum.accumulate(np.maximum(early, 0.0)) * held
    out = arrive.copy()
    out[1:] += shift[:-1]
    return out


@st.composite
def trips(draw: st.DrawFn) -> tuple[object, ...]:
    n = draw(st.integers(2, 12))
    n_seg, n_stop = 15, 20
    k0 = draw(st.integers(1, n - 1))
    positive = st.floats(0.0, 600.0)
    expected = np.array(draw(st.lists(positive, min_size=n - 1, max_size=n - 1)))
    ratio = np.array(draw(st.lists(st.floats(0.3, 3.0), min_size=n_seg, max_size=n_seg)))
    segs = np.array(draw(st.lists(st.integers(0, n_seg - 1), min_size=n - 1, max_size=n - 1)))
    factor = (
        np.array(draw(st.lists(st.floats(0.5, 2.0), min_size=n, max_size=n + 3)))
        if draw(st.booleans())
        else NO_FACTOR
    )
    base = np.array(draw(st.lists(st.floats(0.0, 90.0), min_size=n, max_size=n)))
    off = np.array(draw(st.lists(st.floats(-10.0, 30.0), min_size=n_stop, max_size=n_stop)))
    stops = np.array(draw(st.lists(st.integers(0, n_stop - 1), min_size=n, max_size=n)))
    waits = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))) if draw(
        st.booleans()
    ) else NO_WAITS  # fmt: skip
    departures = np.sort(np.array(draw(st.lists(st.integers(0, 9000), min_size=n, max_size=n))))
    held = draw(st.floats(0.0, 1.0))
    begin, frac = draw(st.floats(0.0, 3600.0)), draw(st.floats(0.0, 1.0))
    return (
        begin, frac, k0, expected, ratio, segs, factor, base, off, stops, waits, departures, held
    )  # fmt: skip


@given(trips())
@settings(max_examples=300, deadline=None)  # the first call compiles
def test_arrivals_ahead_match_the_numpy_reference(trip: tuple[object, ...]) -> None:
    got = arrivals_ahead(*trip)  # type: ignore[arg-type]
    want = _arrivals_reference(*trip)  # type: ignore[arg-type]
    assert got.shape == want.shape
    assert np.allclose(got, want, rtol=1e-12, atol=1e-6)


@given(
    arrays(np.float64, 6, elements=st.floats(0, 900)),
    arrays(np.float64, 6, elements=st.floats(0, 120)),
    arrays(np.int64, 6, elements=st.integers(0, 8000)),
    arrays(np.bool_, 6),
)
@settings(deadline=None)
def test_waiting_never_brings_a_call_earlier_and_leaves_no_timepoint_early(
    runs: np.ndarray, dwell: np.ndarray, sched: np.ndarray, waits: np.ndarray
) -> None:
    """Six calls ahead (k0 = 1 of a 7-call trip): the same trip with and without its
    timepoints."""
    stops, segs = np.arange(7), np.arange(6)
    dwell7 = np.append(dwell, 0.0)
    departures = np.append(0, sched)
    common = (runs, np.ones(6), segs, NO_FACTOR, dwell7, np.zeros(7), stops)
    free = arrivals_ahead(0.0, 1.0, 1, *common, NO_WAITS, departures, 1.0)
    waits7 = np.append(False, waits)
    out = arrivals_ahead(0.0, 1.0, 1, *common, waits7, departures, 1.0)
    assert np.all(out >= free - 1e-6)
    assert np.all(np.diff(out - free) >= -1e-6)  # a wait delays everything after it
    for j in np.flatnonzero(waits)[:-1]:
        leave = max(out[j] + dwell7[j + 1], sched[j])  # it leaves then at the earliest
        assert out[j + 1] >= leave + runs[j + 1] - 1e-6


def test_an_early_bus_waits_at_a_timepoint_by_the_lines_held_share() -> None:
    """100 s a segment, no dwell; due to leave the second call ahead at 1000 s but there
    at 200 s: the calls after it come 800 s later, or 400 s where drivers wait away half
    their earliness."""
    stops, segs = np.arange(5), np.arange(4)
    waits = np.array([False, False, True, False, False])
    departures = np.array([0, 100, 1000, 1100, 1200])
    no_dwell = np.zeros(5)
    args = (np.full(4, 100.0), np.ones(4), segs, NO_FACTOR, no_dwell, no_dwell, stops, waits)
    args = (*args, departures)
    assert arrivals_ahead(0.0, 1.0, 1, *args, 1.0).tolist() == [100.0, 200.0, 1100.0, 1200.0]
    assert arrivals_ahead(0.0, 1.0, 1, *args, 0.5).tolist() == [100.0, 200.0, 700.0, 800.0]
    assert arrivals_ahead(50.0, 0.5, 2, *args, 1.0).tolist() == [100.0, 1100.0, 1200.0]
