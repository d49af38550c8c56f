"""Speed of the city simulator: a full weekday of a 1,000-bus city, positions every 10 s,
in capture mode (no gateway).

    .venv/bin/python bench/simulator.py [--buses 1000] [--keep DIR]

The city is the demo city (660 weekday buses) with more frequent service: blocks are
copied, three minutes later, until the fleet reaches --buses. Steps timed one by one:
the world (demand, the day's events, alarms, terminal faults), the ground-truth files,
and the capture file of every terminal's bytes. Figures: wall seconds per step,
simulated bus-hours per wall second, positions and records per second, peak memory,
and the real-time factor (simulated day seconds per wall second), with the same figures
for the plain demo city in the same run as the baseline. Goal: the 1,000-bus day in
under 10 minutes. Output to stdout and bench/out/simulator.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from busbrain.democity import write_demo_feed  # noqa: E402
from busbrain.domain.daynet import DayNetwork  # noqa: E402
from busbrain.network_io.importer import import_feed  # noqa: E402
from busbrain.sim.duties import plan_duties  # noqa: E402
from busbrain.sim.runner import run_capture  # noqa: E402
from busbrain.sim.scenario import Scenario  # noqa: E402
from busbrain.sim.truth import write_outputs  # noqa: E402
from busbrain.sim.world import simulate_world  # noqa: E402
from busbrain.store.days import load_day_network, network_timezone, service_day_start  # noqa: E402
from busbrain.wiring import open_store  # noqa: E402

DAY = dt.date(2026, 12, 1)
SHIFT_S = 180


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def grow(net: DayNetwork, buses: int) -> DayNetwork:
    """Copy whole blocks, `SHIFT_S` later, until the day needs `buses` buses."""
    duties = plan_duties(net)
    extra = []
    for duty in duties[: max(buses - len(duties), 0)]:
        for i in duty.trips:
            t = net.trips[i]
            extra.append(
                dataclasses.replace(
                    t,
                    trip_id=f"{t.trip_id}_x",
                    block_id=f"{duty.block_id}_x",
                    arrival_s=t.arrival_s + SHIFT_S,
                    departure_s=t.departure_s + SHIFT_S,
                )
            )
    trips = sorted((*net.trips, *extra), key=lambda t: (int(t.departure_s[0]), t.trip_id))
    return dataclasses.replace(net, trips=tuple(trips))


def run(net: DayNetwork, start: float, folder: Path, label: str) -> dict[str, Any]:
    scenario = Scenario(DAY)
    t0 = time.perf_counter()
    last = [t0]

    def progress(step: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 10:
            print(f"  {label}: {step} {done}/{total} ({now - t0:.0f} s)", flush=True)
            last[0] = now

    world = simulate_world(net, scenario, start, progress=progress)
    t1 = time.perf_counter()
    counts = write_outputs(world, folder / "out")
    t2 = time.perf_counter()
    stats = run_capture(world, folder / "day.bbcap", None)
    t3 = time.perf_counter()
    bus_hours = sum(b.power_off - b.power_on for b in world.day.buses) / 3600
    day_s = max(b.power_off for b in world.day.buses) - min(b.power_on for b in world.day.buses)
    total = t3 - t0
    return {
        "label": label,
        "buses": len(world.terminals),
        "trips": len(net.trips),
        "rides": counts["rides"],
        "positions": counts["positions"],
        "capture_records": stats.records,
        "capture_mb": round((folder / "day.bbcap").stat().st_size / 1e6, 1),
        "world_s": round(t1 - t0, 1),
        "truth_s": round(t2 - t1, 1),
        "capture_s": round(t3 - t2, 1),
        "total_s": round(total, 1),
        "bus_hours": round(bus_hours, 1),
        "bus_hours_per_s": round(bus_hours / total, 1),
        "records_per_s": round(stats.records / (t3 - t2)),
        "realtime_factor": round(day_s / total, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--buses", type=int, default=1000)
    ap.add_argument("--keep", type=Path, help="Keep the outputs in this folder.")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        store = open_store(f"sqlite:///{folder / 'demo.db'}")
        import_feed(
            write_demo_feed(folder / "demo.zip"), store.network, now=dt.datetime.now(dt.UTC)
        )
        net = load_day_network(store.queries, store.schedule, DAY)
        start = service_day_start(DAY, network_timezone(store.queries))
        store.close()
        base = run(net, start, folder / "base", "demo city")
        print(json.dumps(base), flush=True)
        big = run(grow(net, args.buses), start, folder / "big", f"{args.buses}-bus city")
        print(json.dumps(big), flush=True)
    result = {
        "machine": f"{sys.platform}, 2 cores",
        "baseline": base,
        "city": big,
        "peak_rss_mb": round(_rss_mb()),
        "goal_met": big["total_s"] < 600 and big["buses"] >= args.buses,
        "time_per_bus_ratio": round(
            (big["total_s"] / big["buses"]) / (base["total_s"] / base["buses"]), 2
        ),
    }
    print(json.dumps(result, indent=2))
    out = REPO / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "simulator.json").write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
