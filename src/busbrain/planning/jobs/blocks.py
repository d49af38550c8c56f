"""The blocks job: a GTFS feed's trips of one service chained into blocks (路牌) per line,
fewest buses first, and the feed written back with `block_id` filled.

Terminals are stations: stops sharing a parent station, else a name (the two sides of
the road at a terminus are one terminal). A bus may deadhead between terminals of its
line at `deadhead_speed_kmh` over 1.3 times the straight-line distance, plus two
minutes, up to `max_deadhead_m`; it lays over at least `layover_s` before each trip.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from busbrain.domain.errors import BadInputError
from busbrain.domain.geo import haversine_m
from busbrain.planning.jobs.files import csv_text
from busbrain.planning.scheduling.daily import DayBlocks, DayTrip, schedule_day


@dataclass(frozen=True, slots=True)
class BlockParams:
    layover_s: float = 300.0
    deadhead_speed_kmh: float = 20.0
    max_deadhead_m: float = 5000.0


@dataclass(frozen=True, slots=True)
class RouteBlocks:
    route_id: str
    trips: int
    day: DayBlocks
    current_blocks: int
    """Blocks the feed had for these trips (0 when it had none)."""
    trips_list: list[DayTrip]


def _seconds(col: str) -> pl.Expr:
    parts = pl.col(col).str.split(":")
    return (
        parts.list.get(0).cast(pl.Int64) * 3600
        + parts.list.get(1).cast(pl.Int64) * 60
        + parts.list.get(2).cast(pl.Int64)
    )


def _read(feed: Path, name: str) -> pl.DataFrame:
    try:
        with zipfile.ZipFile(feed) as zf:
            return pl.read_csv(zf.read(name), infer_schema=False)
    except KeyError as exc:
        raise BadInputError(f"{feed}: no {name}") from exc
    except (zipfile.BadZipFile, OSError) as exc:
        raise BadInputError(f"{feed}: not a readable GTFS zip: {exc}") from exc


def day_trips(feed: Path, service_id: str) -> tuple[dict[str, list[DayTrip]], pl.DataFrame]:
    """Per route, the service's trips with terminals and times; and the stops."""
    trips = _read(feed, "trips.txt")
    if "block_id" not in trips.columns:
        trips = trips.with_columns(pl.lit(None, pl.String()).alias("block_id"))
    trips = trips.filter(pl.col("service_id") == service_id)
    if not trips.height:
        raise BadInputError(f"{feed}: no trips of service {service_id!r}")
    stops = _read(feed, "stops.txt")
    if "parent_station" not in stops.columns:
        stops = stops.with_columns(pl.lit(None, pl.String()).alias("parent_station"))
    stops = stops.with_columns(
        pl.col("stop_lat").cast(pl.Float64),
        pl.col("stop_lon").cast(pl.Float64),
        pl.when(pl.col("parent_station").is_not_null() & (pl.col("parent_station") != ""))
        .then(pl.col("parent_station"))
        .otherwise(pl.col("stop_name"))
        .alias("terminal"),
    )
    times = _read(feed, "stop_times.txt").filter(
        pl.col("trip_id").is_in(trips.get_column("trip_id").implode())
    )
    ends = (
        times.with_columns(
            pl.col("stop_sequence").cast(pl.Int64),
            _seconds("arrival_time").alias("arr"),
            _seconds("departure_time").alias("dep"),
        )
        .sort("trip_id", "stop_sequence")
        .group_by("trip_id", maintain_order=True)
        .agg(
            pl.col("stop_id").first().alias("first_stop"),
            pl.col("stop_id").last().alias("last_stop"),
            pl.col("dep").first().alias("start_s"),
            pl.col("arr").last().alias("end_s"),
        )
    )
    term = dict(stops.select("stop_id", "terminal").iter_rows())
    rows = trips.join(ends, on="trip_id")
    out: dict[str, list[DayTrip]] = {}
    for route, trip_id, a, b, s, e in rows.select(
        "route_id", "trip_id", "first_stop", "last_stop", "start_s", "end_s"
    ).iter_rows():
        out.setdefault(route, []).append(
            DayTrip(trip_id, term.get(a, a), term.get(b, b), float(s), float(e))
        )
    return out, stops


def _deadhead(stops: pl.DataFrame, p: BlockParams) -> Callable[[str, str], float | None]:
    where = {
        t: (lat, lon)
        for t, lat, lon in stops.group_by("terminal")
        .agg(pl.col("stop_lat").mean(), pl.col("stop_lon").mean())
        .iter_rows()
    }

    def seconds(a: str, b: str) -> float | None:
        if a not in where or b not in where:
            return None
        dist = 1.3 * haversine_m(*where[a], *where[b])
        if dist > p.max_deadhead_m:
            return None
        return 120.0 + dist / (p.deadhead_speed_kmh / 3.6)

    return seconds


def plan_blocks(
    feed: Path,
    service_id: str,
    params: BlockParams | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[RouteBlocks]:
    p = params or BlockParams()
    say = progress or (lambda _m: None)
    routes, stops = day_trips(feed, service_id)
    current = _read(feed, "trips.txt").filter(pl.col("service_id") == service_id)
    deadhead = _deadhead(stops, p)
    out = []
    for n, (route, trips) in enumerate(sorted(routes.items()), start=1):
        say(f"blocks for line {route} ({n}/{len(routes)}, {len(trips)} trips)")
        day = schedule_day(trips, deadhead_s=deadhead, layover_s=p.layover_s)
        had = (
            current.filter((pl.col("route_id") == route) & pl.col("block_id").is_not_null())
            .get_column("block_id")
            .n_unique()
            if "block_id" in current.columns
            else 0
        )
        out.append(RouteBlocks(route, len(trips), day, had, trips))
    return out


def write_blocks(feed: Path, service_id: str, plans: list[RouteBlocks], out: Path) -> int:
    """`feed` with block_id set for the service's planned trips; returns blocks written."""
    block_of = {}
    for r in plans:
        for k, ids in enumerate(r.day.blocks, start=1):
            for trip_id in ids:
                block_of[trip_id] = f"{service_id}_{r.route_id}_B{k:02d}"
    trips = _read(feed, "trips.txt")
    if "block_id" not in trips.columns:
        trips = trips.with_columns(pl.lit(None, pl.String()).alias("block_id"))
    mapping = pl.DataFrame(
        {"trip_id": list(block_of), "new_block": list(block_of.values())},
        schema={"trip_id": pl.String(), "new_block": pl.String()},
    )
    trips = (
        trips.join(mapping, on="trip_id", how="left")
        .with_columns(pl.coalesce("new_block", "block_id").alias("block_id"))
        .drop("new_block")
    )
    text = csv_text(trips)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        part = Path(tmp) / "feed.zip"
        with zipfile.ZipFile(feed) as src, zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                if info.filename == "trips.txt":
                    dst.writestr("trips.txt", text)
                else:
                    dst.writestr(info, src.read(info.filename))
        part.replace(out)
    return sum(len(r.day.blocks) for r in plans)
