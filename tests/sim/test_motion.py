"""Motion knots: time runs forward, the bus never backs up, and it ends at the stop."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from busbrain.sim.motion import drive
from busbrain.sim.traffic import SegmentRun

holds = st.lists(st.tuples(st.floats(0.05, 0.95), st.floats(0.0, 600.0), st.booleans()), max_size=4)


@given(
    length=st.floats(20.0, 5000.0),
    moving=st.floats(2.0, 1200.0),
    holds=holds,
    start_still=st.booleans(),
    end_still=st.booleans(),
    decel=st.floats(0.8, 5.0),
    speed_factor=st.floats(0.8, 1.3),
)
def test_knots_are_monotone_and_end_at_the_next_stop(
    length: float,
    moving: float,
    holds: list[tuple[float, float, bool]],
    start_still: bool,
    end_still: bool,
    decel: float,
    speed_factor: float,
) -> None:
    spots = sorted({round(f * length, 3) for f, _, _ in holds})
    run = SegmentRun(
        moving, tuple((d, h, inc) for d, (_, h, inc) in zip(spots, holds, strict=False))
    )
    ts, ds, v = drive(
        100.0,
        50.0,
        length,
        run,
        start_still=start_still,
        end_still=end_still,
        decel=decel,
        speed_factor=speed_factor,
    )
    assert v > 0
    assert ts[0] >= 100.0 and ds[0] >= 50.0
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(ts))
    assert all(b >= a - 1e-6 for a, b in itertools.pairwise(ds))
    assert abs(ds[-1] - (50.0 + length)) < 1e-6
    assert ts[-1] - 100.0 >= sum(h for _, h, _ in run.holds)
