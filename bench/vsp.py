"""Benchmark: multi-depot vehicle scheduling on the Pepin et al. (2009) and MDVSP.jl sets.

    .venv/bin/python bench/vsp.py [--only PATTERN] [--time-limit-500 60]
        [--time-limit-1000 300] [--time-limit-small 10]

Solves every instance in pepin2009-mdvsp (500 and 1000 trips, 4 and 8 depots) and
mdvspjl-small (50-150 trips), one at a time in this process, and prints a markdown
table: vehicles against the minimum-fleet lower bound, cost against the best known
(gap in % of the best known, fixed costs included), seconds and whether check() passed.
Figures are also written to bench/out/vsp.json.
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from busbrain.planning.jobs.vsp import read_instance
from busbrain.planning.scheduling.mdvsp import solve
from busbrain.planning.scheduling.single_depot import min_fleet
from busbrain.planning.scheduling.solution import check, cost

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "vsp"


def _instances(only: str | None) -> list[tuple[str, Path]]:
    files = sorted((DATA / "pepin2009-mdvsp").glob("*.inp.gz"))
    files += sorted((DATA / "mdvspjl-small").glob("*.zip"))
    out = []
    for f in files:
        name = f.name.split(".")[0]
        if only is None or fnmatch.fnmatch(name, only) or only in name:
            out.append((name, f))
    return out


def _limit(trips: int, small: bool, args: argparse.Namespace) -> float:
    if small:
        return float(args.time_limit_small)
    return float(args.time_limit_500 if trips <= 500 else args.time_limit_1000)


def run_one(
    name: str, path: Path, best: dict[str, Any], args: argparse.Namespace
) -> dict[str, Any]:
    """Solve one instance and return its row of figures."""
    inst = read_instance(path)
    small = path.suffix == ".zip"
    limit = _limit(inst.n_trips, small, args)
    t0 = time.monotonic()

    def progress(msg: str) -> None:
        if args.verbose:
            print(f"    {name} {msg}", flush=True)

    sol = solve(inst, limit, time.monotonic, progress)
    seconds = time.monotonic() - t0
    problems = check(inst, sol)
    c = cost(inst, sol)
    row = best.get(name, {})
    known = int(row["best_known_cost"]) if row.get("best_known_cost") else None
    lb = int(row["min_fleet_lb"]) if row.get("min_fleet_lb") else min_fleet(inst)
    return {
        "name": name,
        "set": "small" if small else "pepin",
        "trips": inst.n_trips,
        "depots": inst.n_depots,
        "vehicles": sol.vehicles,
        "min_fleet_lb": lb,
        "cost": c,
        "best_known": known,
        "gap_pct": None if known is None else 100.0 * (c - known) / known,
        "lp_bound": sol.lower_bound,
        "seconds": round(seconds, 1),
        "limit_s": limit,
        "check_ok": not problems,
        "problems": problems[:3],
    }


def _fmt_gap(g: float | None) -> str:
    return "-" if g is None else f"{g:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="glob or substring of instance names, e.g. 'm4n500*'")
    ap.add_argument("--time-limit-500", type=float, default=60.0)
    ap.add_argument("--time-limit-1000", type=float, default=300.0)
    ap.add_argument("--time-limit-small", type=float, default=10.0)
    ap.add_argument("--verbose", action="store_true", help="print the solver's progress")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "vsp.json")
    args = ap.parse_args()
    with (DATA / "best_known.csv").open(encoding="utf-8") as fh:
        best = {r["instance"]: r for r in csv.DictReader(fh)}
    todo = _instances(args.only)
    if not todo:
        sys.exit(f"no instance matches {args.only!r}")
    rows = []
    for i, (name, path) in enumerate(todo, 1):
        print(f"[{i}/{len(todo)}] {name} ...", flush=True)
        r = run_one(name, path, best, args)
        rows.append(r)
        print(
            f"    {r['vehicles']} vehicles (lb {r['min_fleet_lb']}), cost {r['cost']}, "
            f"gap {_fmt_gap(r['gap_pct'])} %, {r['seconds']} s, check {r['check_ok']}",
            flush=True,
        )
    print()
    print(
        "| instance | trips | depots | vehicles | min_fleet_lb | cost | best_known "
        "| gap % | seconds | check ok |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        print(
            f"| {r['name']} | {r['trips']} | {r['depots']} | {r['vehicles']} | "
            f"{r['min_fleet_lb']} | {r['cost']} | {r['best_known'] or '-'} | "
            f"{_fmt_gap(r['gap_pct'])} | {r['seconds']} | {'yes' if r['check_ok'] else 'NO'} |"
        )
    at_min = sum(r["vehicles"] == r["min_fleet_lb"] for r in rows)
    small = [r for r in rows if r["set"] == "small"]
    optimal = sum(r["best_known"] is not None and r["cost"] <= r["best_known"] for r in small)
    pepin = [r for r in rows if r["set"] == "pepin" and r["gap_pct"] is not None]
    summary: dict[str, Any] = {
        "machine": f"{sys.platform} {platform.machine()}, Python {platform.python_version()}",
        "instances": len(rows),
        "at_min_fleet": at_min,
        "all_checks_ok": all(r["check_ok"] for r in rows),
        "small_optimal": f"{optimal}/{len(small)}",
    }
    if pepin:
        gaps = [r["gap_pct"] for r in pepin]
        summary |= {
            "pepin_mean_gap_pct": round(statistics.mean(gaps), 4),
            "pepin_max_gap_pct": round(max(gaps), 4),
            "pepin_within_0.2pct": f"{sum(g <= 0.2 for g in gaps)}/{len(gaps)}",
            "pepin_mean_seconds": round(statistics.mean(r["seconds"] for r in pepin), 1),
        }
    print()
    print(f"At minimum fleet: {at_min}/{len(rows)}")
    print(f"Small instances at best known: {summary['small_optimal']}")
    if pepin:
        print(
            f"Pepin: mean gap {summary['pepin_mean_gap_pct']} %, max "
            f"{summary['pepin_max_gap_pct']} %, within 0.2 %: {summary['pepin_within_0.2pct']}"
        )
    print(json.dumps(summary, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"summary": summary, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
