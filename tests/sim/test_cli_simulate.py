"""`busbrain simulate` and `busbrain capture replay` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from busbrain.cli import app
from busbrain.sim.capture import read_capture
from tests.tinyfeed import TinyFeed

runner = CliRunner()


def _store(tmp_path: Path, tiny: TinyFeed) -> str:
    db = f"sqlite:///{tmp_path / 'city.db'}"
    result = runner.invoke(app, ["--db", db, "gtfs", "import", str(tiny.folder())])
    assert result.exit_code == 0, result.output
    return db


def test_simulate_writes_truth_and_a_capture(tmp_path: Path, tiny: TinyFeed) -> None:
    db = _store(tmp_path, tiny)
    out = tmp_path / "out"
    cap = tmp_path / "day.bbcap"
    args = ["--db", db, "simulate", "--date", "2026-06-01", "--out", str(out)]
    result = runner.invoke(app, [*args, "--capture", str(cap), "--seed", "3"])
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "scenario.json").read_text(encoding="utf-8"))
    assert meta["service_date"] == "2026-06-01" and meta["buses"] == 2
    visits = pl.read_parquet(out / "truth" / "stop_visits.parquet")
    assert set(visits["trip_id"]) == {"T1", "T2", "T3", "T4"}
    header, records = read_capture(cap)
    assert len(header["terminals"]) == 2 and sum(1 for _ in records) > 100
    listed = runner.invoke(app, ["--db", db, "simulate", "--date", "2026-06-06"])
    assert listed.exit_code == 2 and "no trips run on 2026-06-06" in listed.output


def test_simulate_refuses_bad_options(tmp_path: Path, tiny: TinyFeed) -> None:
    db = _store(tmp_path, tiny)
    for bad, says in (
        (["--date", "June 1"], "--date"),
        (["--faults", "some"], "--faults"),
        (["--gateway", "nohost"], "HOST:PORT"),
        (["--date", "2026-06-01", "--from", "7h"], "HH:MM"),
    ):
        result = runner.invoke(app, ["--db", db, "simulate", *bad, "--out", str(tmp_path / "o")])
        assert result.exit_code == 2, (bad, result.output)
        assert says in result.output


def test_simulate_on_an_empty_store_says_so(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'empty.db'}"
    result = runner.invoke(app, ["--db", db, "simulate", "--date", "2026-06-01"])
    assert result.exit_code == 2
    assert "import a GTFS feed first" in " ".join(result.output.split())


def test_capture_replay_refuses_a_missing_file(tmp_path: Path) -> None:
    args = ["capture", "replay", str(tmp_path / "none.bbcap"), "--gateway", "127.0.0.1:1"]
    result = runner.invoke(app, args)
    said = " ".join(result.output.split())  # rich wraps long lines (long tmp paths)
    assert result.exit_code == 2 and "no such capture file" in said
