"""Load test of the JT/T 808 gateway: many terminals over loopback, each reporting every second.

    .venv/bin/python bench/gateway_load.py [--terminals 10000] [--duration 60] [--ramp 30]
                                           [--bus memory|nats://127.0.0.1:4222]

Three roles, each in its own process so none steals the others' event loop:
  server  — the gateway (open registration, SQLite registry) publishing onto the bus; a
            report counts as accepted end to end once the bus has stored it (the gateway
            acks a report only then). No consumer runs here: in production the processors
            drain the bus from their own processes;
  clients — the terminals: connect over the ramp, register and authenticate, then send one
            0x0200 per second each, timing every report until its 0x8001 comes back;
  main    — starts both, waits, and prints the figures (connections held, reports/s into
            the bus, ack latency p50/p99, server memory per connection, lost reports).
A report is lost if it has no ack 10 s after it was sent, or if the bus did not receive it.
Figures go to stdout and bench/out/gateway_load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BEIJING = dt.timezone(dt.timedelta(hours=8))


def _cpu_s() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


# -- server ------------------------------------------------------------------------------


def _phone(i: int) -> str:
    return f"{13800000000 + i:012d}"


def _seed_registry(store: Any, terminals: int) -> None:
    """Terminals registered before the run (auth code "bench<i>"), as on any day but the first."""
    from busbrain.domain.terminals import TerminalRecord
    from busbrain.store.ports import TerminalInfo

    store.terminals.upsert_terminals(
        [
            TerminalRecord(_phone(i).lstrip("0"), f"辽G{i:05d}", 1, str(i), None, None, None)
            for i in range(terminals)
        ]
    )
    now = dt.datetime.now(dt.UTC)
    for i in range(terminals):
        store.terminals.register(
            _phone(i).lstrip("0"),
            TerminalInfo(),
            auth_code=f"bench{i}",
            now=now,
            open_registration=False,
        )


async def _serve(port: int, bus_url: str, db: Path, stats_path: Path, seed: int) -> None:
    from busbrain.gateway.config import GatewayConfig
    from busbrain.gateway.server import Gateway, tune_gc
    from busbrain.wiring import open_bus, open_store

    store = open_store(f"sqlite:///{db}")
    if seed:
        _seed_registry(store, seed)
    bus = await open_bus(bus_url)
    gw = Gateway(
        GatewayConfig(host="127.0.0.1", port=port, open_registration=True, idle_timeout_s=60),
        registry=store.terminals,
        outbox=store.outbox,
        publisher=bus,
    )
    base_rss = _rss_mb()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await gw.start()
    tune_gc()
    counts = {"locations": 0}
    peak = {"connections": 0, "rss_mb": base_rss}

    def stored() -> int:
        """Location reports stored on the bus (counted by the gateway after the publish)."""
        sample = gw.metrics.registry.get_sample_value
        return int(
            sum(
                sample("busbrain_gateway_locations_total", {"source": k}) or 0
                for k in ("live", "blind_area")
            )
        )

    history: list[tuple[float, int]] = []

    def save() -> None:
        stats_path.write_text(
            json.dumps(
                {**counts, **peak, "base_rss_mb": base_rss, "history": history, "cpu_s": _cpu_s()}
            )
        )

    async def watch() -> None:
        while True:
            await asyncio.sleep(1)
            conns = int(gw.metrics.registry.get_sample_value("busbrain_gateway_connections") or 0)
            if conns >= peak["connections"]:
                peak["connections"], peak["rss_mb"] = conns, _rss_mb()
            counts["locations"] = stored()
            history.append((time.monotonic(), counts["locations"], _cpu_s()))
            save()

    tasks = [asyncio.create_task(watch())]
    print("ready", flush=True)
    await stop.wait()
    for t in tasks:
        t.cancel()
    counts["locations"] = stored()
    save()
    await gw.stop()
    await bus.close()
    store.close()


# -- clients -----------------------------------------------------------------------------


async def _terminal(
    i: int, port: int, start_at: float, until: float, out: dict[str, Any], registered: bool
) -> None:
    from busbrain.protocol import jt808 as j

    phone = _phone(i)
    session = j.Jt808Session(phone=phone, version=j.ProtocolVersion.V2013)
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        out["connect_failed"] += 1
        return
    sent: dict[int, float] = {}
    latencies: list[float] = out["latencies"]

    async def replies() -> None:
        while data := await reader.read(4096):
            session.receive_data(data, now=0.0)
            for ev in session.events():
                if isinstance(ev, j.MessageReceived):
                    msg = ev.message
                    if isinstance(msg, j.RegisterResponse):
                        writer.write(session.send(j.Authentication(msg.auth_code)))
                    elif isinstance(msg, j.PlatformGeneralResponse):
                        if msg.ack_msg_id == 0x0102 and msg.result == 0:
                            out["online"] += 1
                            authed.set()
                        elif msg.ack_msg_id == 0x0200 and (t := sent.pop(msg.ack_serial, None)):
                            latencies.append(time.monotonic() - t)
                            out["acked"] += 1

    authed = asyncio.Event()
    reader_task = asyncio.create_task(replies())
    if registered:
        writer.write(session.send(j.Authentication(f"bench{i}")))
    else:
        writer.write(
            session.send(j.Register(21, 700, "BENCH", "LOAD", f"T{i:06d}", 1, f"辽G{i:05d}"))
        )
    try:
        await asyncio.wait_for(authed.wait(), 60)
    except TimeoutError:
        out["auth_failed"] += 1
        reader_task.cancel()
        writer.close()
        return
    lat, lon = 41.10 + (i % 100) * 0.001, 121.10 + (i // 100) * 0.0005
    next_at = time.monotonic() + (i % 1000) / 1000  # spread the reports over the second
    clock = dt.datetime.now(BEIJING).replace(microsecond=0)
    while (now := time.monotonic()) < until:
        await asyncio.sleep(max(0.0, next_at - now))
        next_at += 1.0
        loc = j.Location(
            alarm_flags=0,
            status_flags=0b11,
            lat_deg=lat,
            lon_deg=lon,
            altitude_m=20,
            speed_kmh=25.0,
            heading_deg=90,
            device_time=clock,
            items=(j.Mileage(100.0), j.GnssSatellites(12)),
        )
        clock += dt.timedelta(seconds=1)  # one report per device second: no two alike
        serial = session.next_serial
        sent[serial] = time.monotonic()
        writer.write(session.send(loc))
        out["sent"] += 1
    await asyncio.sleep(10)  # let the last acks come back
    out["lost"] += len(sent)
    reader_task.cancel()
    writer.close()


async def _clients(
    terminals: int, port: int, ramp: float, duration: float, registered: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "sent": 0,
        "acked": 0,
        "lost": 0,
        "online": 0,
        "connect_failed": 0,
        "auth_failed": 0,
        "latencies": [],
    }
    import gc

    gc.freeze()  # the load generator's own GC pauses would show as ack latency
    gc.set_threshold(50_000, 20, 100)
    t0 = time.monotonic()
    until = t0 + ramp + duration
    tasks = [
        asyncio.create_task(_terminal(i, port, t0 + ramp * i / terminals, until, out, registered))
        for i in range(terminals)
    ]

    async def progress() -> None:
        while True:
            await asyncio.sleep(5)
            print(
                f"  clients: {out['online']:,} online, {out['sent']:,} sent, "
                f"{out['acked']:,} acked",
                file=sys.stderr,
                flush=True,
            )

    ticker = asyncio.create_task(progress())
    await asyncio.gather(*tasks)
    ticker.cancel()
    lat = sorted(out.pop("latencies"))
    steady = lat  # all reports; the ramp's registration storm is included
    out["p50_ms"] = 1000 * steady[len(steady) // 2] if steady else None
    out["p99_ms"] = 1000 * steady[int(len(steady) * 0.99)] if steady else None
    out["max_ms"] = 1000 * steady[-1] if steady else None
    out["client_rss_mb"] = _rss_mb()
    out["cpu_s"] = _cpu_s()
    return out


# -- main --------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--terminals", type=int, default=10_000)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of steady reporting")
    ap.add_argument("--ramp", type=float, default=30.0, help="seconds over which terminals connect")
    ap.add_argument("--bus", default="memory")
    ap.add_argument("--loop", choices=["asyncio", "uvloop"], default="uvloop")
    ap.add_argument(
        "--register",
        action="store_true",
        help="terminals register (0x0100) before authenticating, as on their first day; "
        "by default they are in the registry already and only authenticate",
    )
    ap.add_argument("--port", type=int, default=17808)
    ap.add_argument("--role", choices=["main", "server", "clients"], default="main")
    ap.add_argument("--stats", type=Path)
    ap.add_argument("--db", type=Path)
    args = ap.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.loop == "uvloop":
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    if args.role == "server":
        seed = 0 if args.register else args.terminals
        asyncio.run(_serve(args.port, args.bus, args.db, args.stats, seed))
        return
    if args.role == "clients":
        result = asyncio.run(
            _clients(args.terminals, args.port, args.ramp, args.duration, not args.register)
        )
        print(json.dumps(result))
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench-gw-"))
    stats = tmp / "server.json"
    me = [
        sys.executable,
        __file__,
        "--port",
        str(args.port),
        "--bus",
        args.bus,
        "--loop",
        args.loop,
        "--terminals",
        str(args.terminals),
        *(["--register"] if args.register else []),
    ]
    server = subprocess.Popen(
        [*me, "--role", "server", "--stats", str(stats), "--db", str(tmp / "gw.db")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None and server.stdout.readline().strip() == "ready"
    print(
        f"… {args.terminals:,} terminals, ramp {args.ramp:.0f} s, "
        f"{args.duration:.0f} s steady, bus {args.bus}",
        file=sys.stderr,
    )
    clients = subprocess.run(
        [
            *me,
            "--role",
            "clients",
            "--ramp",
            str(args.ramp),
            "--duration",
            str(args.duration),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    sys.stderr.write(clients.stderr[-2000:])
    time.sleep(2)
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)
    c = json.loads(clients.stdout.strip().splitlines()[-1])
    s = json.loads(stats.read_text())
    # Steady rate: median of per-second deltas over the steady window (after the ramp).
    hist = s["history"]
    deltas = sorted(
        (b[1] - a[1]) / (b[0] - a[0]) for a, b in itertools.pairwise(hist) if b[0] > a[0]
    )
    steady = deltas[len(deltas) // 2 :] if deltas else [0.0]
    # Server CPU per report over the steady window (the last `duration` seconds).
    window = [h for h in hist if h[0] >= hist[-1][0] - args.duration] if hist else []
    cpu_per_report = (
        1e6 * (window[-1][2] - window[0][2]) / max(1, window[-1][1] - window[0][1])
        if len(window) > 1
        else 0.0
    )
    report = {
        "machine": f"{os.cpu_count()} cpu, Python {sys.version.split()[0]}",
        "terminals": args.terminals,
        "bus": args.bus,
        "event_loop": args.loop,
        "first_registration": args.register,
        "connections_held": s["connections"],
        "online": c["online"],
        "reports_sent": c["sent"],
        "reports_acked": c["acked"],
        "reports_into_bus": s["locations"],
        "reports_per_s_into_bus_steady": steady[len(steady) // 2],
        "ack_p50_ms": c["p50_ms"],
        "ack_p99_ms": c["p99_ms"],
        "ack_max_ms": c["max_ms"],
        "lost_no_ack": c["lost"],
        "lost_not_in_bus": max(0, c["acked"] - s["locations"]),
        "server_memory_per_connection_kb": 1024
        * (s["rss_mb"] - s["base_rss_mb"])
        / max(1, s["connections"]),
        "server_peak_rss_mb": s["rss_mb"],
        "client_rss_mb": c["client_rss_mb"],
        "server_cpu_us_per_report_steady": cpu_per_report,
        "client_cpu_us_per_report": 1e6 * c["cpu_s"] / max(1, c["sent"]),
        "connect_failed": c["connect_failed"],
        "auth_failed": c["auth_failed"],
    }
    for k, v in report.items():
        print(f"{k:34} {v:,.1f}" if isinstance(v, float) else f"{k:34} {v}")
    out = REPO / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "gateway_load.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
