"""The timetable job: load profiles (from `plan od`) and the AVL history in, a new GTFS
feed out, with the comparison against the current timetable.

For each line and direction of one service (e.g. the weekday service `WD`) that has load
data: the hourly load profile on its main pattern (averaged over the OD days that run
that service), running times and dwells by hour learnt from the stored stop events
(the current timetable's where history is thin), then `plan_line`. The new feed is the
stored network with that service's trips of those lines replaced; blocks come from
`plan blocks`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from busbrain.domain.errors import BadInputError
from busbrain.domain.network import TripTimes
from busbrain.planning.jobs.files import csv_text
from busbrain.planning.jobs.od import AvlStore
from busbrain.planning.timetable.plan import (
    LineDemand,
    LinePlan,
    Policy,
    RunTimes,
    Service,
    balanced,
    evaluate,
    line_frequencies,
    plan_line,
)
from busbrain.store.days import network_timezone, service_day_start

HOURS = 48


@dataclass(frozen=True, slots=True)
class LineResult:
    demand: LineDemand
    plan: LinePlan
    before: Service
    after: Service
    current_departures: list[float]
    headsign: str | None
    shape_id: str


def _days_running(store: AvlStore, service_id: str, days: list[dt.date]) -> list[dt.date]:
    services = {s.service_id: s for s in store.schedule.list_services()}
    if service_id not in services:
        known = ", ".join(sorted(services)) or "none"
        raise BadInputError(f"no service {service_id!r} in the store (services: {known})")
    return [d for d in days if services[service_id].runs_on(d)]


def _runtimes(
    stops: tuple[str, ...],
    events: pl.DataFrame,
    scheduled: list[TripTimes],
    day_start: dict[dt.date, float],
) -> RunTimes:
    """Median run and mean dwell by hour from stop events; the timetable fills gaps."""
    n = len(stops)
    index = {(a, b): i for i, (a, b) in enumerate(itertools.pairwise(stops))}
    position = {s: i for i, s in enumerate(stops)}
    run: list[dict[int, list[float]]] = [dict() for _ in range(n - 1)]
    dwell: list[dict[int, list[float]]] = [dict() for _ in range(n)]
    if events.height:
        ev = events.sort("service_date", "vehicle_id", "trip_id", "stop_sequence")
        start = np.array([day_start[d] for d in ev.get_column("service_date").to_list()])
        arr = ev.get_column("arrival_utc").dt.epoch("us").to_numpy() / 1e6 - start
        dep = ev.get_column("departure_utc").dt.epoch("us").to_numpy() / 1e6 - start
        sid = ev.get_column("stop_id").to_list()
        trip = ev.get_column("trip_id").to_list()
        for k in range(len(sid)):
            if (p := position.get(sid[k])) is not None:
                dwell[p].setdefault(int(arr[k] // 3600), []).append(float(dep[k] - arr[k]))
            if k + 1 < len(sid) and trip[k + 1] == trip[k]:
                i = index.get((sid[k], sid[k + 1]))
                if i is not None and arr[k + 1] > dep[k]:
                    run[i].setdefault(int(dep[k] // 3600), []).append(float(arr[k + 1] - dep[k]))
    sched: list[dict[int, list[float]]] = [dict() for _ in range(n - 1)]
    for tt in scheduled:
        for k in range(len(tt.stop_ids) - 1):
            i = index.get((tt.stop_ids[k], tt.stop_ids[k + 1]))
            d0, a1 = tt.departure_s[k], tt.arrival_s[k + 1]
            if i is not None and d0 is not None and a1 is not None:
                sched[i].setdefault(d0 // 3600, []).append(float(a1 - d0))
    run_s = np.zeros((HOURS, max(n - 1, 0)))
    dwell_s = np.zeros((HOURS, n))
    for i in range(n - 1):
        learnt = {h: float(np.median(v)) for h, v in run[i].items() if len(v) >= 3}
        planned = {h: float(np.median(v)) for h, v in sched[i].items()}
        for h in range(HOURS):
            src = learnt or planned
            if h in learnt:
                run_s[h, i] = learnt[h]
            elif src:
                near = min(src, key=lambda x: abs(x - h))
                run_s[h, i] = src[near]
            else:
                run_s[h, i] = 60.0
    for p in range(n):
        means = {h: float(np.mean(v)) for h, v in dwell[p].items() if len(v) >= 3}
        for h in range(HOURS):
            if means:
                dwell_s[h, p] = means[min(means, key=lambda x: abs(x - h))]
    return RunTimes(run_s, dwell_s)


def gather_lines(
    store: AvlStore,
    od_dir: Path,
    service_id: str,
    policy: Policy,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[LineResult], dt.date]:
    """Plan every line of `service_id` that has load data under `od_dir`."""
    say = progress or (lambda _m: None)
    path = od_dir / "segment_loads.parquet"
    if not path.is_file():
        raise BadInputError(f"{path}: no such file; run `busbrain plan od --out {od_dir}` first")
    seg = pl.read_parquet(path)
    days = _days_running(store, service_id, sorted(set(seg.get_column("service_date"))))
    if not days:
        raise BadInputError(f"none of the OD days under {od_dir} runs service {service_id!r}")
    seg = seg.filter(pl.col("service_date").is_in(days))
    n_days = len(days)
    ref = days[0]
    tz = network_timezone(store.queries)
    starts = {d: service_day_start(d, tz) for d in days}
    trips = store.schedule.trip_times_on(ref)
    patterns = {p.pattern_id: p for p in store.queries.list_patterns()}
    by_line: dict[tuple[str, int], list[TripTimes]] = {}
    for t in trips:
        by_line.setdefault((t.route_id, int(t.direction_id or 0)), []).append(t)
    say(f"reading the stop events of {n_days} days")
    events = store.history.stop_events(days[0], days[-1]).filter(pl.col("service_date").is_in(days))
    staged: list[tuple[LineDemand, RunTimes, list[float], list[float], str | None, str]] = []
    for n, ((route, direction), line_trips) in enumerate(sorted(by_line.items()), start=1):
        say(f"planning line {route} direction {direction} ({n}/{len(by_line)})")
        main = Counter(t.pattern_id for t in line_trips).most_common(1)[0][0]
        pattern = patterns[main]
        stops = tuple(s.stop_id for s in pattern.stops)
        lengths = np.maximum(np.diff([s.dist_m for s in pattern.stops]), 0.0)
        deps = sorted(float(t.departure_s[0] or 0) for t in line_trips)
        first_s, last_s = deps[0], deps[-1]
        hours = np.arange(int(first_s // 3600), int(last_s // 3600) + 1, dtype=np.int64)
        index = {(a, b): i for i, (a, b) in enumerate(itertools.pairwise(stops))}
        part = seg.filter((pl.col("route_id") == route) & (pl.col("direction_id") == direction))
        loads = np.zeros((len(hours), len(stops) - 1))
        boardings = np.zeros(len(hours))
        for a, b, h, load, board in part.select(
            "from_stop_id", "to_stop_id", "hour", "load", "boardings"
        ).iter_rows():
            k = int(h) - int(hours[0])
            if 0 <= k < len(hours):
                boardings[k] += board / n_days
                if (i := index.get((a, b))) is not None:
                    loads[k, i] += load / n_days
        if not part.height:
            continue
        # Max-load point observations for even-load spacing.
        point = int(np.argmax(loads.sum(axis=0))) if loads.size else 0
        times = {t.trip_id: t for t in line_trips}
        at_point = part.filter(pl.col("from_stop_id") == stops[point])
        obs_t, obs_q = [], []
        for trip_id, load in at_point.select("trip_id", "load").iter_rows():
            tt = times.get(trip_id)
            if tt is not None and stops[point] in tt.stop_ids:
                d = tt.departure_s[tt.stop_ids.index(stops[point])]
                if d is not None:
                    obs_t.append(float(d))
                    obs_q.append(float(load) / n_days)
        demand = LineDemand(
            route, direction, stops, lengths, hours, loads, boardings, first_s, last_s,
            (np.array(obs_t), np.array(obs_q)),
        )  # fmt: skip
        runtimes = _runtimes(
            stops,
            events.filter(pl.col("route_id") == route),
            [t for t in line_trips if t.pattern_id == main],
            starts,
        )
        now = [
            float((t.arrival_s[-1] or t.departure_s[-1] or 0) - (t.departure_s[0] or 0))
            for t in line_trips
        ]
        staged.append((demand, runtimes, deps, now, pattern.headsign, pattern.shape_id))
    freqs = {(dem.route_id, dem.direction_id): line_frequencies(dem, policy) for dem, *_ in staged}
    if policy.balance_directions:
        by_route: dict[str, list[LineDemand]] = {}
        for dem, *_ in staged:
            by_route.setdefault(dem.route_id, []).append(dem)
        for ds in by_route.values():
            if len(ds) == 2:
                a, b = ds
                fa, fb = balanced(
                    (a.hours, freqs[(a.route_id, a.direction_id)]),
                    (b.hours, freqs[(b.route_id, b.direction_id)]),
                )
                freqs[(a.route_id, a.direction_id)] = fa
                freqs[(b.route_id, b.direction_id)] = fb
    out: list[LineResult] = []
    for demand, runtimes, deps, now, headsign, shape_id in staged:
        plan = plan_line(demand, runtimes, policy, freqs[(demand.route_id, demand.direction_id)])
        new = [float(a[-1] - d) for a, d in zip(plan.arrivals, plan.departures, strict=True)]
        out.append(
            LineResult(
                demand, plan,
                before=evaluate(demand, deps, now, policy),
                after=evaluate(demand, plan.departures, new, policy),
                current_departures=deps, headsign=headsign, shape_id=shape_id,
            )
        )  # fmt: skip
    if not out:
        raise BadInputError(f"no line of service {service_id!r} has load data under {od_dir}")
    return out, ref


def comparison(lines: list[LineResult]) -> pl.DataFrame:
    rows = []
    for r in lines:
        for when, s in (("current", r.before), ("new", r.after)):
            rows.append(
                {
                    "route_id": r.plan.route_id,
                    "direction_id": r.plan.direction_id,
                    "timetable": when,
                    "trips": s.trips,
                    "vehicle_hours": round(s.vehicle_hours, 2),
                    "crowded_share": round(s.crowded_share, 4),
                    "expected_wait_min": round(s.expected_wait_s / 60, 2),
                }
            )
    return pl.DataFrame(rows)


def _hms(t: float) -> str:
    s = round(t)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def write_feed(base: Path, lines: list[LineResult], service_id: str, out: Path) -> dict[str, int]:
    """`base` (the current network as a GTFS zip) with `service_id`'s trips of the planned
    lines replaced by the new ones (trip ids ROUTE_SERVICE_DIRECTION_Pnnn, no blocks)."""
    planned = {r.plan.route_id for r in lines}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "feed"
        try:
            with zipfile.ZipFile(base) as zf:
                zf.extractall(folder)
        except (zipfile.BadZipFile, OSError) as exc:
            raise BadInputError(f"{base}: not a readable GTFS zip: {exc}") from exc
        trips = pl.read_csv(folder / "trips.txt", infer_schema=False)
        times = pl.read_csv(folder / "stop_times.txt", infer_schema=False)
        drop = trips.filter(
            (pl.col("service_id") == service_id) & pl.col("route_id").is_in(sorted(planned))
        ).get_column("trip_id")
        trips = trips.filter(~pl.col("trip_id").is_in(drop.implode()))
        times = times.filter(~pl.col("trip_id").is_in(drop.implode()))
        shapes: set[str] = set()
        if (folder / "shapes.txt").is_file():
            shapes = set(
                pl.read_csv(folder / "shapes.txt", infer_schema=False, columns=["shape_id"])
                .get_column("shape_id")
                .to_list()
            )
        new_trips, new_times = [], []
        for r in lines:
            p = r.plan
            for k, (arr, dep) in enumerate(zip(p.arrivals, p.departures_at, strict=True), 1):
                trip_id = f"{p.route_id}_{service_id}_{p.direction_id}_P{k:03d}"
                new_trips.append(
                    {
                        "route_id": p.route_id,
                        "service_id": service_id,
                        "trip_id": trip_id,
                        "trip_headsign": r.headsign or "",
                        "direction_id": str(p.direction_id),
                        "block_id": "",
                        # a pattern's own shape id when the trips had none is not exported
                        "shape_id": r.shape_id if r.shape_id in shapes else "",
                    }
                )
                for seq, (stop, a, d) in enumerate(zip(p.stop_ids, arr, dep, strict=True), 1):
                    new_times.append(
                        {
                            "trip_id": trip_id,
                            "arrival_time": _hms(a),
                            "departure_time": _hms(max(d, a)),
                            "stop_id": stop,
                            "stop_sequence": str(seq),
                        }
                    )
        trips = pl.concat(
            [
                trips,
                pl.DataFrame(new_trips).select([c for c in trips.columns if c in new_trips[0]]),
            ],
            how="diagonal",
        )
        times = pl.concat([times, pl.DataFrame(new_times)], how="diagonal")
        counts = {"trips.txt": trips.height, "stop_times.txt": times.height}
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp_zip = out.with_name(out.name + ".part")
        with zipfile.ZipFile(tmp_zip, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(folder.iterdir()):
                if f.name == "trips.txt":
                    zf.writestr(f.name, csv_text(trips))
                elif f.name == "stop_times.txt":
                    zf.writestr(f.name, csv_text(times))
                else:
                    zf.write(f, f.name)
        tmp_zip.replace(out)
    return counts
