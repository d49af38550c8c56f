"""Fare transactions as a fare-clearing system (清分系统) delivers them.

Every boarding with a payment makes one record; the clearing system collects them per
hour of reader time and delivers each hour as one CSV batch some time after the hour
closes (`Scenario.fare_batch_s`, `fare_delay_s`). Readers' clocks drift a little, and
now and then a record is delivered again in a later batch (the reader re-uploads).

Batch file: `fares_<YYYYMMDD>_<HHMM>_<seq>.csv`, UTF-8, header, one row per tap:

| column | meaning |
|---|---|
| txn_id | the reader's transaction id (unique per reader across days; a re-upload repeats it) |
| reader_time | local time the reader recorded, ISO 8601 with offset (+08:00) |
| vehicle_id | the operator's vehicle number (自编号) the reader is mounted in |
| reader_id | the card reader's id |
| channel | ic_card, senior_card, unionpay, wechat, alipay, yunshanfu, cash |
| card_id | card number, bank-card token or QR account id; empty for cash |
| fare_fen | amount charged in fen (1 yuan = 100 fen) |
| batch_id | the batch this row was delivered in |
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from busbrain.sim.demand import FARE_FEN
from busbrain.sim.world import World

COLUMNS = (
    "txn_id",
    "reader_time",
    "vehicle_id",
    "reader_id",
    "channel",
    "card_id",
    "fare_fen",
    "batch_id",
)
GMT8 = dt.timezone(dt.timedelta(hours=8))
REUPLOAD_SHARE = 0.002
READER_SKEW_S = 20.0


@dataclass(frozen=True, slots=True)
class FareBatch:
    batch_id: str
    delivered_unix: float
    """When clearing delivers the batch (simulated unix seconds)."""
    rows: tuple[tuple[object, ...], ...]

    def csv_text(self) -> str:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(COLUMNS)
        w.writerows(self.rows)
        return out.getvalue()


def tap_keys(world: World) -> list[tuple[str, str]]:
    """(reader_id, txn_id) of each ride's tap, in `world.day.rides` order: how the truth
    finds a tap again in the batches."""
    counters = [0] * len(world.terminals)
    day = world.scenario.service_date.strftime("%Y%m%d")
    out = []
    for ride in world.day.rides:
        term = world.terminals[ride.bus]
        counters[ride.bus] += 1
        # A reader numbers its transactions for good, not per day: the day keeps them apart.
        txn = f"{term.terminal_id}-{day}{counters[ride.bus]:06d}"
        out.append((f"R{term.terminal_id[1:]}", txn))
    return out


def fare_batches(world: World, rng: np.random.Generator) -> list[FareBatch]:
    """Every tap of the day in delivery batches; the tap's `ride.tap` is its true time."""
    sc = world.scenario
    skews = rng.normal(0.0, READER_SKEW_S, len(world.terminals))
    persons = world.demand.persons
    buckets: dict[int, list[tuple[object, ...]]] = {}
    for ride, (reader_id, txn_id) in zip(world.day.rides, tap_keys(world), strict=True):
        person = persons[ride.person]
        term = world.terminals[ride.bus]
        t = world.day_start_unix + ride.tap + float(skews[ride.bus])
        when = dt.datetime.fromtimestamp(round(t), GMT8)
        row = (
            txn_id,
            when.isoformat(),
            term.vehicle_id,
            reader_id,
            person.channel.value,
            person.card_id or "",
            FARE_FEN[person.channel],
        )
        bucket = math.floor(ride.tap / sc.fare_batch_s)
        buckets.setdefault(bucket, []).append(row)
        if rng.random() < REUPLOAD_SHARE:
            buckets.setdefault(bucket + 1, []).append(row)
    out: list[FareBatch] = []
    day = world.scenario.service_date.strftime("%Y%m%d")
    for seq, bucket in enumerate(sorted(buckets), start=1):
        closes = (bucket + 1) * sc.fare_batch_s
        opens = int(bucket * sc.fare_batch_s)
        hhmm = f"{opens // 3600:02d}{opens % 3600 // 60:02d}"
        batch_id = f"fares_{day}_{hhmm}_{seq:03d}"
        rows = tuple(sorted((*r, batch_id) for r in buckets[bucket]))
        out.append(FareBatch(batch_id, world.day_start_unix + closes + sc.fare_delay_s, rows))
    return out


def write_fare_batches(batches: list[FareBatch], folder: Path) -> list[Path]:
    """One CSV file per batch (written whole, then renamed into place)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for batch in batches:
        path = folder / f"{batch.batch_id}.csv"
        tmp = path.with_suffix(".csv.part")
        tmp.write_text(batch.csv_text(), encoding="utf-8")
        tmp.replace(path)
        paths.append(path)
    return paths
