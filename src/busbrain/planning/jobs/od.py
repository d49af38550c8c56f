"""The OD job: taps and AVL stop events from the store, through inference, to files.

Reads service days `date_from` to `date_to`; writes under `out`:

| file | what |
|---|---|
| rides/service_date=YYYY-MM-DD/part-0.parquet | every tap: boarding, alighting, journey, |
| | weight, or why it was not chained |
| od_stop.csv | stop-to-stop OD by service day and time band (expanded trips and raw rides) |
| od_zone.csv | the same between square zones (`zone_size_m`), labelled by their main stop name |
| segment_loads.parquet | passengers on board between consecutive calls of each trip |
| load_profile.csv | mean load per line, direction, hour and segment |
| max_load.csv | the max-load section per line, direction and hour |
| transfers.csv | transfer flows between lines |
| zones.csv | the zones: id, label, centre |
| summary.json | inference rates and counts |
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import polars as pl

from busbrain.domain.errors import BadInputError
from busbrain.domain.geo import to_local_m
from busbrain.planning.fares.intake import service_dates
from busbrain.planning.od.infer import OdResult, infer_od
from busbrain.planning.od.inputs import day_starts, tap_inputs, visits_of
from busbrain.planning.od.params import OdParams
from busbrain.store.days import network_timezone
from busbrain.store.ports import NetworkQueries, RealtimeHistory, ScheduleQueries
from busbrain.store.sql_fares import SqlFareTaps


class AvlStore(Protocol):
    """What planning reads from the store: the network, its schedule, the AVL history."""

    @property
    def queries(self) -> NetworkQueries: ...
    @property
    def schedule(self) -> ScheduleQueries: ...
    @property
    def history(self) -> RealtimeHistory: ...


class OdStore(AvlStore, Protocol):
    @property
    def fares(self) -> SqlFareTaps: ...


@dataclass(frozen=True, slots=True)
class OdInputs:
    taps: pl.DataFrame
    visits: pl.DataFrame
    stops: pl.DataFrame
    days: pl.DataFrame
    zones: pl.DataFrame
    tap_keys: pl.DataFrame
    """tap_id -> (reader_id, txn_id): to find a tap again in the store or a batch."""


def stop_plane(queries: NetworkQueries, zone_size_m: float) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Stops on a local plane (metres east and north of the network's centre) with their
    square zone; and the zones, each labelled by its most common stop name."""
    stops = [s for s in queries.list_stops() if s.location_type == 0 or s.parent_station]
    if not stops:
        raise BadInputError("the store has no stops: import a network first")
    lat = np.array([s.lat for s in stops])
    lon = np.array([s.lon for s in stops])
    x, y = to_local_m(lat, lon, float(lat.mean()), float(lon.mean()))
    frame = pl.DataFrame(
        {
            "stop_id": [s.stop_id for s in stops],
            "name": [s.name for s in stops],
            "lat": lat,
            "lon": lon,
            "x": x,
            "y": y,
        }
    ).with_columns(
        pl.format(
            "Z{}_{}",
            (pl.col("x") / zone_size_m).floor().cast(pl.Int64),
            (pl.col("y") / zone_size_m).floor().cast(pl.Int64),
        ).alias("zone")
    )
    zones = (
        frame.group_by("zone")
        .agg(
            pl.col("name").mode().sort().first().alias("label"),
            pl.col("lat").mean(),
            pl.col("lon").mean(),
            pl.len().alias("stops"),
        )
        .sort("zone")
    )
    return frame, zones


def avl_events(store: OdStore, date_from: dt.date, date_to: dt.date) -> pl.DataFrame:
    """The stored AVL stop events of those days; none is an error that says where they
    come from."""
    events = store.history.stop_events(date_from, date_to)
    if not events.height:
        raise BadInputError(
            f"no AVL stop events stored for {date_from} to {date_to}: they come from the live "
            "side, or from `busbrain replay --to-store` over recorded positions"
        )
    return events


def gather(store: OdStore, date_from: dt.date, date_to: dt.date, params: OdParams) -> OdInputs:
    """Everything inference needs for the days asked, from the store."""
    if date_to < date_from:
        raise BadInputError(f"--to {date_to} is before --from {date_from}")
    tz = network_timezone(store.queries)
    taps = store.fares.taps(date_from, date_to)
    if not taps.height:
        raise BadInputError(
            f"no fare taps stored for {date_from} to {date_to}: load them with `busbrain taps load`"
        )
    events = avl_events(store, date_from, date_to)
    days = sorted(set(taps.get_column("service_date")) | set(events.get_column("service_date")))
    visits = visits_of(events)
    taps = taps.with_row_index("tap_id").with_columns(pl.col("tap_id").cast(pl.Int64))
    stops, zones = stop_plane(store.queries, params.zone_size_m)
    day_frame = day_starts(days, tz)
    return OdInputs(
        taps=tap_inputs(taps),
        visits=visits,
        stops=stops,
        days=day_frame,
        zones=zones,
        tap_keys=taps.select("tap_id", "reader_id", "txn_id"),
    )


APC_FORMAT = "vehicle_id, door, door_open, door_close, lat, lon, boarded, alighted"


