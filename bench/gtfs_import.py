"""Benchmark: parse and import a large GTFS feed; compare with gtfs-kit in the same run.

    .venv/bin/python bench/gtfs_import.py [--feed PATH] [--no-validate]

Each measured step runs in its own process so its peak memory (max RSS) is its own:
  1. busbrain parse   — read and type every file (busbrain.gtfs.load.read_feed)
  2. gtfs-kit parse   — gtfs_kit.read_feed of the same zip (the peer)
  1b/2b. the same two from the feed unzipped into a folder (parsing without inflating)
  3. busbrain check   — parse plus every rule
  4. busbrain import  — parse, check, derive patterns, write to a fresh SQLite store
  5. busbrain export  — the store back to a GTFS zip
Then gtfs-guru (Rust validator) compares the error codes of the original and the export.
Figures are printed and written to bench/out/gtfs_import.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
NYC = REPO.parent / "shared" / "data" / "gtfs" / "nyc-mta-bus-2026" / "gtfs.zip"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker(step: str, feed: Path, db: Path, out: Path) -> dict[str, Any]:
    """Run one step in this process and return its figures."""
    t0 = time.perf_counter()
    rows = 0
    if step.startswith("busbrain-parse"):
        from busbrain.gtfs.findings import Findings
        from busbrain.gtfs.load import read_feed

        parsed = read_feed(feed, Findings())
        rows = sum(f.height for f in parsed.tables.values())
    elif step.startswith("gtfs-kit-parse"):
        import gtfs_kit

        kit = gtfs_kit.read_feed(feed, dist_units="km")
        rows = sum(
            len(getattr(kit, name))
            for name in (
                "agency",
                "stops",
                "routes",
                "trips",
                "stop_times",
                "calendar",
                "calendar_dates",
                "shapes",
                "feed_info",
            )
            if getattr(kit, name, None) is not None
        )
    elif step == "busbrain-check":
        from busbrain.gtfs.load import load_feed

        checked, _ = load_feed(feed)
        rows = sum(f.height for f in checked.tables.values())
    elif step == "busbrain-import":
        import datetime as dt

        from busbrain.network_io.importer import import_feed
        from busbrain.wiring import open_store

        store = open_store(f"sqlite:///{db}")
        outcome = import_feed(feed, store.network, now=dt.datetime.now(dt.UTC))
        assert outcome.imported, "import refused"
        rows = outcome.counts.get("stop_time", 0)
        store.close()
    elif step == "busbrain-export":
        from busbrain.network_io.exporter import export_feed
        from busbrain.wiring import open_store

        store = open_store(f"sqlite:///{db}")
        rows = sum(export_feed(store.network, out).values())
        store.close()
    seconds = time.perf_counter() - t0
    return {"step": step, "seconds": seconds, "rows": rows, "peak_mb": _peak_mb()}


def _median_run(step: str, feed: Path, db: Path, out: Path, repeat: int) -> dict[str, Any]:
    """The run with the median time of `repeat` runs (parse steps only repeat)."""
    runs = sorted((_run(step, feed, db, out) for _ in range(repeat)), key=lambda r: r["seconds"])
    return runs[len(runs) // 2]


def _run(step: str, feed: Path, db: Path, out: Path) -> dict[str, Any]:
    print(f"… {step}", file=sys.stderr, flush=True)
    proc = subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            step,
            "--feed",
            str(feed),
            "--db",
            str(db),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{step} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"  {result['seconds']:.1f} s, {result['peak_mb']:.0f} MB peak", file=sys.stderr)
    return result


def _guru_errors(feed: Path) -> tuple[set[str], float]:
    import gtfs_guru

    t0 = time.perf_counter()
    result = gtfs_guru.validate(str(feed), country_code="CN", date="2026-10-01")
    codes = {n.code for n in result.notices if n.severity == "ERROR"}
    return codes, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feed", type=Path, default=NYC)
    ap.add_argument("--worker")
    ap.add_argument("--db", type=Path)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--no-validate", action="store_true", help="skip the gtfs-guru comparison")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each parse step (median)")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker, args.feed, args.db, args.out)))
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench-gtfs-"))
    db, out = tmp / "store.db", tmp / "export.zip"
    folder = tmp / "unzipped"
    with zipfile.ZipFile(args.feed) as zf:
        zf.extractall(folder)
    results = {
        s: _median_run(s, folder, db, out, args.repeat)
        for s in ("busbrain-parse-folder", "gtfs-kit-parse-folder")
    }
    steps = [
        "busbrain-parse",
        "gtfs-kit-parse",
        "busbrain-check",
        "busbrain-import",
        "busbrain-export",
    ]
    results |= {
        s: _median_run(s, args.feed, db, out, args.repeat if "parse" in s else 1) for s in steps
    }
    ours, kit = results["busbrain-parse"], results["gtfs-kit-parse"]
    ours_dir, kit_dir = results["busbrain-parse-folder"], results["gtfs-kit-parse-folder"]
    report: dict[str, Any] = {
        "feed": str(args.feed),
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "steps": results,
        "parse_rows_per_s": {
            "busbrain": ours["rows"] / ours["seconds"],
            "gtfs-kit": kit["rows"] / kit["seconds"],
        },
        "parse_speedup_vs_gtfs_kit": (ours["rows"] / ours["seconds"])
        / (kit["rows"] / kit["seconds"]),
        "parse_memory_ratio_vs_gtfs_kit": ours["peak_mb"] / kit["peak_mb"],
        "folder_parse_speedup_vs_gtfs_kit": kit_dir["seconds"] / ours_dir["seconds"],
        "folder_parse_memory_ratio_vs_gtfs_kit": ours_dir["peak_mb"] / kit_dir["peak_mb"],
    }
    if not args.no_validate:
        print("… gtfs-guru on the original and the export", file=sys.stderr)
        before, t_before = _guru_errors(args.feed)
        after, t_after = _guru_errors(out)
        report["gtfs_guru"] = {
            "errors_before": sorted(before),
            "errors_after": sorted(after),
            "new_errors": sorted(after - before),
            "seconds": [t_before, t_after],
        }
    print(f"\n{'step':22} {'seconds':>8} {'rows':>12} {'rows/s':>12} {'peak MB':>8}")
    for s, r in results.items():
        rate = r["rows"] / r["seconds"]
        print(f"{s:22} {r['seconds']:8.1f} {r['rows']:12,} {rate:12,.0f} {r['peak_mb']:8.0f}")
    print(
        f"\nparse speed vs gtfs-kit: zip {report['parse_speedup_vs_gtfs_kit']:.2f}x rows/s, "
        f"folder {report['folder_parse_speedup_vs_gtfs_kit']:.2f}x; peak memory "
        f"{report['parse_memory_ratio_vs_gtfs_kit']:.2f}x (zip) and "
        f"{report['folder_parse_memory_ratio_vs_gtfs_kit']:.2f}x (folder) of gtfs-kit's"
    )
    if "gtfs_guru" in report:
        g = report["gtfs_guru"]
        print(
            f"gtfs-guru errors before: {g['errors_before']}; after: {g['errors_after']}; "
            f"new: {g['new_errors'] or 'none'}"
        )
    dest = REPO / "bench" / "out"
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "gtfs_import.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
