"""Departure times: even headways with gradual transitions, and even loads."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from busbrain.planning.timetable.departures import even_headways, even_loads

H = 3600.0


def test_even_headways_follow_each_period_and_change_gradually() -> None:
    # 06-07 two trips an hour, 07-08 six.
    times = even_headways(
        [6 * H, 7 * H], [7 * H, 8 * H], [2, 6], 6 * H, 8 * H, min_headway_s=120, max_headway_s=3600
    )
    assert times[0] == 6 * H and times[-1] == 8 * H
    gaps = np.diff(times)
    assert len(times) == 9  # 8 intervals
    assert gaps[0] == pytest.approx(1800) and gaps[-1] == pytest.approx(600)
    assert np.all(np.diff(gaps) <= 1e-6)  # never longer again once shortening starts
    assert sum(1 for t in times if 7 * H <= t < 8 * H) == 6


def test_the_longest_headway_is_kept() -> None:
    times = even_headways(
        [6 * H], [10 * H], [1], 6 * H, 10 * H, min_headway_s=60, max_headway_s=1200
    )
    assert max(np.diff(times)) <= 1200 + 1e-6
    assert times[0] == 6 * H and times[-1] == 10 * H


def test_even_loads_give_each_bus_its_share_of_riders() -> None:
    # Observed: a bus every 10 minutes; 12 riders each before 08:00, 48 each after.
    obs_t = [6 * H + 600 * k for k in range(1, 25)]
    obs_q = [12.0 if t < 8 * H else 48.0 for t in obs_t]
    times = even_loads(
        obs_t, obs_q, [6 * H, 8 * H], [8 * H, 10 * H], [24.0, 24.0], 6 * H, 10 * H,
        min_headway_s=60, max_headway_s=3600,
    )  # fmt: skip
    gaps = np.diff(times)
    early = [g for t, g in zip(times[1:], gaps, strict=True) if t < 8 * H - 600]
    late = [g for t, g in zip(times[1:-1], gaps[:-1], strict=True) if t > 8 * H + 600]
    assert np.allclose(early, 1200, atol=1)  # 24 riders = two observed buses' worth
    assert np.allclose(late, 300, atol=1)  # half an observed bus's worth


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.integers(0, 30), min_size=1, max_size=6),
    st.integers(60, 450),
    st.integers(900, 3600),
)
def test_headways_stay_within_policy(trips: list[int], min_h: int, max_h: int) -> None:
    starts = [6 * H + k * H for k in range(len(trips))]
    ends = [s + H for s in starts]
    times = even_headways(
        starts, ends, trips, starts[0], ends[-1], min_headway_s=min_h, max_headway_s=max_h
    )
    gaps = np.diff(times)
    assert times[0] == starts[0] and times[-1] == ends[-1]
    assert np.all(gaps <= max_h + 1e-6)
    assert np.all(gaps >= min_h - 1e-6)