def read_door_counts(paths: list[Path], tz: str) -> pl.DataFrame:
    """Passenger-counter door counts (CSV with the columns of APC_FORMAT; times unix s)
    as service_date, vehicle_id, t, boarded, alighted: one row per door opening."""
    frames = []
    for path in paths:
        try:
            raw = pl.read_csv(path, schema_overrides={"vehicle_id": pl.String()})
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise BadInputError(f"{path}: not a readable door-count CSV: {exc}") from exc
        missing = {"vehicle_id", "door_open", "boarded", "alighted"} - set(raw.columns)
        if missing:
            raise BadInputError(
                f"{path}: no column {', '.join(sorted(missing))} (expected {APC_FORMAT})"
            )
        frames.append(
            raw.select(
                "vehicle_id",
                # The doors close as the bus leaves: within its stop call's window even
                # when they opened long before (a bus waiting at its terminus).
                pl.col("door_close" if "door_close" in raw.columns else "door_open")
                .cast(pl.Float64, strict=False)
                .alias("t"),
                pl.col("boarded").cast(pl.Int64, strict=False),
                pl.col("alighted").cast(pl.Int64, strict=False),
            ).drop_nulls()
        )
    out = (
        pl.concat(frames)
        if frames
        else pl.DataFrame(
            schema={
                "vehicle_id": pl.String(),
                "t": pl.Float64(),
                "boarded": pl.Int64(),
                "alighted": pl.Int64(),
            }
        )
    )
    stamp = pl.from_epoch((pl.col("t") * 1e6).cast(pl.Int64), time_unit="us")
    return out.with_columns(service_dates(stamp.dt.replace_time_zone("UTC"), tz)).select(
        "service_date", "vehicle_id", "t", "boarded", "alighted"
    )


def _csv(frame: pl.DataFrame, path: Path) -> None:
    tmp = path.with_name(path.name + ".part")
    frame.write_csv(tmp)
    tmp.replace(path)


def write_results(result: OdResult, inputs: OdInputs, out: Path) -> list[Path]:
    """The result files (see the module's table); each written whole, then renamed."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    rides = result.rides.join(inputs.tap_keys, on="tap_id", how="left")
    for (day,), part in rides.partition_by("service_date", as_dict=True).items():
        folder = out / "rides" / f"service_date={day}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "part-0.parquet"
        tmp = path.with_name(path.name + ".part")
        part.drop("service_date").write_parquet(tmp)
        tmp.replace(path)
        written.append(path)
    for name, frame in (
        ("od_stop.csv", result.od_stop),
        ("od_zone.csv", result.od_zone),
        ("load_profile.csv", result.load_profile),
        ("max_load.csv", result.max_load),
        ("transfers.csv", result.transfers),
        ("zones.csv", inputs.zones),
        ("reader_clocks.csv", result.clocks),
    ):
        _csv(frame, out / name)
        written.append(out / name)
    seg = out / "segment_loads.parquet"
    result.segment_loads.write_parquet(seg.with_name(seg.name + ".part"))
    seg.with_name(seg.name + ".part").replace(seg)
    written.append(seg)
    summary = out / "summary.json"
    summary.write_text(json.dumps(result.rates, indent=2) + "\n", encoding="utf-8")
    written.append(summary)
    return written


def run_od(
    store: OdStore,
    date_from: dt.date,
    date_to: dt.date,
    out: Path,
    params: OdParams | None = None,
    progress: Callable[[str], None] | None = None,
    apc: list[Path] | None = None,
) -> tuple[OdResult, OdInputs]:
    """Gather, infer and write; `progress` hears each stage. With `apc` (door-count
    files), each trip's boardings are scaled to the counter's."""
    p = params or OdParams()
    say = progress or (lambda _m: None)
    say("reading taps and stop events")
    inputs = gather(store, date_from, date_to, p)
    counts = None
    if apc:
        say("reading passenger counts")
        counts = read_door_counts(apc, network_timezone(store.queries).key)
    say(f"inferring OD for {inputs.taps.height:,} taps")
    result = infer_od(inputs.taps, inputs.visits, inputs.stops, inputs.days, p, apc=counts)
    say("writing results")
    write_results(result, inputs, out)
    return result, inputs


def run_loads(
    store: OdStore,
    date_from: dt.date,
    date_to: dt.date,
    apc: list[Path],
    out: Path,
    progress: Callable[[str], None] | None = None,
) -> pl.DataFrame:
    """Loads per trip segment from passenger counts and the AVL history (no fare data),
    written as OUT/segment_loads.parquet and OUT/load_profile.csv like `plan od`."""
    from busbrain.planning.od.counts import segment_loads_from_counts

    if date_to < date_from:
        raise BadInputError(f"--to {date_to} is before --from {date_from}")
    say = progress or (lambda _m: None)
    tz = network_timezone(store.queries)
    say("reading stop events and passenger counts")
    events = avl_events(store, date_from, date_to)
    doors = read_door_counts(apc, tz.key).filter(
        (pl.col("service_date") >= date_from) & (pl.col("service_date") <= date_to)
    )
    if not doors.height:
        raise BadInputError(f"no passenger counts for {date_from} to {date_to} in the files given")
    days = sorted(set(events.get_column("service_date")))
    say("loads per trip segment")
    loads = segment_loads_from_counts(visits_of(events), doors, day_starts(days, tz))
    out.mkdir(parents=True, exist_ok=True)
    path = out / "segment_loads.parquet"
    loads.write_parquet(path.with_name(path.name + ".part"))
    path.with_name(path.name + ".part").replace(path)
    return loads
