"""The dispatch console's answers while the demo city runs: how long each module's
endpoint takes with every bus of the demo city live.

    .venv/bin/python bench/console_load.py [--repeats 20] [--clock 08:00] [--minutes 10]

Starts `busbrain demo --clock HH:MM` (one process: gateway, simulated buses, real-time
side, consumers, HTTP server), lets the city run `--minutes` so the day has a record,
logs in as the demo's manager (who may read every module), then asks each endpoint
`--repeats` times one after another, and then all of them at once from 8 threads (a
control room of eight screens). Figures: latency p50 / p95 / max (ms) and answer size
per endpoint, with /healthz in the same run as the baseline. Output: stdout and
bench/out/console_load.json.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "bench-console-password"
ENDPOINTS = (
    "/healthz",
    "/api/v1/dispatch/fleet",
    "/api/v1/dispatch/lines",
    "/api/v1/dispatch/lines/1/strip",
    "/api/v1/dispatch/lines/1/marey?direction_id=0",
    "/api/v1/dispatch/operations/summary",
    "/api/v1/dispatch/operations/waybills",
    "/api/v1/dispatch/service/otp?by=line",
    "/api/v1/dispatch/service/skips",
    "/api/v1/dispatch/service/crowding",
    "/api/v1/dispatch/alarms?status=active",
    "/api/v1/dispatch/equipment/summary",
    "/api/v1/dispatch/equipment/terminals",
    "/api/v1/dispatch/analysis/ridership?by=hour",
    "/api/v1/dispatch/analysis/running-times?route_id=1",
)


def timed(
    opener: urllib.request.OpenerDirector, url: str, timeout_s: float = 60.0
) -> tuple[float, int]:
    """How long `url` took to answer (ms) and how big the answer was (bytes)."""
    t0 = time.perf_counter()
    with opener.open(url, timeout=timeout_s) as r:
        size = len(r.read())
    return (time.perf_counter() - t0) * 1000, size


def figures(ms: list[float]) -> dict[str, float]:
    ms = sorted(ms)
    return {
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 1),
        "max_ms": round(ms[-1], 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--clock", default="08:00")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--port", type=int, default=8775)
    ap.add_argument("--work", type=Path, default=REPO / "var" / "bench" / "console")
    args = ap.parse_args()
    work: Path = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{args.port}"
    exe = str(Path(sys.executable).with_name("busbrain"))
    cmd = [exe, "--db", f"sqlite:///{work / 'demo.db'}", "demo", "--port", str(args.port)]
    cmd += ["--gateway-port", str(args.port + 1), "--clock", args.clock]
    env = {**os.environ, "BUSBRAIN_DEMO_PASSWORD": PASSWORD}
    proc = subprocess.Popen(
        cmd, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        deadline = time.time() + 300
        live = 0
        while time.time() < deadline:
            try:
                with opener.open(f"{base}/api/v1/vehicles", timeout=10) as r:
                    live = sum(1 for v in json.loads(r.read())["vehicles"] if v["trip_id"])
                if live >= 100:
                    break
            except OSError:
                pass
            time.sleep(3)
        print(f"{live} buses on trips; letting the city run {args.minutes:g} min ...", flush=True)
        time.sleep(args.minutes * 60)
        body = json.dumps({"username": "jingli", "password": PASSWORD}).encode()
        login = urllib.request.Request(
            f"{base}/api/v1/dispatch/login", body, {"Content-Type": "application/json"}
        )
        opener.open(login, timeout=30).read()
        with opener.open(f"{base}/api/v1/vehicles", timeout=10) as r:
            live = sum(1 for v in json.loads(r.read())["vehicles"] if v["trip_id"])
        rows: list[dict[str, Any]] = []
        for path in ENDPOINTS:
            timed(opener, base + path)  # first answer builds caches: not counted
            runs = [timed(opener, base + path) for _ in range(args.repeats)]
            rows.append(
                {"endpoint": path, "kb": round(runs[-1][1] / 1024, 1)}
                | figures([ms for ms, _ in runs])
            )
            print(f"{path}: {rows[-1]}", flush=True)
        urls = [base + p for p in ENDPOINTS[1:]] * max(args.repeats // 4, 1)
        with ThreadPoolExecutor(8) as pool:
            t0 = time.perf_counter()
            burst = list(pool.map(lambda u: timed(opener, u)[0], urls))
            wall = time.perf_counter() - t0
        together = {"requests": len(urls), "wall_s": round(wall, 2)} | figures(burst)
        print(f"8 screens at once: {together}")
        out = {"buses_on_trips": live, "repeats": args.repeats, "sequential": rows}
        out["eight_at_once"] = together
        print("\n| endpoint | KB | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|---:|")
        for r in rows:
            cells = [r["endpoint"], r["kb"], r["p50_ms"], r["p95_ms"], r["max_ms"]]
            print("| " + " | ".join(str(c) for c in cells) + " |")
        folder = REPO / "bench" / "out"
        folder.mkdir(exist_ok=True)
        (folder / "console_load.json").write_text(json.dumps(out, indent=2), encoding="utf-8")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
