"""The dispatch console's answers late in the day of a 1,000-bus city: how long each
module's endpoint takes with a full day's record in the store.

    .venv/bin/python bench/console_day.py [--buses 1000] [--clock 19:00] [--repeats 10]
        [--db URL] [--work var/bench/console_day] [--reuse] [--port 8791]

1. Builds the store (SQLite in --work unless --db; a --db store is emptied first: use a
   bench database). The demo city's feed is grown at the GTFS level to --buses buses
   (as bench/simulator.py grows its day: whole blocks copied three minutes later, trip
   and block ids with "_x") and imported. Today's service day (the one the server's
   `--clock HH:MM` is in) is simulated, and its terminals' reports up to --clock are fed
   in arrival order, on the simulated clock, through what the gateway and the live
   runner do with them: the gateway's translation of each JT/T 808 message, the real
   `LiveProcessor` with the day's dispatch plan, and the real `HistoryBuffer` flushed
   every few simulated seconds (positions, stop events, predictions once a minute per
   bus, passenger loads); the alarm and driver-card consumers' writes; the day's fare
   batches delivered by then through the tap loader; the fleet in the terminal
   registry. With --reuse, a store this script finished for today and the same clock,
   buses and store is kept.
2. Adds a manager (经理) with `busbrain users add`.
3. Starts `busbrain --db URL serve --clock HH:MM` (no buses: the live views are empty;
   this is about the modules that read the day's record), waits `--settle-s` (the
   server reads today's record into memory as it starts), logs in, and asks each
   endpoint of bench/console_load.py once (the cold answer, reported on its own), then
   --repeats times one after another, then all of them at once from 8 threads; then four
   more record modules (`EXTRA`: prediction accuracy, adherence, dwells, mileage) the
   same way, outside the 8 threads.

Figures: build time and rows written; per endpoint the cold answer (ms), p50 / p95 / max
(ms) and answer size, /healthz in the same run as the baseline; the 8 threads' p50 / p95
/ max. Output: stdout (a markdown table) and bench/out/console_day.json.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import heapq
import http.cookiejar
import io
import json
import logging
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
import zoneinfo
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))

from busbrain.config import Settings  # noqa: E402
from busbrain.democity import write_demo_feed  # noqa: E402
from busbrain.domain.daynet import DayNetwork  # noqa: E402
from busbrain.domain.events import AlarmCleared, AlarmRaised, Event  # noqa: E402
from busbrain.domain.gtfstime import format_time_s, parse_time_s  # noqa: E402
from busbrain.domain.terminals import TerminalRecord  # noqa: E402
from busbrain.gateway import translate  # noqa: E402
from busbrain.network_io.importer import import_feed  # noqa: E402
from busbrain.oversight.safety import AlarmEnded, NewAlarm  # noqa: E402
from busbrain.planning.jobs.taps import TapLoader  # noqa: E402
from busbrain.protocol import jt808 as j  # noqa: E402
from busbrain.realtime.live import LiveProcessor, service_date_of  # noqa: E402
from busbrain.realtime.rtnet import RtNetwork  # noqa: E402
from busbrain.runner import alarms as alarm_consumer  # noqa: E402
from busbrain.runner import drivers as driver_consumer  # noqa: E402
from busbrain.runner.consumer import HISTORY_EVERY_S, fix_of  # noqa: E402
from busbrain.runner.history import HistoryBuffer  # noqa: E402
from busbrain.sim.duties import plan_duties  # noqa: E402
from busbrain.sim.fares import fare_batches  # noqa: E402
from busbrain.sim.runner import build_scripts  # noqa: E402
from busbrain.sim.scenario import Scenario  # noqa: E402
from busbrain.sim.script import Action, ActionKind, SimTerminal, TerminalScript  # noqa: E402
from busbrain.sim.world import World, simulate_world  # noqa: E402
from busbrain.store import schema  # noqa: E402
from busbrain.store.days import load_day_network, network_timezone, service_day_start  # noqa: E402
from busbrain.store.engine import normalise_url  # noqa: E402
from busbrain.wiring import Store, card_key, open_store  # noqa: E402
from console_load import ENDPOINTS, figures  # noqa: E402
from console_load import timed as load_timed  # noqa: E402

EXTRA = (
    "/api/v1/dispatch/service/predictions",
    "/api/v1/dispatch/service/adherence",
    "/api/v1/dispatch/service/dwells",
    "/api/v1/dispatch/analysis/mileage",
)
"""Modules over the day's record that bench/console_load.py does not ask (the prediction
log is the biggest table of the day): timed the same way, after the others, and left out
of the 8 threads so that those compare with console_load's."""
SHIFT_S = 180
"""The copied blocks run this much later (as bench/simulator.py's `grow`)."""
USERNAME = "bench_jingli"
PASSWORD = "bench-console-password"
TIMEOUT_S = 120.0
THREADS = 8
FLOW_STREAM_FARES = 7
"""The fare batches' random stream, as `busbrain demo` draws them (sim.runner.run_live)."""
MARKER = "built.json"
log = logging.getLogger("console_day")


