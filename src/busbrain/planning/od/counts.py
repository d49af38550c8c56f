"""Loads per trip segment from the automatic passenger counters alone (no fare data).

Each door opening (front door: boardings; rear door: alightings) goes to the stop call of
its bus that holds it (the same windows as boarding stops, nearest within the gap limit),
the counts add up per call, and the load between calls is the running sum of boardings
less alightings (never below zero: counters miss people). The result has the columns of
OdResult.segment_loads, so `plan timetable` takes it the same way.
"""

from __future__ import annotations

import duckdb
import polars as pl

from busbrain.planning.od.infer import DAYS_COLUMNS, VISITS_COLUMNS, segments_sql
from busbrain.planning.od.params import OdParams

DOORS_COLUMNS = ("service_date", "vehicle_id", "t", "boarded", "alighted")


def segment_loads_from_counts(
    visits: pl.DataFrame,
    doors: pl.DataFrame,
    days: pl.DataFrame,
    params: OdParams | None = None,
) -> pl.DataFrame:
    """visits: as for infer_od; doors: service_date, vehicle_id, t (door opening, unix
    s), boarded, alighted; days: service_date, day_start."""
    p = params or OdParams()
    for frame, cols, what in (
        (visits, VISITS_COLUMNS, "visits"),
        (doors, DOORS_COLUMNS, "doors"),
        (days, DAYS_COLUMNS, "days"),
    ):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise ValueError(f"{what} lacks the columns {', '.join(missing)}")
    con = duckdb.connect()
    try:
        con.register("v", visits.select(VISITS_COLUMNS).to_arrow())
        con.register("d", doors.select(DOORS_COLUMNS).to_arrow())
        con.register("days_in", days.select(DAYS_COLUMNS).to_arrow())
        flows = f"""
            WITH calls AS (
                SELECT *, arr - {p.board_before_s} AS lo, dep + {p.board_after_s} AS hi
                FROM v WHERE stopped)
            SELECT c.service_date, c.trip_id, c.seq,
                   d.boarded AS boardings, d.alighted AS alightings
            FROM d ASOF JOIN calls c
              ON d.service_date = c.service_date AND d.vehicle_id = c.vehicle_id
             AND d.t >= c.lo
            WHERE d.t <= c.hi + {p.max_board_gap_s}
        """
        got = con.sql(
            segments_sql(flows) + " ORDER BY service_date, trip_id, from_seq"
        ).to_arrow_table()
        return pl.from_arrow(got)  # type: ignore[return-value]
    finally:
        con.close()
