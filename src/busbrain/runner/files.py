"""Replay files: recorded positions in, stop events and predictions out (CSV).

Positions CSV (header required, UTF-8): `vehicle_id`, `timestamp` (unix seconds, the
fix's time), `lat`, `lon` (WGS-84 degrees), optional `trip_id`, `bearing` (degrees),
`speed` (km/h), `received` (unix seconds the platform received the fix). Rows with a
missing or malformed required field are reported by line and skipped; the rest is used.

Outputs, unix seconds throughout:
- `stop_events.csv`: vehicle_id, trip_id, stop_id, stop_sequence, arrival_time,
  departure_time, stopped (0 passed without stopping, 1 stood at the stop);
- `predictions.csv`: vehicle_id, trip_id, stop_id, stop_sequence, made_at,
  predicted_arrival (and `method` when several methods are written).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from busbrain.domain.errors import BadInputError
from busbrain.domain.history import StopEventRecord
from busbrain.domain.notices import Notice, Severity
from busbrain.realtime.fixes import Fix
from busbrain.realtime.predict import Prediction
from busbrain.realtime.rtnet import RtNetwork
from busbrain.realtime.tracker import StopEvent

REQUIRED = ("vehicle_id", "timestamp", "lat", "lon")
OPTIONAL = ("trip_id", "bearing", "speed", "received")
_NUMERIC = ("timestamp", "lat", "lon", "bearing", "speed", "received")


def read_positions(path: Path) -> tuple[list[Fix], list[Notice]]:
    """The usable fixes of a positions file and a notice per bad row."""
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise BadInputError(f"{path}: cannot be read as CSV ({exc})") from exc
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise BadInputError(
            f"{path}: missing column(s) {', '.join(missing)} "
            f"(required: {', '.join(REQUIRED)}; optional: {', '.join(OPTIONAL)})"
        )
    cols = [c for c in (*REQUIRED, *OPTIONAL) if c in frame.columns]
    typed = frame.select(cols).with_columns(
        [
            pl.col(c).str.strip_chars().cast(pl.Float64, strict=False).alias(f"_{c}")
            for c in _NUMERIC
            if c in cols
        ]
    )
    notices: list[Notice] = []
    fixes: list[Fix] = []
    for line, row in enumerate(typed.iter_rows(named=True), start=2):
        bad = [c for c in ("timestamp", "lat", "lon") if row[f"_{c}"] is None]
        if not (row["vehicle_id"] or "").strip():
            bad.insert(0, "vehicle_id")
        for c in ("bearing", "speed", "received"):
            if c in cols and row[c] not in (None, "") and row[f"_{c}"] is None:
                bad.append(c)
        if bad:
            if len(notices) < 1000:
                notices.append(
                    Notice(
                        "invalid_position_row",
                        Severity.ERROR,
                        f"missing or not a number: {', '.join(bad)}",
                        str(path.name),
                        line,
                        bad[0],
                        str(row.get(bad[0])),
                    )
                )
            continue
        speed = row.get("_speed")
        fixes.append(
            Fix(
                row["vehicle_id"].strip(),
                row["_timestamp"],
                row["_lat"],
                row["_lon"],
                received=row.get("_received"),
                speed_kmh=speed,
                heading=row.get("_bearing"),
                trip_id=(row.get("trip_id") or "").strip() or None,
            )
        )
    return fixes, notices


def write_stop_events(path: Path, events: Iterable[StopEvent], rt: RtNetwork) -> int:
    net, u = rt.net, rt.day_start_unix
    n = 0
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(
            ["vehicle_id", "trip_id", "stop_id", "stop_sequence", "arrival_time",
             "departure_time", "stopped"]
        )  # fmt: skip
        for e in sorted(events, key=lambda e: (e.vehicle_id, e.arrival)):
            trip = net.trips[e.trip]
            stop = net.stop_ids[int(net.patterns[trip.pattern].stops[e.k])]
            w.writerow(
                [e.vehicle_id, trip.trip_id, stop, trip.stop_sequences[e.k],
                 round(u + e.arrival, 1), round(u + e.departure, 1), int(e.stopped)]
            )  # fmt: skip
            n += 1
    tmp.replace(path)
    return n


def stop_event_records(
    events: Iterable[StopEvent], rt: RtNetwork, day: dt.date, now: dt.datetime
) -> list[StopEventRecord]:
    """The events as the store's history keeps them (service day `day`, recorded `now`)."""
    net, u = rt.net, rt.day_start_unix
    out = []
    for e in events:
        trip = net.trips[e.trip]
        out.append(
            StopEventRecord(
                day,
                e.vehicle_id,
                trip.trip_id,
                net.stop_ids[int(net.patterns[trip.pattern].stops[e.k])],
                trip.stop_sequences[e.k],
                dt.datetime.fromtimestamp(u + e.arrival, dt.UTC),
                dt.datetime.fromtimestamp(u + e.departure, dt.UTC),
                e.stopped,
                now,
            )
        )
    return out


def write_predictions(
    path: Path, predictions: Iterable[Prediction], rt: RtNetwork, *, with_method: bool = False
) -> int:
    net, u = rt.net, rt.day_start_unix
    n = 0
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        head = ["vehicle_id", "trip_id", "stop_id", "stop_sequence", "made_at", "predicted_arrival"]
        w.writerow([*head, "method"] if with_method else head)
        for r in (row for p in predictions for row in p.rows()):
            trip = net.trips[r.trip]
            stop = net.stop_ids[int(net.patterns[trip.pattern].stops[r.k])]
            out = [r.vehicle_id, trip.trip_id, stop, trip.stop_sequences[r.k],
                   round(u + r.made_at, 1), round(u + r.predicted, 1)]  # fmt: skip
            w.writerow([*out, r.method] if with_method else out)
            n += 1
    tmp.replace(path)
    return n


def read_vehicle_blocks(path: Path) -> dict[str, str]:
    """The day's dispatch plan (排班): CSV with `vehicle_id` and `block_id` columns."""
    try:
        frame = pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise BadInputError(f"{path}: cannot be read as CSV ({exc})") from exc
    missing = [c for c in ("vehicle_id", "block_id") if c not in frame.columns]
    if missing:
        raise BadInputError(f"{path}: missing column(s) {', '.join(missing)}")
    return {
        str(v).strip(): str(b).strip()
        for v, b in frame.select("vehicle_id", "block_id").iter_rows()
        if v and b
    }
