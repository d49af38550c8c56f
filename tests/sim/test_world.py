"""The simulated day's ground truth is self-consistent and deterministic."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from busbrain.domain.daynet import DayNetwork
from busbrain.protocol.jt808.messages.location_flags import AlarmFlag
from busbrain.sim.scenario import FaultRates, Scenario
from busbrain.sim.terminals import location_at
from busbrain.sim.truth import rides_frame, visits_frame, write_outputs
from busbrain.sim.world import World, simulate_world
from tests.sim.conftest import DAY


@pytest.fixture(scope="module")
def outputs(world: World, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim-out")
    write_outputs(world, out)
    return out


def test_the_same_seed_gives_the_same_day(small_net: DayNetwork, day_start: float) -> None:
    a = simulate_world(small_net, Scenario(DAY, seed=3, demand=0.5), day_start)
    b = simulate_world(small_net, Scenario(DAY, seed=3, demand=0.5), day_start)
    c = simulate_world(small_net, Scenario(DAY, seed=4, demand=0.5), day_start)
    assert rides_frame(a).equals(rides_frame(b))
    assert visits_frame(a).equals(visits_frame(b))
    assert not visits_frame(a).equals(visits_frame(c))


def test_every_ride_boards_and_alights_on_its_trip_pattern(world: World) -> None:
    net = world.net
    assert len(world.day.rides) > 1000
    for ride in world.day.rides:
        trip = net.trips[ride.trip]
        stops = net.patterns[trip.pattern].stops
        assert stops[ride.board_k] == ride.board_pole
        assert ride.alight_k > ride.board_k, "everyone who boards gets off later"
        assert stops[ride.alight_k] == ride.alight_pole
        assert ride.alight > ride.tap


def test_taps_happen_while_the_bus_stands_at_the_stop(world: World) -> None:
    visits = {(v.bus, v.trip, v.k): v for v in world.day.visits}
    for ride in world.day.rides:
        v = visits[(ride.bus, ride.trip, ride.board_k)]
        assert v.stopped
        assert v.arrival - 1e-6 <= ride.tap <= v.departure + 1e-6


def test_loads_are_never_negative_nor_above_capacity_and_add_up(world: World) -> None:
    cap = world.scenario.capacity
    by_run: dict[tuple[int, int], list] = {}
    for v in world.day.visits:
        by_run.setdefault((v.bus, v.trip), []).append(v)
    assert any(v.load == cap for v in world.day.visits), "small buses fill up"
    assert world.day.denied > 0, "a full bus leaves people behind"
    for run in by_run.values():
        run.sort(key=lambda v: v.k)
        load = 0
        for v in run:
            load += v.boarded - v.alighted
            assert 0 <= v.load <= cap
            assert v.load == load
        assert run[-1].load == 0


def test_stop_times_are_ordered_along_each_trip(world: World) -> None:
    by_run: dict[tuple[int, int], list] = {}
    for v in world.day.visits:
        by_run.setdefault((v.bus, v.trip), []).append(v)
    for run in by_run.values():
        run.sort(key=lambda v: v.k)
        assert [v.k for v in run] == list(range(len(run))), "every call is visited once"
        for a, b in itertools.pairwise(run):
            assert a.arrival <= a.departure <= b.arrival


def test_every_stop_arrival_has_position_reports_around_it(outputs: Path, world: World) -> None:
    interval = world.scenario.report_interval_s
    pos = pl.read_parquet(outputs / "truth" / "positions.parquet")
    visits = pl.read_parquet(outputs / "truth" / "stop_visits.parquet")
    times = {vid: np.sort(g["time"].to_numpy()) for (vid,), g in pos.group_by("vehicle_id")}
    parked = world.scenario.parked_interval_s
    rows = visits.select("vehicle_id", "arrival_time", "stop_index").iter_rows()
    for vid, arrival, k_stop in rows:
        t = times[vid]
        k = np.searchsorted(t, arrival)
        assert 0 < k < len(t)
        # at a terminal the ignition may be off: reports every minute then
        gap = interval if k_stop > 0 else parked
        assert arrival - t[k - 1] <= gap and t[k] - arrival <= gap


def test_positions_follow_the_trip_shape_while_in_service(world: World) -> None:
    net = world.net
    obs = world.observed[0]
    tr = obs.track
    service = np.flatnonzero(tr.trip >= 0)
    assert len(service) > 100
    for i in service[::25]:
        pattern = net.patterns[net.trips[int(tr.trip[i])].pattern]
        x, y = pattern.xy_at(np.array([tr.dist[i]]))
        assert abs(x[0] - tr.x[i]) < 1e-6 and abs(y[0] - tr.y[i]) < 1e-6
    assert float(tr.speed.max()) * 3.6 < 90


def test_outputs_are_written_and_agree(outputs: Path, world: World) -> None:
    rides = pl.read_parquet(outputs / "truth" / "rides.parquet")
    assert rides.height == len(world.day.rides)
    assert rides["alight_stop_id"].null_count() == 0
    # a card belongs to one person; cash has no card
    cards = rides.filter(pl.col("card_id").is_not_null())
    assert cards.group_by("card_id").agg(pl.col("person_id").n_unique().alias("n"))["n"].max() == 1
    assert (
        rides.filter(pl.col("channel") == "cash")["card_id"].null_count()
        == rides.filter(pl.col("channel") == "cash").height
    )
    fares = pl.concat(
        [
            pl.read_csv(p, schema_overrides={"card_id": pl.String})
            for p in sorted((outputs / "fares").glob("*.csv"))
        ]
    )
    assert fares["txn_id"].n_unique() == rides.height
    assert fares.height >= rides.height
    loads = pl.read_parquet(outputs / "truth" / "segment_loads.parquet")
    assert loads["load"].min() >= 0 and loads["load"].max() <= world.scenario.capacity
    apc = pl.read_csv(outputs / "apc" / "door_counts.csv")
    boarded = int(apc["boarded"].sum())
    assert abs(boarded - rides.height) < 0.05 * rides.height, "the counter errs a little"
    terminals = pl.read_csv(outputs / "terminals.csv", schema_overrides={"phone": pl.String})
    assert terminals.height == len(world.terminals)
    observed = pl.read_csv(outputs / "observed" / "positions.csv")
    assert observed.columns == [
        "vehicle_id",
        "timestamp",
        "lat",
        "lon",
        "bearing",
        "speed",
        "received",
    ]
    alarms = pl.read_parquet(outputs / "truth" / "alarms.parquet")
    assert {"adas", "dms"} <= set(alarms["category"].unique())


def test_a_perfect_fleet_reports_exactly_the_truth(small_net: DayNetwork, day_start: float) -> None:
    sc = Scenario(DAY, seed=5, demand=0.2, faults=FaultRates.none())
    w = simulate_world(small_net, sc, day_start)
    for obs in w.observed[:5]:
        assert not obs.gaps and obs.clock_skew_s == 0
        assert (obs.delivery == 0).all() and (obs.fix == 1).all()
        assert (obs.device_faults == 0).all()
        lat, lon = w.net.frame.to_latlon(obs.track.x, obs.track.y)
        assert np.allclose(obs.lat, lat) and np.allclose(obs.lon, lon)


def test_heavy_faults_lose_links_skew_clocks_duplicate_and_break_devices(
    small_net: DayNetwork, day_start: float
) -> None:
    sc = Scenario(DAY, seed=5, demand=0.2, faults=FaultRates().scaled(3.0))
    w = simulate_world(small_net, sc, day_start)
    assert any(o.gaps for o in w.observed)
    assert any(o.clock_skew_s != 0 for o in w.observed)
    assert sum(int(o.duplicate.sum()) for o in w.observed) > 0
    assert any((o.fix == 0).any() for o in w.observed)
    assert any((o.delivery == 1).any() for o in w.observed)
    camera, antenna = int(AlarmFlag.CAMERA_FAULT), int(AlarmFlag.GNSS_ANTENNA_DISCONNECTED)
    assert any((o.device_faults & camera).any() for o in w.observed)
    assert any((o.device_faults & antenna).any() for o in w.observed)
    for o in w.observed:  # the antenna is cut only while there is no fix
        assert (o.fix[(o.device_faults & antenna) != 0] == 0).all()
    k, o = next((k, o) for k, o in enumerate(w.observed) if (o.device_faults & camera).any())
    i = int(np.flatnonzero(o.device_faults & camera)[0])
    loc = location_at(o, w.terminals[k], w.day_start_unix, sc.speed_limit_kmh, i)
    assert loc.alarm_flags & camera


def test_more_demand_means_more_riders_and_longer_dwells(
    small_net: DayNetwork, day_start: float
) -> None:
    low = simulate_world(small_net, Scenario(DAY, seed=9, demand=0.3), day_start)
    high = dataclasses.replace(Scenario(DAY, seed=9, demand=1.5))
    hi = simulate_world(small_net, high, day_start)
    assert len(hi.day.rides) > 3 * len(low.day.rides)

    def dwell(w: World) -> float:
        return float(np.mean([v.departure - v.arrival for v in w.day.visits if v.k > 0]))

    assert dwell(hi) > dwell(low)


def _headway_errors(world: World, pattern: int, k: int) -> np.ndarray:
    """Actual minus scheduled gap (s) between consecutive buses leaving call k of
    `pattern`, in scheduled order, 07:00-19:00."""
    net = world.net
    rows = sorted(
        (float(net.trips[v.trip].departure_s[k]), v.departure)
        for v in world.day.visits
        if net.trips[v.trip].pattern == pattern
        and v.k == k
        and 7 * 3600 <= v.departure <= 19 * 3600
    )
    planned, actual = np.array(rows).T
    return np.diff(actual) - np.diff(planned)


def test_headways_spread_along_the_line_as_buses_bunch(world: World) -> None:
    """Buses leave the terminal on schedule; the gaps between them drift stop by stop."""
    net = world.net
    p = min(
        {net.trips[v.trip].pattern for v in world.day.visits if net.trips[v.trip].route_id == "1"}
    )
    last = len(net.patterns[p].stops) - 2
    spread_first = float(np.std(_headway_errors(world, p, 0)))
    assert float(np.std(_headway_errors(world, p, last))) > spread_first + 60.0


def test_peaks_run_slower_than_midday(world: World) -> None:
    """Mean speed between the first and last call, per trip, by departure hour."""
    runs: dict[int, list] = {}
    for v in world.day.visits:
        runs.setdefault((v.bus, v.trip), []).append(v)  # type: ignore[arg-type]
    speed: dict[str, list[float]] = {"peak": [], "midday": []}
    net = world.net
    for run in runs.values():
        run.sort(key=lambda v: v.k)
        trip = net.trips[run[0].trip]
        length = float(
            net.patterns[trip.pattern].stop_dist[-1] - net.patterns[trip.pattern].stop_dist[0]
        )
        hour = run[0].departure / 3600
        band = "peak" if 7.25 <= hour < 8.5 else "midday" if 10 <= hour < 11.5 else None
        if band:
            speed[band].append(length / (run[-1].arrival - run[0].departure))
    assert np.mean(speed["peak"]) < 0.93 * np.mean(speed["midday"])


def test_quiet_stops_are_passed_without_stopping(world: World) -> None:
    passed = [v for v in world.day.visits if not v.stopped]
    assert len(passed) > 100
    assert all(v.boarded == 0 and v.alighted == 0 and v.departure == v.arrival for v in passed)
    assert all(v.stopped for v in world.day.visits if v.boarded or v.alighted)