# --- the 1,000-bus feed ----------------------------------------------------------------


def copies_to_make(net: DayNetwork, buses: int) -> dict[str, str]:
    """trip_id -> block_id of its copy: the trips of the first `buses - duties` duties,
    exactly the blocks bench/simulator.py's `grow` copies."""
    duties = plan_duties(net)
    out: dict[str, str] = {}
    for duty in duties[: max(buses - len(duties), 0)]:
        for i in duty.trips:
            out[net.trips[i].trip_id] = f"{duty.block_id}_x"
    return out


def _shifted(value: str) -> str:
    return format_time_s(parse_time_s(value) + SHIFT_S) if value.strip() else value


def _grow_table(name: str, data: bytes, copies: dict[str, str]) -> bytes:
    """The feed table `name` with a row added for each copied trip's row."""
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
    fields = list(reader.fieldnames or [])
    out = io.StringIO()
    w = csv.DictWriter(out, fields, lineterminator="\n")
    w.writeheader()
    extra = []
    for row in reader:
        w.writerow(row)
        block = copies.get(row.get("trip_id", ""))
        if block is None:
            continue
        copy = dict(row, trip_id=row["trip_id"] + "_x")
        if name == "trips.txt":
            copy["block_id"] = block
        elif name == "stop_times.txt":
            copy["arrival_time"] = _shifted(row.get("arrival_time", ""))
            copy["departure_time"] = _shifted(row.get("departure_time", ""))
        elif name == "frequencies.txt":
            copy["start_time"] = _shifted(row["start_time"])
            copy["end_time"] = _shifted(row["end_time"])
        extra.append(copy)
    w.writerows(extra)
    return out.getvalue().encode("utf-8")


def write_grown_feed(feed: Path, out: Path, copies: dict[str, str]) -> None:
    with zipfile.ZipFile(feed) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename in ("trips.txt", "stop_times.txt", "frequencies.txt"):
                data = _grow_table(info.filename, data, copies)
            dst.writestr(info.filename, data)


# --- the live side over the simulated day ----------------------------------------------


def _tagged(script: TerminalScript) -> Iterator[tuple[SimTerminal, Action]]:
    for a in script:
        yield script.terminal, a


