"""From the command line: simulate a day, replay its positions into the store, load its
fare batches, infer OD; and the errors an operator meets on the way."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from busbrain.cli import app
from tests.tinyfeed import TinyFeed

runner = CliRunner()
DAY = "2026-06-01"  # a Monday


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_taps_and_avl_to_od_files_and_report(tmp_path: Path, tiny: TinyFeed) -> None:
    db = f"sqlite:///{tmp_path / 'city.db'}"
    env_key = "ab" * 32
    invoke("--db", db, "gtfs", "import", str(tiny.folder()))
    sim = tmp_path / "sim"
    invoke("--db", db, "simulate", "--date", DAY, "--out", str(sim), "--demand", "30")
    invoke("--db", db, "terminals", "import", str(sim / "terminals.csv"))
    out = invoke(
        "--db", db, "replay", "--positions", str(sim / "observed" / "positions.csv"),
        "--out", str(tmp_path / "replay"), "--to-store", "--no-predictions",
    )  # fmt: skip
    assert "stop events added to the store's history" in out
    result = runner.invoke(
        app,
        ["--db", db, "plan", "od", "--from", DAY, "--out", str(tmp_path / "od"),
         "--fares", str(sim / "fares")],
        env={"BUSBRAIN_CARD_KEY": env_key},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "taps added" in result.output and "with a boarding stop" in result.output
    od = tmp_path / "od"
    files = ["od_stop.csv", "od_zone.csv", "load_profile.csv", "max_load.csv", "transfers.csv"]
    for name in (*files, "segment_loads.parquet", "summary.json", "report.html"):
        assert (od / name).is_file(), name
    rides = pl.read_parquet(od / "rides" / f"service_date={DAY}" / "part-0.parquet")
    truth = pl.read_parquet(sim / "truth" / "rides.parquet")
    assert rides.height == truth.height
    m = truth.join(rides, on=["reader_id", "txn_id"])
    assert (m["board_stop_id"] == m["board_stop_id_right"]).mean() > 0.9  # type: ignore[operator]
    summary = json.loads((od / "summary.json").read_text(encoding="utf-8"))
    assert summary["taps"] == truth.height and summary["boarding_rate"] > 0.9
    assert "客流 OD 分析" in (od / "report.html").read_text(encoding="utf-8")
    # Loading the same batches again adds nothing.
    again = runner.invoke(
        app, ["--db", db, "taps", "load", str(sim / "fares"), "--json"],
        env={"BUSBRAIN_CARD_KEY": env_key},
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    assert '"added": 0' in again.output and '"added": 1' not in again.output


def test_plan_od_says_what_is_missing(tmp_path: Path, tiny: TinyFeed) -> None:
    db = f"sqlite:///{tmp_path / 'city.db'}"
    invoke("--db", db, "gtfs", "import", str(tiny.folder()))
    result = runner.invoke(app, ["--db", db, "plan", "od", "--from", DAY, "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "no fare taps stored for 2026-06-01" in " ".join(result.output.split())
    bad = runner.invoke(app, ["--db", db, "plan", "od", "--from", "June", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "--from 'June' must be YYYY-MM-DD" in bad.output


def test_taps_load_reports_a_bad_file_and_goes_on(tmp_path: Path, tiny: TinyFeed) -> None:
    db = f"sqlite:///{tmp_path / 'city.db'}"
    invoke("--db", db, "gtfs", "import", str(tiny.folder()))
    (tmp_path / "bad.csv").write_text("who,what\n1,2\n", encoding="utf-8")
    (tmp_path / "good.csv").write_text(
        "txn_id,reader_time,vehicle_id,reader_id,channel,card_id,fare_fen\n"
        "t1,2026-06-01T07:00:00+08:00,V1,R1,cash,,100\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        app,
        ["--db", db, "taps", "load", str(tmp_path / "bad.csv"), str(tmp_path / "good.csv"),
         "--rejects", str(tmp_path / "rejects.csv")],
        env={"BUSBRAIN_CARD_KEY_FILE": str(tmp_path / "key")},
    )  # fmt: skip
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "bad.csv: no column txn_id" in text and "(the header has: who, what)" in text
    assert "1 taps added" in text
    assert (tmp_path / "key").stat().st_mode & 0o777 == 0o600
    missing = runner.invoke(app, ["--db", db, "taps", "load", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2
    assert "nope.csv: no such file or folder" in " ".join(missing.output.split())


def test_from_load_profiles_to_a_new_timetable_that_runs(tmp_path: Path, tiny: TinyFeed) -> None:
    db = f"sqlite:///{tmp_path / 'city.db'}"
    key = {"BUSBRAIN_CARD_KEY": "cd" * 32}
    invoke("--db", db, "gtfs", "import", str(tiny.folder()))
    sim = tmp_path / "sim"
    invoke("--db", db, "simulate", "--date", DAY, "--out", str(sim), "--demand", "30")
    invoke("--db", db, "terminals", "import", str(sim / "terminals.csv"))
    invoke(
        "--db", db, "replay", "--positions", str(sim / "observed" / "positions.csv"),
        "--out", str(tmp_path / "replay"), "--to-store", "--no-predictions",
    )  # fmt: skip
    od = runner.invoke(
        app,
        ["--db", db, "plan", "od", "--from", DAY, "--out", str(tmp_path / "od"),
         "--fares", str(sim / "fares"), "--no-report"],
        env=key,
    )  # fmt: skip
    assert od.exit_code == 0, od.output
    plan = tmp_path / "plan"
    out = invoke(
        "--db", db, "plan", "timetable", "--od", str(tmp_path / "od"), "--out", str(plan),
        "--max-headway-min", "30", "--min-headway-min", "5",
    )  # fmt: skip
    assert "buses" in out and "trips" in out
    table = pl.read_csv(plan / "comparison.csv")
    assert set(table["timetable"]) == {"current", "new"}
    assert "车次计划" in (plan / "report.html").read_text(encoding="utf-8")
    # The new feed imports, has blocks for its new trips, and the simulator runs it.
    new_db = f"sqlite:///{tmp_path / 'new.db'}"
    invoke("--db", new_db, "gtfs", "import", str(plan / "timetable.zip"))
    import zipfile

    with zipfile.ZipFile(plan / "timetable.zip") as zf:
        trips = pl.read_csv(zf.read("trips.txt"), infer_schema=False)
    planned = trips.filter(pl.col("trip_id").str.contains("_P"))
    assert planned.height > 0 and planned["block_id"].null_count() == 0
    # Every 30 minutes or better from first to last bus, each direction of line R1.
    r1 = planned.filter(pl.col("route_id") == "R1")
    assert r1.height >= 2
    again = tmp_path / "sim2"
    invoke("--db", new_db, "simulate", "--date", DAY, "--out", str(again), "--demand", "30")
    visits = pl.read_parquet(again / "truth" / "stop_visits.parquet")
    assert set(visits["trip_id"]) & set(planned["trip_id"])
    # Without fare data, the passenger counters give the load profiles instead.
    loads = invoke(
        "--db", db, "plan", "loads", "--from", DAY, "--apc", str(sim / "apc"),
        "--out", str(tmp_path / "loads"),
    )  # fmt: skip
    assert "trip segments" in loads
    from_counts = pl.read_parquet(tmp_path / "loads" / "segment_loads.parquet")
    riders = pl.read_parquet(sim / "truth" / "rides.parquet").height
    assert from_counts["boardings"].sum() == pytest.approx(riders, rel=0.1)
    invoke(
        "--db", db, "plan", "timetable", "--od", str(tmp_path / "loads"),
        "--out", str(tmp_path / "plan2"), "--no-blocks",
    )  # fmt: skip
    assert (tmp_path / "plan2" / "timetable.zip").is_file()
    # And `plan blocks` on its own prints the fleet against its bounds.
    blocks = invoke("plan", "blocks", str(plan / "timetable.zip"), "--out", str(tmp_path / "b.zip"))
    assert "lower bound" in blocks


def test_plan_vsp_solves_a_small_benchmark_instance(shared: Path) -> None:
    path = shared / "data" / "vsp" / "mdvspjl-small"
    instance = sorted(path.glob("*.zip"))[0]
    best = pl.read_csv(shared / "data" / "vsp" / "best_known.csv")
    result = runner.invoke(app, ["plan", "vsp", str(instance), "--time-limit", "20"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    assert set(got) >= {"vehicles", "cost", "seconds"}
    name = instance.name.removesuffix(".zip").removesuffix(".inp")
    row = best.filter(pl.col(best.columns[0]) == name)
    assert row.height == 1, name
    assert got["cost"] == row["best_known_cost"][0]
    missing = runner.invoke(app, ["plan", "vsp", "nope.inp"])
    assert missing.exit_code == 2 and "no such file" in missing.output


def test_plan_vsp_prints_nothing_but_its_json_on_stdout(shared: Path) -> None:
    import subprocess
    import sys

    instance = sorted((shared / "data" / "vsp" / "mdvspjl-small").glob("*.zip"))[0]
    done = subprocess.run(
        [sys.executable, "-c", "from busbrain.cli import main; main()", "plan", "vsp",
         str(instance), "--time-limit", "10"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert set(json.loads(done.stdout)) >= {"vehicles", "cost", "seconds"}
