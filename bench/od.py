"""OD inference on a simulated week of the demo city: accuracy against the ground truth,
and speed end to end from fare files to OD.

    .venv/bin/python bench/od.py [--days 7] [--start 2026-11-30] [--work var/bench/od]

Prepares (once; kept under --work and reused): the demo city's store, `busbrain simulate`
for each day, the fleet in the terminal registry, and each day's AVL positions replayed
into the store's stop-event history (`busbrain replay --to-store`), as the live side
would have recorded them. Then times the one command an operator runs,

    busbrain plan od --from FIRST --to LAST --fares DAY1/fares ... --out OUT

(loading every fare batch, checking and pseudonymising it, then inferring OD and writing
the matrices, loads and report), and scores each day's inferred rides and segment loads
against the truth. In the same run, two weaker variants of the method on the same inputs
are scored as baselines: no reader-clock correction, and the nearest call in time
ignoring whether the bus stopped (a plain "nearest stop event" rule).

Goals (issue 8): boarding stop for >= 98% of taps, >= 95% of them right; alighting
inferred for >= 85% of rides (He & Trepanier 2015: 80.6% in Gatineau), >= 80% of them
right; transfer F1 >= 0.9; load per trip segment within 10% (sum |error| / sum true
load); >= 1M taps per minute end to end. Output: stdout and bench/out/od.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import polars as pl  # noqa: E402

from busbrain.planning.jobs.od import gather  # noqa: E402
from busbrain.planning.od.infer import infer_od  # noqa: E402
from busbrain.planning.od.params import OdParams  # noqa: E402
from busbrain.planning.od.score import score_od  # noqa: E402
from busbrain.wiring import open_store  # noqa: E402

BUSBRAIN = [str(Path(sys.executable).with_name("busbrain"))]
FIGURES = (
    "boarding_rate",
    "boarding_exact",
    "alighting_rate",
    "alighting_exact",
    "alighting_within_one",
    "transfer_f1",
    "load_mae_share",
)


def run(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [*BUSBRAIN, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"busbrain {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def prepare(work: Path, days: list[dt.date], env: dict[str, str]) -> str:
    db = f"sqlite:///{work / 'city.db'}"
    if not (work / "city.db").exists():
        print("building the demo city store ...", flush=True)
        run("--db", db, "demo", "--no-serve", env=env)
    for n, day in enumerate(days, start=1):
        sim = work / "sim" / day.isoformat()
        if not (sim / "truth" / "rides.parquet").exists():
            print(f"[{n}/{len(days)}] simulating {day} ...", flush=True)
            seed = str(416 + (day - days[0]).days)  # each day its own riders and traffic
            run(
                "--db", db, "simulate", "--date", day.isoformat(), "--seed", seed,
                "--out", str(sim), env=env,
            )  # fmt: skip
        done = work / "replayed" / day.isoformat()
        if not done.exists():
            print(f"[{n}/{len(days)}] replaying {day}'s positions into the store ...", flush=True)
            run("--db", db, "terminals", "import", str(sim / "terminals.csv"), env=env)
            run(
                "--db", db, "replay", "--positions", str(sim / "observed" / "positions.csv"),
                "--blocks", str(sim / "plan" / "vehicle_blocks.csv"),
                "--out", str(done), "--to-store", "--no-predictions", env=env,
            )  # fmt: skip
    return db


def score_days(
    rides: pl.DataFrame, loads: pl.DataFrame, work: Path, days: list[dt.date]
) -> dict[str, dict[str, float]]:
    out = {}
    for day in days:
        truth = work / "sim" / day.isoformat() / "truth"
        out[day.isoformat()] = score_od(
            rides.filter(pl.col("service_date") == day),
            pl.read_parquet(truth / "rides.parquet"),
            loads.filter(pl.col("service_date") == day),
            pl.read_parquet(truth / "segment_loads.parquet"),
        )
    return out


def overall(per_day: dict[str, dict[str, float]]) -> dict[str, float]:
    """Ride-weighted means over the days."""
    total = sum(d["rides"] for d in per_day.values())
    return {k: sum(d[k] * d["rides"] for d in per_day.values()) / total for k in FIGURES} | {
        "rides": total
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--start", default="2026-11-30", help="First day (a Monday by default).")
    ap.add_argument("--work", type=Path, default=REPO / "var" / "bench" / "od")
    args = ap.parse_args()
    start = dt.date.fromisoformat(args.start)
    days = [start + dt.timedelta(days=k) for k in range(args.days)]
    work: Path = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    env = {"BUSBRAIN_CARD_KEY": "5a" * 32}
    prepare(work, days, env)

    # The timed command: a fresh copy of the store without taps, so every batch loads.
    timed_db = work / "timed.db"
    with sqlite3.connect(work / "city.db") as src, sqlite3.connect(timed_db) as dst:
        src.backup(dst)
    with open_store(f"sqlite:///{timed_db}").engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM fare_tap")
        conn.exec_driver_sql("DELETE FROM fare_batch")
    fares = [a for d in days for a in ("--fares", str(work / "sim" / d.isoformat() / "fares"))]
    out = work / "out"
    print(f"timing `busbrain plan od` over {len(days)} days ...", flush=True)
    t0 = time.perf_counter()
    run(
        "--db", f"sqlite:///{timed_db}", "plan", "od", "--from", days[0].isoformat(),
        "--to", days[-1].isoformat(), "--out", str(out), *fares, env=env,
    )  # fmt: skip
    wall = time.perf_counter() - t0
    rides = pl.read_parquet(out / "rides" / "*" / "*.parquet", hive_partitioning=True)
    loads = pl.read_parquet(out / "segment_loads.parquet")
    taps = rides.height
    ours = score_days(rides, loads, work, days)

    # Baselines on the same inputs, in this process.
    store = open_store(f"sqlite:///{timed_db}")
    p = OdParams()
    t1 = time.perf_counter()
    inputs = gather(store, days[0], days[-1], p)
    t_gather = time.perf_counter() - t1
    store.close()
    variants = {
        "no clock correction": dataclasses.replace(p, clock_search_s=0),
        "nearest call, stopped or not": dataclasses.replace(
            p, clock_search_s=0, not_stopped_penalty_s=0.0, not_stopped_penalty_m=0.0
        ),
    }
    baseline: dict[str, dict[str, float]] = {}
    for name, params in variants.items():
        t2 = time.perf_counter()
        res = infer_od(inputs.taps, inputs.visits, inputs.stops, inputs.days, params)
        t_inf = time.perf_counter() - t2
        keyed = res.rides.join(inputs.tap_keys, on="tap_id")
        baseline[name] = overall(score_days(keyed, res.segment_loads, work, days)) | {
            "infer_s": t_inf
        }

    result: dict[str, Any] = {
        "days": [d.isoformat() for d in days],
        "taps": taps,
        "wall_s": wall,
        "taps_per_minute": taps / wall * 60,
        "gather_s": t_gather,
        "per_day": ours,
        "overall": overall(ours),
        "baselines": baseline,
        "cpu": os.cpu_count(),
    }
    print(f"\n{taps:,} taps over {len(days)} days; `plan od` end to end {wall:.1f} s "
          f"= {result['taps_per_minute'] / 1e6:.2f} M taps/minute")  # fmt: skip
    head = "| day | rides | " + " | ".join(FIGURES) + " |"
    print(head)
    print("|" + "---|" * (len(FIGURES) + 2))
    for day, s in ours.items():
        print(
            f"| {day} | {int(s['rides']):,} | " + " | ".join(f"{s[k]:.3f}" for k in FIGURES) + " |"
        )
    o = result["overall"]
    print(f"| **all** | {int(o['rides']):,} | " + " | ".join(f"{o[k]:.3f}" for k in FIGURES) + " |")
    for name, s in baseline.items():
        print(f"| baseline: {name} | | " + " | ".join(f"{s[k]:.3f}" for k in FIGURES) + " |")
    dest = REPO / "bench" / "out" / "od.json"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