def _utc(t: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(t, dt.UTC)


def _hhmm(t: float, tz: dt.tzinfo) -> str:
    return dt.datetime.fromtimestamp(t, tz).strftime("%H:%M")


async def live_day(
    store: Store, world: World, tz: zoneinfo.ZoneInfo, until: float, key: bytes
) -> dict[str, Any]:
    """Feed the terminals' reports up to unix time `until` through the gateway's
    translation, the live processor and the history, as `busbrain serve` does with a
    bus (in-memory event bus) in between; returns the counts."""
    rt = RtNetwork.build(world.net, world.day_start_unix)
    day = world.scenario.service_date
    processor = LiveProcessor(lambda d: rt if d == day else None, tz)
    # the dispatch plan (which bus runs which block), as `busbrain demo` gives it
    processor.plan(
        {t.vehicle_id: d.block_id for t, d in zip(world.terminals, world.duties, strict=True)}
    )
    history = HistoryBuffer(store.history)
    clock = [world.day_start_unix]
    taps = TapLoader(store, key, now=lambda: _utc(clock[0]))
    batches = sorted(
        fare_batches(world, np.random.default_rng([world.scenario.seed, FLOW_STREAM_FARES])),
        key=lambda b: b.delivered_unix,
    )
    n: dict[str, int] = dict.fromkeys(
        (
            "reports",
            "fixes",
            "door_counts",
            "card_moves",
            "positions",
            "stop_events",
            "predictions",
            "passenger_loads",
            "alarms_raised",
            "alarms_ended",
            "fare_batches",
            "taps_added",
            "errors",
            "flushes",
        ),
        0,
    )
    raised: list[NewAlarm] = []
    ended: list[AlarmEnded] = []
    moves: list[driver_consumer.CardMove] = []
    alarm_bits: dict[str, int] = {}
    fare_next = 0
    flush_s = 0.0
    t0 = time.perf_counter()
    shown = t0

    async def flush(now: float) -> None:
        nonlocal raised, ended, moves, flush_s
        f0 = time.perf_counter()
        n["positions"] += len(history.positions)
        n["stop_events"] += len(history.stop_events)
        n["predictions"] += len(history.predictions)
        n["passenger_loads"] += len(history.loads)
        await history.flush(now)
        if raised or ended:
            a, c = await asyncio.to_thread(alarm_consumer.write, store.alarms, raised, ended)
            n["alarms_raised"] += a
            n["alarms_ended"] += c
        if moves:
            await asyncio.to_thread(driver_consumer.write, store.drivers, moves)
        raised, ended, moves = [], [], []
        n["flushes"] += 1
        flush_s += time.perf_counter() - f0

    def alarm_events(events: list[Event]) -> None:
        for e in events:
            if isinstance(e, AlarmRaised):
                raised.append(alarm_consumer.new_alarm(e))
            elif isinstance(e, AlarmCleared):
                ended.append(alarm_consumer.alarm_ended(e))

    last_flush = world.day_start_unix
    merged = heapq.merge(*(_tagged(s) for s in build_scripts(world)), key=lambda x: x[1].t)
    for term, a in merged:
        if a.t > until:
            break
        now = clock[0] = a.t
        while fare_next < len(batches) and batches[fare_next].delivered_unix <= now:
            batch = batches[fare_next]
            fare_next += 1
            clock[0] = batch.delivered_unix
            report, _ = await asyncio.to_thread(
                taps.load_bytes, batch.csv_text().encode(), f"{batch.batch_id}.csv"
            )
            clock[0] = now
            n["fare_batches"] += 1
            n["taps_added"] += report.added
        if now - last_flush >= HISTORY_EVERY_S:
            await flush(now)
            last_flush = now
        if time.perf_counter() - shown >= 10:
            shown = time.perf_counter()
            print(
                f"  {_hhmm(now, tz)} on the day's clock, {shown - t0:.0f} s: "
                f"{n['fixes']:,} fixes, {n['positions']:,} positions, "
                f"{n['stop_events']:,} stop events, {n['predictions']:,} predictions, "
                f"{n['passenger_loads']:,} loads, {n['taps_added']:,} taps "
                f"(writing {flush_s:.0f} s)",
                flush=True,
            )
        if a.kind is ActionKind.CONNECT:
            alarm_bits[term.phone] = 0  # the gateway's alarm word is per connection
            continue
        message = a.message
        if a.kind is not ActionKind.SEND or message is None:
            continue
        n["reports"] += 1
        who = translate.Identity(term.phone, term.vehicle_id)
        if isinstance(message, j.PassengerFlow):
            count = translate.passenger_count(who, message)
            n["door_counts"] += 1
            refined = processor.count(
                count.vehicle or count.phone,
                count.boarded,
                count.alighted,
                count.ts_utc.timestamp(),
                count.phone,
                opened=count.start_utc.timestamp(),
            )
            history.take_events(processor, refined, now)
            continue
        if isinstance(message, j.DriverIdentity):
            move = driver_consumer.card_move(translate.driver_identity(who, message))
            if move is not None:
                moves.append(move)
                n["card_moves"] += 1
            continue
        if isinstance(message, j.Location):
            locations, blind = [message], False
        elif isinstance(message, j.BatchLocation):
            locations, blind = list(message.locations), message.batch_type == 1
        else:
            continue
        received = _utc(now)
        for loc in locations:
            try:
                event = translate.vehicle_location(who, loc, received, blind_area=blind)
            except ValueError:
                n["errors"] += 1
                continue
            if not blind:
                alarm_events(translate.flag_changes(who, loc, alarm_bits.get(term.phone, 0)))
                alarm_bits[term.phone] = loc.alarm_flags
            alarm_events(translate.safety_alarms(who, loc))
            try:
                fix = fix_of(event)
                caused = processor.process(fix, now, event.phone)
                history.take(processor, fix, caused, now)
            except Exception:  # as the live runner: one bad fix must not stop the city
                log.exception("position of %s not processed", event.phone)
                n["errors"] += 1
                continue
            n["fixes"] += 1
    clock[0] = until
    while fare_next < len(batches) and batches[fare_next].delivered_unix <= until:
        batch = batches[fare_next]
        fare_next += 1
        report, _ = await asyncio.to_thread(
            taps.load_bytes, batch.csv_text().encode(), f"{batch.batch_id}.csv"
        )
        n["fare_batches"] += 1
        n["taps_added"] += report.added
    await flush(until)
    n["openings_unmatched"] = processor.openings_unmatched
    n["loads_lost"] = processor.loads_lost
    return {**n, "live_s": round(time.perf_counter() - t0, 1), "writing_s": round(flush_s, 1)}


# --- building the store ----------------------------------------------------------------


def _empty_store(url: str) -> None:
    """Start from nothing: the SQLite file removed, or busbrain's tables dropped."""
    sa_url = make_url(normalise_url(url))
    if sa_url.get_backend_name() == "sqlite":
        if sa_url.database and sa_url.database != ":memory:":
            for suffix in ("", "-wal", "-shm"):
                Path(sa_url.database + suffix).unlink(missing_ok=True)
        return
    store = open_store(url, upgrade=False)
    try:
        schema.metadata.drop_all(store.engine)
        with store.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        store.close()


def _clock_unix(tz: zoneinfo.ZoneInfo, hhmm: str) -> float:
    """Unix time of `hhmm` today in `tz`, as `busbrain serve --clock` reads it."""
    hour, minute = (int(x) for x in hhmm.split(":"))
    today = dt.datetime.now(tz).date()
    return dt.datetime.combine(today, dt.time(hour, minute), tz).timestamp()


def table_counts(store: Store) -> dict[str, int]:
    tables = {
        "positions": schema.position_history,
        "stop_events": schema.stop_event,
        "predictions": schema.prediction_log,
        "passenger_loads": schema.passenger_load,
        "fare_taps": schema.fare_tap,
        "alarms": schema.alarm,
        "driver_shifts": schema.driver_shift,
        "terminals": schema.terminal,
        "trips": schema.trip,
    }
    with store.engine.connect() as conn:
        return {
            name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for name, t in tables.items()
        }


def build(url: str, work: Path, buses: int, clock: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    _empty_store(url)
    feed = write_demo_feed(work / "demo.zip")
    base_url = f"sqlite:///{work / 'base.db'}"
    _empty_store(base_url)
    base = open_store(base_url)
    try:
        import_feed(feed, base.network, now=dt.datetime.now(dt.UTC))
        tz = network_timezone(base.queries)
        until = _clock_unix(tz, clock)
        day = service_date_of(until, tz)
        copies = copies_to_make(load_day_network(base.queries, base.schedule, day), buses)
    finally:
        base.close()
    _empty_store(base_url)
    grown = work / f"city-{buses}.zip"
    write_grown_feed(feed, grown, copies)
    store = open_store(url)
    try:
        outcome = import_feed(grown, store.network, now=dt.datetime.now(dt.UTC))
        if not outcome.imported:
            raise SystemExit(f"the grown feed was not imported: {outcome.findings.notices}")
        t_feed = time.perf_counter()
        print(
            f"feed: {len(copies):,} trips copied, imported in {t_feed - t0:.0f} s; "
            f"service day {day} ({day.strftime('%A')}), clock {clock}",
            flush=True,
        )
        net = load_day_network(store.queries, store.schedule, day)
        last = [t_feed]

        def progress(step: str, done: int, total: int) -> None:
            if time.perf_counter() - last[0] > 10:
                last[0] = time.perf_counter()
                print(f"  world: {step} {done}/{total}", flush=True)

        world = simulate_world(net, Scenario(day), service_day_start(day, tz), progress=progress)
        t_world = time.perf_counter()
        print(
            f"world: {len(world.terminals):,} buses, {len(net.trips):,} trips, "
            f"{len(world.day.rides):,} rides in {t_world - t_feed:.0f} s",
            flush=True,
        )
        store.terminals.upsert_terminals(
            [
                TerminalRecord(
                    t.phone,
                    t.plate,
                    1,
                    t.vehicle_id,
                    f"depot_{net.trips[d.trips[0]].route_id}",
                    None,
                    None,
                )
                for t, d in zip(world.terminals, world.duties, strict=True)
            ]
        )  # as `busbrain terminals import` of the simulator's terminals.csv
        key = card_key(Settings(card_key_file=str(work / "card.key")))
        counts = asyncio.run(live_day(store, world, tz, until, key))
        t_live = time.perf_counter()
        rows = table_counts(store)
    finally:
        store.close()
    return {
        "service_date": day.isoformat(),
        "clock": clock,
        "buses": len(world.terminals),
        "trips": len(world.net.trips),
        "db": url,
        "build_s": {
            "feed": round(t_feed - t0, 1),
            "world": round(t_world - t_feed, 1),
            "live": round(t_live - t_world, 1),
            "total": round(t_live - t0, 1),
        },
        "written": counts,
        "rows": rows,
    }


def add_manager(exe: str, url: str) -> None:
    """The bench's manager (经理), with `busbrain users add` (or `passwd` if it exists)."""
    for cmd in (["add", USERNAME, "--role", "manager"], ["passwd", USERNAME]):
        done = subprocess.run(
            [exe, "--db", url, "users", *cmd, "--password-stdin"],
            input=PASSWORD + "\n",
            text=True,
            capture_output=True,
            check=False,
        )
        if done.returncode == 0:
            return
    raise SystemExit(f"could not add the manager: {done.stdout}{done.stderr}")


# --- the console's answers -------------------------------------------------------------


def timed(opener: urllib.request.OpenerDirector, url: str) -> tuple[float, int]:
    return load_timed(opener, url, TIMEOUT_S)


def start_server(
    exe: str, url: str, port: int, clock: str, log_path: Path
) -> subprocess.Popen[bytes]:
    """`busbrain serve` on `port`, started again (a minute later) when it fails to come up
    (the API is being edited concurrently); returns once /healthz answers."""
    for attempt in range(5):
        with log_path.open("ab") as fh:
            proc = subprocess.Popen(
                [exe, "--db", url, "serve", "--port", str(port), "--clock", clock],
                cwd=log_path.parent,
                stdout=fh,
                stderr=subprocess.STDOUT,
            )
        deadline = time.time() + 300
        while time.time() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10):
                    return proc
            except OSError:
                time.sleep(1)
        proc.terminate()
        proc.wait(timeout=30)
        print(f"server did not start (attempt {attempt + 1}); see {log_path}", flush=True)
        time.sleep(60)
    raise SystemExit("the server would not start")


def measure(base: str, repeats: int) -> dict[str, Any]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    body = json.dumps({"username": USERNAME, "password": PASSWORD}).encode()
    login = urllib.request.Request(
        f"{base}/api/v1/dispatch/login", body, {"Content-Type": "application/json"}
    )
    opener.open(login, timeout=30).read()
    rows: list[dict[str, Any]] = []
    for path in (*ENDPOINTS, *EXTRA):
        try:
            cold, _ = timed(opener, base + path)  # the first answer: caches built
            runs = [timed(opener, base + path) for _ in range(repeats)]
        except (urllib.error.URLError, TimeoutError) as exc:
            rows.append({"endpoint": path, "error": str(exc)})
            print(f"{path}: {exc}", flush=True)
            continue
        rows.append(
            {"endpoint": path, "kb": round(runs[-1][1] / 1024, 1), "cold_ms": round(cold, 1)}
            | figures([ms for ms, _ in runs])
            | ({"extra": True} if path in EXTRA else {})
        )
        print(f"{path}: {rows[-1]}", flush=True)
    urls = [base + p for p in ENDPOINTS[1:]] * max(repeats // 4, 1)
    with ThreadPoolExecutor(THREADS) as pool:
        t0 = time.perf_counter()
        burst = list(pool.map(lambda u: timed(opener, u)[0], urls))
        wall = time.perf_counter() - t0
    together = {"requests": len(urls), "wall_s": round(wall, 2)} | figures(burst)
    print(f"{THREADS} screens at once: {together}", flush=True)
    return {"repeats": repeats, "sequential": rows, "eight_at_once": together}


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--buses", type=int, default=1000)
    ap.add_argument(
        "--clock", default="19:00", help="HH:MM today: the record's end, the server's clock"
    )
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--db", help="Store URL (default: SQLite in --work); emptied when built.")
    ap.add_argument("--work", type=Path, default=REPO / "var" / "bench" / "console_day")
    ap.add_argument("--reuse", action="store_true", help="Keep a finished store of today.")
    ap.add_argument("--port", type=int, default=8791)
    ap.add_argument(
        "--settle-s",
        type=float,
        default=60.0,
        help="Wait this long after the server is up (it reads today's record as it starts).",
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    work: Path = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    url: str = args.db or f"sqlite:///{work / 'console_day.db'}"
    exe = str(Path(sys.executable).with_name("busbrain"))
    marker = work / MARKER
    built: dict[str, Any] | None = None
    if args.reuse and marker.exists():
        old = json.loads(marker.read_text(encoding="utf-8"))
        store = open_store(url)
        try:
            tz = network_timezone(store.queries)
            today = service_date_of(_clock_unix(tz, args.clock), tz)
        finally:
            store.close()
        same = (old["db"], old["clock"], old["buses"], old["service_date"])
        if same == (url, args.clock, args.buses, today.isoformat()):
            built = old | {"reused": True}
            print(f"reusing the store built for {today} at {args.clock}: {old['rows']}")
    if built is None:
        marker.unlink(missing_ok=True)
        built = build(url, work, args.buses, args.clock)
        marker.write_text(json.dumps(built, indent=2), encoding="utf-8")
        print(json.dumps(built, indent=2), flush=True)
    add_manager(exe, url)
    t0 = time.perf_counter()
    proc = start_server(exe, url, args.port, args.clock, work / "serve.log")
    up_s = round(time.perf_counter() - t0, 1)
    print(f"server up in {up_s} s; letting it read today's record {args.settle_s:g} s", flush=True)
    time.sleep(args.settle_s)
    try:
        result = measure(f"http://127.0.0.1:{args.port}", args.repeats)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    out = {"machine": f"{sys.platform}, {os.cpu_count()} cores", "store": built}
    out |= {"server_start_s": up_s} | result
    print(
        f"\n{built['buses']:,} buses, record to {args.clock} of {built['service_date']}\n"
        "\n| endpoint | KB | cold ms | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|---:|---:|"
    )
    for r in result["sequential"]:
        if "error" in r:
            print(f"| `{r['endpoint']}` | error: {r['error']} | | | | |")
            continue
        name = f"`{r['endpoint']}`" + (" (extra)" if r.get("extra") else "")
        cells = [name, r["kb"], r["cold_ms"], r["p50_ms"], r["p95_ms"], r["max_ms"]]
        print("| " + " | ".join(str(c) for c in cells) + " |")
    b = result["eight_at_once"]
    print(
        f"\n{THREADS} screens at once ({b['requests']} requests in {b['wall_s']} s): "
        f"p50 {b['p50_ms']} ms, p95 {b['p95_ms']} ms, max {b['max_ms']} ms"
    )
    folder = REPO / "bench" / "out"
    folder.mkdir(exist_ok=True)
    (folder / "console_day.json").write_text(json.dumps(out, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
