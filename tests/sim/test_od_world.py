"""OD inference on a simulated day whose truth is known: fare batches and AVL positions
as the simulator delivers them, through the store, scored against who rode where."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import polars as pl
import pytest

from busbrain.network_io.terminals_csv import read_terminals
from busbrain.planning.jobs.od import run_od
from busbrain.planning.jobs.od_report import write_report
from busbrain.planning.jobs.taps import TapLoader
from busbrain.planning.od.score import score_od
from busbrain.realtime.replay import replay
from busbrain.realtime.rtnet import RtNetwork
from busbrain.runner.files import read_positions, stop_event_records
from busbrain.sim.truth import write_outputs
from busbrain.sim.world import World
from busbrain.wiring import Store, open_store
from tests.sim.conftest import DAY

NOW = dt.datetime(2026, 12, 2, 4, 0, tzinfo=dt.UTC)


@pytest.mark.slow
def test_od_inference_meets_its_accuracy_goals(
    world: World, demo_store: Store, tmp_path: Path
) -> None:
    out = tmp_path / "sim"
    write_outputs(world, out)
    # A store of our own with the demo network in it.
    db = tmp_path / "od.db"
    src = sqlite3.connect(str(demo_store.engine.url.database))
    with sqlite3.connect(str(db)) as dst:
        src.backup(dst)
    src.close()
    store = open_store(f"sqlite:///{db}")
    try:
        records, notices = read_terminals(out / "terminals.csv")
        assert not notices
        store.terminals.upsert_terminals(records)
        rt = RtNetwork.build(world.net, world.day_start_unix)
        fixes, _ = read_positions(out / "observed" / "positions.csv")
        events = replay(rt, fixes).events
        store.history.add_stop_events(stop_event_records(events, rt, DAY, NOW))
        loader = TapLoader(store, bytes(32), now=lambda: NOW)
        for path in sorted((out / "fares").glob("*.csv")):
            report, _ = loader.load_bytes(path.read_bytes(), path.name)
            assert report.error is None
        result, inputs = run_od(store, DAY, DAY, tmp_path / "od")
        write_report(tmp_path / "od" / "report.html", result, inputs, store.queries)
    finally:
        store.close()
    rides = result.rides.join(inputs.tap_keys, on="tap_id")
    truth = pl.read_parquet(out / "truth" / "rides.parquet")
    score = score_od(
        rides, truth, result.segment_loads, pl.read_parquet(out / "truth" / "segment_loads.parquet")
    )
    assert score["rides"] == truth.height > 1000
    assert score["boarding_rate"] >= 0.98
    assert score["boarding_exact"] >= 0.95
    assert score["alighting_rate"] >= 0.75  # three lines of the city: fewer rides chain
    assert score["alighting_exact"] >= 0.80
    assert score["transfer_f1"] >= 0.85
    assert score["load_mae_share"] <= 0.15
