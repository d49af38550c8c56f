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

from busbrain.planning.od.infer import DAYS_COLUMNS, VISITS_COLUMNS
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
        got = con.sql(f"""
            WITH calls AS (
                SELECT *, arr - {p.board_before_s} AS lo, dep + {p.board_after_s} AS hi
                FROM v WHERE stopped),
            placed AS (
                SELECT c.service_date, c.trip_id, c.seq,
                       sum(d.boarded) AS boardings, sum(d.alighted) AS alightings
                FROM d ASOF JOIN calls c
                  ON d.service_date = c.service_date AND d.vehicle_id = c.vehicle_id
                 AND d.t >= c.lo
                WHERE d.t <= c.hi + {p.max_board_gap_s}
                GROUP BY ALL),
            allcalls AS (
                SELECT service_date, trip_id, any_value(route_id) AS route_id,
                       any_value(direction_id) AS direction_id, seq,
                       any_value(stop_id) AS stop_id, min(dep) AS dep
                FROM v GROUP BY service_date, trip_id, seq),
            c AS (
                SELECT a.*, coalesce(p.boardings, 0)::DOUBLE AS boardings,
                       coalesce(p.alightings, 0)::DOUBLE AS alightings
                FROM allcalls a LEFT JOIN placed p USING (service_date, trip_id, seq)),
            run AS (
                SELECT *,
                       sum(boardings - alightings) OVER w AS raw_load,
                       lead(seq) OVER w AS to_seq, lead(stop_id) OVER w AS to_stop_id,
                       first_value(dep) OVER w AS trip_start
                FROM c
                WINDOW w AS (PARTITION BY service_date, trip_id ORDER BY seq))
            SELECT run.service_date, trip_id, route_id, direction_id, seq AS from_seq,
                   stop_id AS from_stop_id, to_seq, to_stop_id, boardings, alightings,
                   greatest(raw_load, 0) AS load,
                   floor((trip_start - days_in.day_start) / 3600)::INT AS hour
            FROM run JOIN days_in USING (service_date)
            WHERE to_seq IS NOT NULL
            ORDER BY run.service_date, trip_id, from_seq
        """).to_arrow_table()
        return pl.from_arrow(got)  # type: ignore[return-value]
    finally:
        con.close()
