"""Running times and dwells learnt from past days, and the predictor starting from them."""

from __future__ import annotations

import datetime as dt
import itertools

import polars as pl
import pytest

from busbrain.realtime.fixes import Fix
from busbrain.realtime.learnt import BAND_S, Learnt, band_of, same_kind
from busbrain.realtime.predict import SegmentPredictor
from busbrain.realtime.replay import replay
from busbrain.realtime.rtnet import RtNetwork
from busbrain.realtime.tracker import StopEvent
from busbrain.runner.learning import from_store_frame, learn
from tests.realtime.handmade import Motion, sample
from tests.realtime.test_tracker import EAST, EVERY_STOP, LINE_D, START, two_way_line

UTC8 = dt.timezone(dt.timedelta(hours=8))
MIDNIGHT = dt.datetime(2026, 12, 1, tzinfo=UTC8).timestamp()


def runs(day: int, trip: str, leave_h: float, run_s: float, dwell_s: float) -> pl.DataFrame:
    """One run over stops A, B, C: leaving A at `leave_h` local, `run_s` per segment."""
    t0 = MIDNIGHT + leave_h * 3600
    arr = [t0, t0 + run_s, t0 + 2 * run_s + dwell_s]
    dep = [t0, arr[1] + dwell_s, arr[2]]
    return pl.DataFrame(
        {
            "day": [day] * 3,
            "trip_id": [trip] * 3,
            "vehicle_id": ["V1"] * 3,
            "stop_sequence": [1, 2, 3],
            "stop_id": ["A", "B", "C"],
            "arrival": arr,
            "departure": dep,
        }
    )


def test_medians_by_segment_and_half_hour() -> None:
    morning = [runs(d, "T1", 7.6, run, 20.0) for d, run in enumerate((100, 110, 300))]
    noon = [runs(d, "T2", 12.1, 80.0, 10.0) for d in range(3)]
    got = learn(pl.concat(morning + noon), UTC8)
    peak = band_of(7.6 * 3600)
    assert got.run_s("A", "B", peak) == 110.0  # the median: one incident does not count
    assert got.run_s("B", "C", peak) == 110.0
    assert got.run_s("A", "B", band_of(12.1 * 3600)) == 80.0
    assert got.run_s("A", "B", band_of(9 * 3600)) is None  # no runs then
    assert got.run_s("C", "A", peak) is None
    assert got.dwells == {"B": 15.0}  # (20, 20, 20, 10, 10, 10): C and A are ends
    assert got.dwell_s("B", peak) == pytest.approx(20.0)  # and by the half hour
    assert got.dwell_s("B", band_of(12.1 * 3600)) == pytest.approx(10.0)
    assert got.dwell_s("B", band_of(9 * 3600)) == 15.0  # no stops then: the whole day's
    assert got.days == 3 and got.run_count == 12


def test_too_few_runs_or_a_gap_teach_nothing() -> None:
    two = pl.concat([runs(d, "T1", 8.0, 100, 20.0) for d in range(2)])
    assert learn(two, UTC8).run_s("A", "B", band_of(8 * 3600)) is None
    gappy = pl.concat([runs(d, "T1", 8.0, 100, 20.0) for d in range(3)]).filter(
        pl.col("stop_id") != "B"
    )
    assert learn(gappy, UTC8).runs == {}  # A to C is not a segment
    assert learn(gappy.clear(), UTC8) == Learnt({}, {}, 0, 0)


def test_the_store_frame_reads_as_events() -> None:
    frame = pl.DataFrame(
        {
            "service_date": [dt.date(2026, 12, 1)],
            "route_id": ["R1"],
            "trip_id": ["T1"],
            "stop_sequence": [2],
            "stop_id": ["B"],
            "vehicle_id": ["V1"],
            "arrival_utc": [dt.datetime(2026, 12, 1, 0, 0, 10, tzinfo=dt.UTC)],
            "departure_utc": [dt.datetime(2026, 12, 1, 0, 0, 40, tzinfo=dt.UTC)],
        }
    )
    row = from_store_frame(frame).row(0, named=True)
    assert row["arrival"] == dt.datetime(2026, 12, 1, 0, 0, 10, tzinfo=dt.UTC).timestamp()
    assert row["departure"] - row["arrival"] == 30.0


