"""Write a simulated day's ground truth and its fare, counter and fleet files.

Layout of an output folder (all times unix seconds UTC unless named; ids as in the
network; documented in docs/simulator.md):

    scenario.json               the scenario, the service day's start, counts
    terminals.csv               the fleet, for `busbrain terminals import`
    plan/vehicle_blocks.csv     the day's dispatch plan (排班): which bus runs which block
    truth/vehicles.parquet      bus, terminal, block, depot, power-on/off, drivers
    truth/drivers.parquet       driver shifts and traits
    truth/positions.parquet     true position of each bus at each report instant
    truth/stop_visits.parquet   true arrival/departure at every call, loads
    truth/segment_loads.parquet passengers on board between consecutive calls
    truth/rides.parquet         every boarding: who, card, where on and off, when
    truth/journeys.parquet      each person's journeys (one or two rides)
    truth/missed.parquet        legs that never got a bus (gave up, no bus)
    truth/alarms.parquet        ADAS/DMS alarms, speeding and harsh braking
    truth/incidents.parquet     incidents that held a bus
    observed/positions.csv      positions as the terminals delivered them
                                (vehicle_id,timestamp,lat,lon,bearing,speed,received)
    fares/fares_*.csv           fare-clearing batches (see sim/fares.py)
    apc/door_counts.csv         passenger-counter door events (see sim/apc.py)
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import polars as pl

from busbrain.sim.apc import COLUMNS as APC_COLUMNS
from busbrain.sim.apc import door_counts
from busbrain.sim.engine import Kind
from busbrain.sim.fares import fare_batches, tap_keys, write_fare_batches
from busbrain.sim.world import World

STATES = {
    Kind.PARKED: "parked",
    Kind.DEADHEAD: "deadhead",
    Kind.LAYOVER: "layover",
    Kind.SERVICE: "service",
}


def _write(df: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    df.write_parquet(tmp)
    tmp.replace(path)


def _latlon(world: World, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lat, lon = world.net.frame.to_latlon(
        np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    )
    return np.round(lat, 7), np.round(lon, 7)


def positions_frame(world: World) -> pl.DataFrame:
    net, u = world.net, world.day_start_unix
    parts = []
    trip_ids = np.array([t.trip_id for t in net.trips] + [""], dtype=object)
    for term, obs in zip(world.terminals, world.observed, strict=True):
        tr = obs.track
        lat, lon = _latlon(world, tr.x, tr.y)
        parts.append(
            pl.DataFrame(
                {
                    "vehicle_id": term.vehicle_id,
                    "time": (u + tr.t).astype(np.int64),
                    "lat": lat,
                    "lon": lon,
                    "speed_kmh": np.round(tr.speed * 3.6, 2),
                    "heading": np.round(tr.heading, 1),
                    "state": [STATES[int(k)] for k in tr.kind],
                    "trip_id": trip_ids[tr.trip],
                    "dist_m": np.round(tr.dist, 2),
                }
            )
        )
    df = pl.concat(parts) if parts else pl.DataFrame()
    return (
        df.with_columns(
            pl.when(pl.col("trip_id") == "")
            .then(None)
            .otherwise(pl.col("trip_id"))
            .alias("trip_id")
        )
        if parts
        else df
    )


def visits_frame(world: World) -> pl.DataFrame:
    net, u = world.net, world.day_start_unix
    v = world.day.visits
    trips = [net.trips[x.trip] for x in v]
    return pl.DataFrame(
        {
            "vehicle_id": [world.terminals[x.bus].vehicle_id for x in v],
            "trip_id": [t.trip_id for t in trips],
            "route_id": [t.route_id for t in trips],
            "stop_id": [
                net.stop_ids[int(net.patterns[t.pattern].stops[x.k])]
                for t, x in zip(trips, v, strict=True)
            ],
            "stop_sequence": [t.stop_sequences[x.k] for t, x in zip(trips, v, strict=True)],
            "stop_index": [x.k for x in v],
            "arrival_time": [round(u + x.arrival, 1) for x in v],
            "departure_time": [round(u + x.departure, 1) for x in v],
            "scheduled_arrival": [int(u + t.arrival_s[x.k]) for t, x in zip(trips, v, strict=True)],
            "scheduled_departure": [
                int(u + t.departure_s[x.k]) for t, x in zip(trips, v, strict=True)
            ],
            "stopped": [x.stopped for x in v],
            "boarded": [x.boarded for x in v],
            "alighted": [x.alighted for x in v],
            "load": [x.load for x in v],
        }
    ).sort("vehicle_id", "arrival_time")


def segment_loads(visits: pl.DataFrame) -> pl.DataFrame:
    """Load between each call and the next on the same trip run."""
    return (
        visits.sort("trip_id", "stop_index")
        .with_columns(
            pl.col("stop_id").shift(-1).over("trip_id").alias("to_stop_id"),
            pl.col("stop_sequence").shift(-1).over("trip_id").alias("to_stop_sequence"),
        )
        .filter(pl.col("to_stop_id").is_not_null())
        .select(
            "trip_id",
            "route_id",
            "vehicle_id",
            pl.col("stop_id").alias("from_stop_id"),
            pl.col("stop_sequence").alias("from_stop_sequence"),
            "to_stop_id",
            "to_stop_sequence",
            pl.col("departure_time").alias("from_departure_time"),
            "load",
        )
    )


def rides_frame(world: World) -> pl.DataFrame:
    net, u = world.net, world.day_start_unix
    persons = world.demand.persons
    rows = world.day.rides
    trips = [net.trips[r.trip] for r in rows]

    def stop(t_: int, k: int) -> str | None:
        if k < 0:
            return None
        t = net.trips[t_]
        return net.stop_ids[int(net.patterns[t.pattern].stops[k])]

    keys = tap_keys(world)
    return pl.DataFrame(
        {
            "ride_id": list(range(1, len(rows) + 1)),
            "reader_id": [k[0] for k in keys],
            "txn_id": [k[1] for k in keys],
            "person_id": [r.person for r in rows],
            "journey_id": [r.journey for r in rows],
            "leg": [r.leg for r in rows],
            "channel": [persons[r.person].channel.value for r in rows],
            "card_id": [persons[r.person].card_id for r in rows],
            "vehicle_id": [world.terminals[r.bus].vehicle_id for r in rows],
            "trip_id": [t.trip_id for t in trips],
            "route_id": [t.route_id for t in trips],
            "board_stop_id": [stop(r.trip, r.board_k) for r in rows],
            "board_stop_sequence": [
                t.stop_sequences[r.board_k] for t, r in zip(trips, rows, strict=True)
            ],
            "board_time": [round(u + r.tap, 1) for r in rows],
            "alight_stop_id": [stop(r.trip, r.alight_k) for r in rows],
            "alight_stop_sequence": [
                t.stop_sequences[r.alight_k] if r.alight_k >= 0 else None
                for t, r in zip(trips, rows, strict=True)
            ],
            "alight_time": [None if np.isnan(r.alight) else round(u + r.alight, 1) for r in rows],
        },
        schema_overrides={"alight_stop_sequence": pl.Int64, "alight_time": pl.Float64},
    )


def write_outputs(
    world: World, out: Path, *, fares: bool = True, seed_stream: int = 7
) -> dict[str, int]:
    """Write everything under `out` (the fare batches too unless `fares` is False: a
    live run drops them on its clock); returns row counts by file."""
    out.mkdir(parents=True, exist_ok=True)
    net, u, sc = world.net, world.day_start_unix, world.scenario
    counts: dict[str, int] = {}
    rng = np.random.default_rng([sc.seed, seed_stream])

    with (out / "terminals.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["phone", "plate", "plate_colour", "vehicle_id", "depot"])
        for term, duty in zip(world.terminals, world.duties, strict=True):
            w.writerow(
                [
                    term.phone,
                    term.plate,
                    1,
                    term.vehicle_id,
                    f"depot_{net.trips[duty.trips[0]].route_id}",
                ]
            )

    (out / "plan").mkdir(exist_ok=True)
    with (out / "plan" / "vehicle_blocks.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["service_date", "vehicle_id", "block_id"])
        for term, duty in zip(world.terminals, world.duties, strict=True):
            w.writerow([sc.service_date.isoformat(), term.vehicle_id, duty.block_id])

    buses = world.day.buses
    dlat, dlon = _latlon(
        world, np.array([b.depot[0] for b in buses]), np.array([b.depot[1] for b in buses])
    )
    vehicles = pl.DataFrame(
        {
            "vehicle_id": [t.vehicle_id for t in world.terminals],
            "phone": [t.phone for t in world.terminals],
            "plate": [t.plate for t in world.terminals],
            "protocol": [int(t.version) for t in world.terminals],
            "block_id": [d.block_id for d in world.duties],
            "depot_lat": dlat,
            "depot_lon": dlon,
            "power_on": [round(u + b.power_on, 1) for b in buses],
            "power_off": [round(u + b.power_off, 1) for b in buses],
            "clock_skew_s": [o.clock_skew_s for o in world.observed],
            "drivers": [",".join(d.driver_id for d in b.drivers) for b in buses],
        }
    )
    _write(vehicles, out / "truth" / "vehicles.parquet")
    drivers = pl.DataFrame(
        [
            {
                "driver_id": d.driver_id,
                "vehicle_id": world.terminals[b.index].vehicle_id,
                "shift_start": None if not np.isfinite(d.start) else round(u + d.start, 1),
                "shift_end": None if not np.isfinite(d.end) else round(u + d.end, 1),
                "aggressive": d.aggressive,
                "risk": round(d.risk, 3),
                "late_start_s": round(d.late_start_s, 1),
            }
            for b in buses
            for d in b.drivers
        ],
        schema_overrides={"shift_start": pl.Float64, "shift_end": pl.Float64},
    )
    _write(drivers, out / "truth" / "drivers.parquet")
    positions = positions_frame(world)
    _write(positions, out / "truth" / "positions.parquet")
    counts["positions"] = positions.height
    visits = visits_frame(world)
    _write(visits, out / "truth" / "stop_visits.parquet")
    counts["stop_visits"] = visits.height
    loads = segment_loads(visits)
    _write(loads, out / "truth" / "segment_loads.parquet")
    rides = rides_frame(world)
    _write(rides, out / "truth" / "rides.parquet")
    counts["rides"] = rides.height
    journeys = world.demand.journeys
    _write(
        pl.DataFrame(
            {
                "journey_id": [j.journey_id for j in journeys],
                "person_id": [j.person for j in journeys],
                "purpose": [j.purpose for j in journeys],
                "origin_station": [net.station_names[j.origin] for j in journeys],
                "destination_station": [net.station_names[j.dest] for j in journeys],
                "origin_stop_id": [net.stop_ids[j.legs[0].board_pole] for j in journeys],
                "ready_time": [round(u + j.depart_s, 1) for j in journeys],
                "legs": [len(j.legs) for j in journeys],
            }
        ),
        out / "truth" / "journeys.parquet",
    )
    counts["journeys"] = len(journeys)
    missed = world.day.missed
    _write(
        pl.DataFrame(
            {
                "journey_id": [m.journey for m in missed],
                "leg": [m.leg for m in missed],
                "person_id": [m.person for m in missed],
                "stop_id": [net.stop_ids[m.pole] for m in missed],
                "ready_time": [round(u + m.ready, 1) for m in missed],
                "reason": [m.reason for m in missed],
            },
            schema_overrides={
                "journey_id": pl.Int64,
                "leg": pl.Int64,
                "person_id": pl.Int64,
                "stop_id": pl.String,
                "ready_time": pl.Float64,
                "reason": pl.String,
            },
        ),
        out / "truth" / "missed.parquet",
    )
    al = world.alarms
    alat, alon = _latlon(world, np.array([a.x for a in al]), np.array([a.y for a in al]))
    _write(
        pl.DataFrame(
            {
                "vehicle_id": [world.terminals[a.bus].vehicle_id for a in al],
                "driver_id": [a.driver_id for a in al],
                "start_time": [round(u + a.t, 1) for a in al],
                "end_time": [round(u + a.end, 1) for a in al],
                "category": [a.category for a in al],
                "kind": [a.kind for a in al],
                "code": [a.code for a in al],
                "level": [a.level for a in al],
                "lat": alat,
                "lon": alon,
                "speed_kmh": [round(a.speed_kmh, 1) for a in al],
            },
            schema_overrides={
                "start_time": pl.Float64,
                "end_time": pl.Float64,
                "lat": pl.Float64,
                "lon": pl.Float64,
                "speed_kmh": pl.Float64,
                "code": pl.Int64,
                "level": pl.Int64,
                "vehicle_id": pl.String,
                "driver_id": pl.String,
                "category": pl.String,
                "kind": pl.String,
            },
        ),
        out / "truth" / "alarms.parquet",
    )
    counts["alarms"] = len(al)
    inc = world.day.incidents
    _write(
        pl.DataFrame(
            {
                "vehicle_id": [world.terminals[i.bus].vehicle_id for i in inc],
                "trip_id": [net.trips[i.trip].trip_id for i in inc],
                "time": [round(u + i.t, 1) for i in inc],
                "hold_s": [round(i.hold_s, 1) for i in inc],
            },
            schema_overrides={
                "vehicle_id": pl.String,
                "trip_id": pl.String,
                "time": pl.Float64,
                "hold_s": pl.Float64,
            },
        ),
        out / "truth" / "incidents.parquet",
    )
    counts["observed_positions"] = write_observed_positions(
        world, out / "observed" / "positions.csv"
    )
    batches = fare_batches(world, rng)
    if fares:
        write_fare_batches(batches, out / "fares")
    counts["fare_batches"] = len(batches)
    counts["fare_rows"] = sum(len(b.rows) for b in batches)
    apc = door_counts(world, rng)
    (out / "apc").mkdir(exist_ok=True)
    with (out / "apc" / "door_counts.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(APC_COLUMNS)
        for d in apc:
            w.writerow(
                [
                    d.vehicle_id,
                    d.door,
                    round(d.door_open, 1),
                    round(d.door_close, 1),
                    d.lat,
                    d.lon,
                    d.boarded,
                    d.alighted,
                ]
            )
    counts["door_counts"] = len(apc)
    meta = {
        "service_date": sc.service_date.isoformat(),
        "day_start_unix": u,
        "scenario": {
            k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in asdict(sc).items()
        },
        "buses": len(world.duties),
        "trips": len(net.trips),
        "persons": len(world.demand.persons),
        "counts": counts,
    }
    (out / "scenario.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return counts


def write_observed_positions(world: World, path: Path) -> int:
    """Positions as delivered (live or in blind-area batches; lost ones are absent), in
    the replay format: vehicle_id,timestamp,lat,lon,bearing,speed,received (unix s,
    degrees, km/h). `timestamp` is the terminal's clock (skew included); `received`
    when the platform got it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    u = world.day_start_unix
    parts = []
    for term, obs in zip(world.terminals, world.observed, strict=True):
        keep = obs.delivery < 2
        times = (u + obs.device_t[keep]).astype(np.int64)
        received = obs.track.t.copy()
        for a, b, _ in obs.gaps:  # kept in the terminal, sent after reconnecting
            received[(obs.track.t >= a) & (obs.track.t < b)] = b + 1
        received = np.round(u + received[keep], 1)
        parts.append(
            pl.DataFrame(
                {
                    "vehicle_id": term.vehicle_id,
                    "timestamp": times,
                    "lat": np.round(obs.lat[keep], 6),
                    "lon": np.round(obs.lon[keep], 6),
                    "bearing": obs.track.heading[keep].astype(np.int64),
                    "speed": np.round(obs.speed_kmh[keep], 1),
                    "received": received,
                }
            )
        )
    df = pl.concat(parts) if parts else pl.DataFrame()
    tmp = path.with_name(path.name + ".part")
    df.write_csv(tmp)
    tmp.replace(path)
    return df.height
