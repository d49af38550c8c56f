"""Properties of the quality rules on generated tracks and arbitrary numbers."""

from __future__ import annotations

import copy

from hypothesis import assume, example, given
from hypothesis import strategies as st

from busbrain.domain.geo import haversine_m
from busbrain.realtime.fixes import Fix
from busbrain.realtime.quality import QualityState, Verdict, check, gps_jump, impossible_speed
from busbrain.realtime.quality.model import (
    DUPLICATE_MEMORY_FIXES,
    SKEW_WINDOW_FIXES,
    Context,
)
from tests.realtime.quality_helpers import LAT0, LON0, T0, destination

finite = st.floats(allow_nan=False, allow_infinity=False)
# Arbitrary finite numbers, and numbers near a city and a time so the rules get to work.
lats = st.one_of(finite, st.floats(LAT0 - 0.05, LAT0 + 0.05), st.sampled_from([0.0, 90.0]))
lons = st.one_of(finite, st.floats(LON0 - 0.05, LON0 + 0.05), st.sampled_from([0.0, -180.0]))
times = st.one_of(finite, st.floats(T0, T0 + 3600))
fixes = st.builds(
    Fix,
    vehicle_id=st.just("bus-1"),
    t=times,
    lat=lats,
    lon=lons,
    received=st.none() | times,
    speed_kmh=st.none() | finite,
    heading=st.none() | finite,
    trip_id=st.none() | st.just("trip-1"),
    valid=st.booleans(),
    blind_area=st.booleans(),
)
valid_fixes = st.builds(
    Fix,
    vehicle_id=st.just("bus-1"),
    t=times,
    lat=st.floats(-90, 90),
    lon=st.floats(-180, 180),
    received=st.none() | times,
    speed_kmh=st.none() | st.floats(0, 120),
    blind_area=st.booleans(),
)


def feed(history: list[Fix], now: float) -> QualityState | None:
    state: QualityState | None = None
    for f in history:
        state = check(state, f, now)[0]
    return state


@given(
    lat=st.floats(-60, 60),
    lon=st.floats(-180, 180),
    bearing=st.floats(0, 360),
    steps=st.lists(st.tuples(st.floats(1, 30), st.floats(0, 60)), min_size=1, max_size=60),
)
def test_clean_track_is_all_kept_without_notices(
    lat: float, lon: float, bearing: float, steps: list[tuple[float, float]]
) -> None:
    """A bus at 0-60 km/h along a great circle, fixes 1-30 s apart, received at once."""
    t, dist_m = T0, 0.0
    track = [Fix("bus-1", t, lat, lon, t, speed_kmh=0.0)]
    for dt, kmh in steps:
        t += dt
        dist_m += kmh / 3.6 * dt
        plat, plon = destination(lat, lon, bearing, dist_m)
        track.append(Fix("bus-1", t, plat, plon, t, speed_kmh=kmh))
    assume(all((f.lat, f.lon) != (0.0, 0.0) for f in track))
    state: QualityState | None = None
    for f in track:
        state, verdict, notices = check(state, f, f.t)
        assert verdict is Verdict.KEEP
        assert notices == ()
    assert state is not None
    assert state.last == track[-1]
    assert state.skew_s == 0.0


@given(history=st.lists(fixes, max_size=12), new=fixes, now=finite, lateness=finite)
def test_check_never_raises_nor_mutates_its_state(
    history: list[Fix], new: Fix, now: float, lateness: float
) -> None:
    state = feed(history, now)
    before = copy.deepcopy(state)
    after, verdict, notices = check(state, new, now, lateness_s=lateness)
    assert state == before
    assert verdict in (Verdict.KEEP, Verdict.DROP)
    assert len(after.recent_keys) <= DUPLICATE_MEMORY_FIXES
    assert len(after.skews) <= SKEW_WINDOW_FIXES
    if verdict is Verdict.DROP:
        assert notices
        assert after is state or (state is None and after == QualityState("bus-1"))
    for n in notices:
        assert n.message and n.field and n.value is not None
        n.render()


any_float = st.floats()


@given(
    t=any_float,
    lat=any_float,
    lon=any_float,
    received=st.none() | any_float,
    speed=st.none() | any_float,
    now=any_float,
    lateness=any_float,
    history=st.lists(fixes, max_size=6),
)
def test_check_never_raises_even_on_nan_and_infinity(
    t: float,
    lat: float,
    lon: float,
    received: float | None,
    speed: float | None,
    now: float,
    lateness: float,
    history: list[Fix],
) -> None:
    state = feed(history, T0)
    new = Fix("bus-1", t, lat, lon, received, speed_kmh=speed)
    check(state, new, now, lateness_s=lateness)


@given(f=valid_fixes, now=finite)
def test_a_fix_fed_twice_is_dropped_as_duplicate(f: Fix, now: float) -> None:
    assume((f.lat, f.lon) != (0.0, 0.0))
    state, verdict, _ = check(None, f, now)
    assert verdict is Verdict.KEEP
    again, verdict, notices = check(state, f, now)
    assert verdict is Verdict.DROP
    assert [n.code for n in notices] == ["duplicate_fix"]
    assert again is state


@given(history=st.lists(fixes, max_size=12), f=valid_fixes, now=finite)
def test_a_kept_fix_fed_again_after_any_history_is_a_duplicate(
    history: list[Fix], f: Fix, now: float
) -> None:
    state, verdict, _ = check(feed(history, now), f, now)
    assume(verdict is Verdict.KEEP)
    _, verdict, notices = check(state, f, now)
    assert verdict is Verdict.DROP
    assert [n.code for n in notices] == ["duplicate_fix"]


@given(
    lat=st.floats(-70.0, 70.0),
    lon=st.floats(-179.0, 179.0),
    dlat=st.floats(-0.006, 0.006),
    dlon=st.floats(-0.006, 0.006),
    dt=st.sampled_from([0.0, 1.0, 5.0, 7.0, 8.0, 10.0, 12.0, 30.0, 60.0]),
    speed=st.floats(0.0, 60.0),
)
@example(lat=0.0, lon=0.0, dlat=0.0039, dlon=0.0039, dt=8.0, speed=0.0)  # 276 km/h
@example(lat=0.0, lon=0.0, dlat=0.0034, dlon=0.0034, dt=60.0, speed=0.0)  # a 535 m jump
def test_distance_rules_judge_as_the_great_circle_says(
    lat: float, lon: float, dlat: float, dlon: float, dt: float, speed: float
) -> None:
    """impossible_speed and gps_jump skip the great-circle distance for fixes plainly
    near each other: their verdicts are still exactly the definitions' (150 km/h
    average, 30 m at the same time; a jump over 500 m and over 3 × speed × dt + 200 m)."""
    prev = Fix("bus", 1000.0, lat, lon, speed_kmh=speed)
    nxt = Fix("bus", 1000.0 + dt, lat + dlat, lon + dlon, speed_kmh=speed)
    state = QualityState("bus").accept(prev)
    ctx = Context(now=1000.0 + dt, lateness_s=30.0)
    dist = haversine_m(lat, lon, lat + dlat, lon + dlon)
    too_fast = dist > 30.0 if dt == 0.0 else dist / dt * 3.6 > 150.0
    assert (impossible_speed.check(state, nxt, ctx) is not None) == too_fast
    jump = dt > 0.0 and dist > 500.0 and dist > 3.0 * speed / 3.6 * dt + 200.0
    assert (gps_jump.check(state, nxt, ctx) is not None) == jump