def test_kinds_of_day() -> None:
    mon, fri, sat, sun = (dt.date(2026, 11, 30) + dt.timedelta(days=i) for i in (0, 4, 5, 6))
    assert same_kind(mon, fri) and not same_kind(fri, sat) and not same_kind(sat, sun)
    assert same_kind(sun, sun + dt.timedelta(days=7))


def _one_trip() -> tuple[RtNetwork, list[Fix]]:
    """Trip D0 east and the first 70 s of a bus's fixes running it."""
    m = Motion(START, EVERY_STOP)
    b = two_way_line()
    b.trip("D0", "P0", m.schedule(LINE_D))
    return b.build(), sample("bus", EAST, m, START - 30.0, START + 40.0)


def _last_prediction(rt: RtNetwork, fixes: list[Fix], learnt: Learnt | None) -> list[float]:
    """Our method's last prediction from S1 on (made after the bus left W)."""
    p = SegmentPredictor(rt, ("kalman",), learnt=learnt)
    made = [x for x in replay(rt, fixes, predictor=p).predictions if x.k0 == 1]
    made = [x for x in made if x.made_at > START + 10.0]
    return [float(t) for t in made[-1].times]


@pytest.mark.parametrize("slower", [1.5, 0.7])
def test_the_predictor_starts_from_what_was_learnt(slower: float) -> None:
    """Before any bus has driven today, our method predicts the learnt running times."""
    rt, fixes = _one_trip()
    ids, stops = rt.net.stop_ids, rt.net.patterns[0].stops
    trip = rt.net.trips[0]
    planned = [float(trip.arrival_s[k + 1] - trip.departure_s[k]) for k in range(4)]
    band = [None] * (86400 // BAND_S)
    learnt_runs = {}
    for k in range(4):
        row = list(band)
        row[band_of(float(trip.departure_s[k]))] = planned[k] * slower
        learnt_runs[(ids[int(stops[k])], ids[int(stops[k + 1])])] = row
    learnt = Learnt(learnt_runs, {}, 3, 12)
    plain = _last_prediction(rt, fixes, None)
    taught = _last_prediction(rt, fixes, learnt)
    # Call i+1 follows call i by segment i+1's run (and the dwell, the same in both).
    steps = [b - a for a, b in itertools.pairwise(taught)]
    plain_steps = [b - a for a, b in itertools.pairwise(plain)]
    longer = [t - p for p, t in zip(plain_steps, steps, strict=True)]
    assert longer == pytest.approx([planned[k] * (slower - 1) for k in (1, 2, 3)], abs=1.0)
    assert (taught[-1] - plain[-1] > 30) == (slower > 1)


def test_the_predictor_expects_the_dwell_learnt_for_the_half_hour() -> None:
    """Past days stood 60 s at S2 in the band the trip calls there (10 s at other
    hours): before any bus has stood there today, the calls after S2 come 60 s after
    the one before S2 plus the runs, not 10 s (nor the prior's 8 s)."""
    rt, fixes = _one_trip()
    trip, s2 = rt.net.trips[0], rt.net.stop_ids[int(rt.net.patterns[0].stops[2])]
    bands: list[float | None] = [10.0] * (86400 // BAND_S)
    bands[band_of(float(trip.arrival_s[2]))] = 60.0
    whole_day = _last_prediction(rt, fixes, Learnt({}, {s2: 10.0}, 3, 12))
    by_band = _last_prediction(rt, fixes, Learnt({}, {s2: 10.0}, 3, 12, {s2: bands}))
    later = [b - a for a, b in zip(whole_day, by_band, strict=True)]
    assert later == pytest.approx([0.0, 0.0, 50.0, 50.0], abs=1e-6)  # S1, S2, then S3, E


def chain(day: int, trip: str, leave_h: float, runs_s: list[float]) -> pl.DataFrame:
    """One run over stops A, B, C, ... (one more than `runs_s`), no dwell."""
    stops = "ABCDEFG"[: len(runs_s) + 1]
    times = [MIDNIGHT + leave_h * 3600 + sum(runs_s[:i]) for i in range(len(stops))]
    return pl.DataFrame(
        {
            "day": [day] * len(stops),
            "trip_id": [trip] * len(stops),
            "vehicle_id": ["V1"] * len(stops),
            "stop_sequence": list(range(1, len(stops) + 1)),
            "stop_id": list(stops),
            "arrival": times,
            "departure": times,
        }
    )


def test_a_band_of_few_runs_is_shrunk_towards_the_networks_time_of_day_shape() -> None:
    """Ten days of runs at 08:00 (everything 20 % slower) and noon; one run at 15:00
    that was slow on C-D only; and A-B alone driven at 17:00."""
    from busbrain.runner.learning import SHRINK_RUNS

    days = range(10)
    frames = [chain(d, f"M{d}", 8.0, [120.0, 120.0, 120.0]) for d in days]
    frames += [chain(d, f"N{d}", 12.0, [100.0, 100.0, 100.0]) for d in days]
    frames += [chain(0, "X", 15.0, [100.0, 100.0, 400.0])]
    frames += [chain(d, f"E{d}", 17.0, [90.0]) for d in days]
    got = learn(pl.concat(frames), UTC8)
    # A band with many runs keeps its own median.
    assert got.run_s("A", "B", band_of(8 * 3600)) == pytest.approx(120.0, abs=1.0)
    # C-D's one slow run at 15:00 moves the estimate only by its weight, 1 / (1 + SHRINK_RUNS).
    day_median = 120.0  # C-D's whole day: 10 runs of 100 s, 10 of 120 s and one of 400 s
    w = 1 / (1 + SHRINK_RUNS)
    assert got.run_s("C", "D", band_of(15 * 3600)) == pytest.approx(
        w * 400.0 + (1 - w) * day_median
    )
    # Nobody drove C-D at 17:00: C-D's day times the network's 17:00 shape (A-B's 90 s
    # against its whole-day median of 100 s).
    assert got.run_s("C", "D", band_of(17 * 3600)) == pytest.approx(day_median * 0.9)
    assert got.run_s("A", "B", band_of(3 * 3600)) is None  # no bus at all then


def test_started_from_learnt_times_the_segments_forget_todays_runs_more_slowly() -> None:
    """Learnt times hold the hours' shape, so what today's buses teach (how today differs)
    keeps: three hours after a slow run, a normal one pulls the estimate back less than it
    does in a predictor started from the timetable, which must follow the peaks."""
    b = two_way_line()
    b.trip("D0", "P0", Motion(START, EVERY_STOP).schedule(LINE_D))
    rt = b.build()
    ids, stops, trip = rt.net.stop_ids, rt.net.patterns[0].stops, rt.net.trips[0]
    planned = float(trip.arrival_s[1] - trip.departure_s[0])
    learnt = Learnt({(ids[int(stops[0])], ids[int(stops[1])]): [planned] * 48}, {}, 3, 12)
    plain = SegmentPredictor(rt, ("kalman",))
    taught = SegmentPredictor(rt, ("kalman",), learnt=learnt)
    for p in (plain, taught):
        for bus, t0, run in (("v1", START, 1.5 * planned), ("v2", START + 3 * 3600.0, planned)):
            p.observe(StopEvent(bus, 0, 0, t0, t0, True))
            p.observe(StopEvent(bus, 0, 1, t0 + run, t0 + run + 10.0, True))
    assert taught.ratio[0] > 1.1 > plain.ratio[0] > 1.0, (taught.ratio[0], plain.ratio[0])
