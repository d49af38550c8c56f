"""Timetable and blocks from load profiles, then the new timetable run in the simulator:
the change in crowding and waiting measured, not only predicted.

    .venv/bin/python bench/timetable.py [--work var/bench/od] [--day 2026-12-01] [--seed 417]

Needs the OD week that bench/od.py prepares under --work (the demo city's store with its
AVL history, and `plan od` results in WORK/out). Runs

    busbrain plan timetable --od WORK/out --out WORK/timetable

imports the new feed into a store of its own, simulates --day on it with the same seed
and the same number of travellers (`--persons`: the same people want to travel), and
compares that day's ground truth with the current timetable's: trips, bus-hours in
service, fleet, trips above the load standard at their busiest point (85% of 80 places
in the peaks, 60% off-peak), mean wait at the first stop, riders who gave up.
Output: stdout and bench/out/timetable.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import polars as pl  # noqa: E402

from busbrain.planning.timetable.plan import Policy  # noqa: E402

BUSBRAIN = [str(Path(sys.executable).with_name("busbrain"))]


def run(*args: str) -> str:
    done = subprocess.run([*BUSBRAIN, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"busbrain {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def measure(truth: Path, day_start: float) -> dict[str, float]:
    policy = Policy()
    visits = pl.read_parquet(truth / "stop_visits.parquet")
    trips = visits.group_by("trip_id").agg(
        pl.col("load").max().alias("peak"),
        pl.col("departure_time").min().alias("start"),
        pl.col("arrival_time").max().alias("end"),
        pl.col("vehicle_id").first(),
    )
    standard = [
        policy.crowding_standard(int((s - day_start) // 3600)) for s in trips["start"].to_list()
    ]
    crowded = sum(p > s for p, s in zip(trips["peak"].to_list(), standard, strict=True))
    rides = pl.read_parquet(truth / "rides.parquet")
    journeys = pl.read_parquet(truth / "journeys.parquet")
    first = rides.filter(pl.col("leg") == 0).join(journeys, on="journey_id")
    wait = (first["board_time"] - first["ready_time"]).mean()
    missed = pl.read_parquet(truth / "missed.parquet").height
    return {
        "trips": float(trips.height),
        "bus_hours": float((trips["end"] - trips["start"]).sum()) / 3600,
        "buses": float(trips["vehicle_id"].n_unique()),
        "crowded_share": crowded / max(trips.height, 1),
        "mean_wait_min": float(wait or 0.0) / 60,  # type: ignore[arg-type]
        "gave_up": float(missed),
        "rides": float(rides.height),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", type=Path, default=REPO / "var" / "bench" / "od")
    ap.add_argument("--day", default="2026-12-01")
    ap.add_argument("--seed", default="417", help="The seed bench/od.py used for --day.")
    ap.add_argument(
        "--plan-args",
        default="",
        help="Extra options for `plan timetable`, e.g. '--peak-load-factor 0.7'.",
    )
    args = ap.parse_args()
    work: Path = args.work.resolve()
    if not (work / "out" / "segment_loads.parquet").is_file():
        raise SystemExit(f"{work}/out has no OD results: run bench/od.py first")
    db = f"sqlite:///{work / 'city.db'}"
    plan = work / "timetable"
    t0 = time.perf_counter()
    print("planning the timetable and its blocks ...", flush=True)
    summary = run(
        "--db", db, "plan", "timetable", "--od", str(work / "out"), "--out", str(plan),
        *args.plan_args.split(),
    )  # fmt: skip
    t_plan = time.perf_counter() - t0
    print(" ".join(summary.split()))
    new_db = plan / "new.db"
    new_db.unlink(missing_ok=True)
    run("--db", f"sqlite:///{new_db}", "gtfs", "import", str(plan / "timetable.zip"))
    sim = plan / "sim"
    print(f"simulating {args.day} on the new timetable ...", flush=True)
    old = json.loads((work / "sim" / args.day / "scenario.json").read_text(encoding="utf-8"))
    run(
        "--db", f"sqlite:///{new_db}", "simulate", "--date", args.day, "--seed", args.seed,
        "--persons", str(old["persons"]), "--out", str(sim),
    )  # fmt: skip
    meta = json.loads((sim / "scenario.json").read_text(encoding="utf-8"))
    day_start = float(meta.get("day_start_unix", 0.0))
    before = measure(work / "sim" / args.day / "truth", day_start)
    after = measure(sim / "truth", day_start)
    comparison = pl.read_csv(plan / "comparison.csv", schema_overrides={"route_id": pl.String()})
    predicted = comparison.group_by("timetable").agg(
        pl.col("trips").sum(), pl.col("vehicle_hours").sum()
    )
    result: dict[str, Any] = {
        "day": args.day,
        "plan_args": args.plan_args,
        "plan_seconds": t_plan,
        "measured": {"current": before, "new": after},
        "predicted": {r[0]: {"trips": r[1], "vehicle_hours": r[2]} for r in predicted.iter_rows()},
        "cpu": os.cpu_count(),
    }
    print(f"\n`plan timetable` (with blocks and report): {t_plan:.1f} s")
    print("| measured in the simulator | current | new |")
    print("|---|---|---|")
    for k in before:
        print(f"| {k} | {before[k]:,.3f} | {after[k]:,.3f} |")
    dest = REPO / "bench" / "out" / "timetable.json"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
