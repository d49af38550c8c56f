"""HTTP load on the passenger API while the demo city runs: arrivals and search.

    .venv/bin/python bench/api_load.py [--layout demo|split] [--seconds 20]
        [--connections 16,64] [--work var/bench/api]

Layout `demo`: starts `busbrain demo --clock 08:00` (one process: gateway, simulated
buses, real-time side and HTTP server). Layout `split`: builds the demo city, then runs
`busbrain serve --clock 08:00` (gateway, real-time side, HTTP) and the simulator
(`busbrain simulate --gateway`) as two processes, as a city would run the buses apart
from the brain. Either way it waits until buses are live, then drives it with wrk
(Debian's, installed by `scripts/setup --bench`) from a second process: `/healthz` first
(the server's ceiling on this machine, the baseline), then arrivals boards for every
station in turn, then
searches made from the stations' names (characters, pinyin initials, halves). Figures:
requests per second and latency p50/p90/p99 from wrk, non-2xx counts. Output: stdout and
bench/out/api_load.json. The issue's goal: 2,000 arrivals requests/s with p99 under 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from busbrain.domain.names import pinyin_of  # noqa: E402

LUA = """
paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def wrk(url: str, seconds: int, connections: int, script: Path | None) -> dict[str, float]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script is not None:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", out, re.M)
        if m is None:
            return float("nan")
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
        return float(m.group(1)) * scale

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "requests_per_s": float(rps.group(1)) if rps else float("nan"),
        "p50_ms": ms("50"),
        "p90_ms": ms("90"),
        "p99_ms": ms("99"),
        "non_2xx": float(bad.group(1)) if bad else 0.0,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--connections", default="16,64", help="wrk connections, comma-separated")
    ap.add_argument("--layout", choices=("demo", "split"), default="demo")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--work", type=Path, default=REPO / "var" / "bench" / "api")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: run scripts/setup --bench")
    work: Path = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{args.port}"
    exe = str(Path(sys.executable).with_name("busbrain"))
    db = ["--db", f"sqlite:///{work / 'demo.db'}"]
    ports = ["--port", str(args.port), "--gateway-port", str(args.port + 1)]
    quiet: dict[str, Any] = {
        "cwd": work,
        "stdout": subprocess.DEVNULL,
        "stderr": subprocess.DEVNULL,
    }
    procs: list[subprocess.Popen[bytes]] = []
    if args.layout == "demo":
        procs.append(subprocess.Popen([exe, *db, "demo", *ports, "--clock", "08:00"], **quiet))
    else:
        subprocess.run([exe, *db, "demo", "--no-serve"], check=True, **quiet)
        procs.append(subprocess.Popen([exe, *db, "serve", *ports, "--clock", "08:00"], **quiet))
        time.sleep(5)  # the gateway listens
        sim = [exe, *db, "simulate", "--gateway", f"127.0.0.1:{args.port + 1}", "--from", "08:00"]
        procs.append(subprocess.Popen([*sim, "--out", str(work / "sim")], **quiet))
    try:
        print("starting the demo city ...", flush=True)
        deadline = time.time() + 300
        live = 0
        while time.time() < deadline:
            try:
                vehicles = get(f"{base}/api/v1/vehicles")["vehicles"]
                live = sum(1 for v in vehicles if v["trip_id"])
                if live >= 100:
                    break
            except OSError:
                pass
            time.sleep(3)
        print(f"{live} buses live on trips", flush=True)
        stops = get(f"{base}/api/v1/network/stops.geojson")["features"]
        stations = [f["properties"] for f in stops if f["properties"].get("kind") == "station"]
        rng = random.Random(5)
        arrivals = [f"/api/v1/stops/{s['stop_id']}/arrivals" for s in stations]
        rng.shuffle(arrivals)
        searches = []
        for s in stations:
            name = s["name"]
            for q in (name, "".join(p[:1] for p in pinyin_of(name).split()), name[:2]):
                searches.append("/api/v1/stops/search?q=" + urllib.parse.quote(q))
        rng.shuffle(searches)
        results: dict[str, Any] = {
            "layout": args.layout,
            "live_buses": live,
            "stations": len(stations),
            "runs": [],
        }
        conns = [int(c) for c in str(args.connections).split(",")]
        for label, paths in (("healthz", None), ("arrivals", arrivals), ("search", searches)):
            script = None
            if paths is not None:
                listing = work / f"{label}.txt"
                listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
                script = work / f"{label}.lua"
                script.write_text(LUA % listing, encoding="utf-8")
            url = base + ("/healthz" if paths is None else "")
            for c in conns:
                print(f"wrk: {label}, {c} connections ...", flush=True)
                run = wrk(url, args.seconds, c, script)
                results["runs"].append({"endpoint": label, "connections": c, **run})
        results["cpu"] = os.cpu_count()
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(timeout=30)
    print(f"\nlayout {args.layout}, {live} buses live on trips")
    print("| endpoint | connections | requests/s | p50 ms | p90 ms | p99 ms | non-2xx |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results["runs"]:
        print(
            f"| {r['endpoint']} | {r['connections']} | {r['requests_per_s']:,.0f} | "
            f"{r['p50_ms']:.1f} | {r['p90_ms']:.1f} | {r['p99_ms']:.1f} | {int(r['non_2xx'])} |"
        )
    dest = REPO / "bench" / "out" / f"api_load_{args.layout}.json"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
