"""OD inference from boarding-only taps: boarding stops, trip chaining, transfers, expansion.

SQL on DuckDB over in-memory tables, every step partitioned by service day (and by card
for chaining), so the same statements run on a distributed SQL engine when a city's
history outgrows one machine. Takes frames, returns frames: no files, no database.

1. Reader clocks: each bus's reader clock may be off; per bus and day, the offset (tried
   from -2 to +2 minutes) that puts most of its taps inside its stop calls is applied.
2. Boarding stop: the call of the tapping bus (from the AVL stop events) that holds the
   tap time, else the nearest call within `max_board_gap_s`; calls where the bus really
   stopped first, passed stops only when none is near.
3. Alighting stop (trip chaining): of the calls downstream on the boarded trip, made
   before the card's next tap, the one nearest the next boarding stop (the day's first
   boarding stop for its last ride), within `walk_limit_m`.
4. Transfers: a next boarding on another line within `transfer_window_s` of the
   inferred alighting joins the two rides into one journey.
5. Expansion: each chained ride stands for the boardings of its trip and stop (cash,
   one-off codes, rides that could not be chained); where a trip's stop has no chained
   ride, those of the line, direction, hour and stop, then of the line, direction and
   hour, then of the line and direction that day. Boardings of a line and direction with
   no chained ride all day stay out of the OD and loads (`represented_share` says how
   many got in).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import polars as pl

from busbrain.planning.od.params import OdParams

TAPS_COLUMNS = ("tap_id", "service_date", "t", "vehicle_id", "card_hash", "channel")
VISITS_COLUMNS = (
    "service_date",
    "vehicle_id",
    "trip_id",
    "route_id",
    "direction_id",
    "seq",
    "stop_id",
    "arr",
    "dep",
    "stopped",
)
STOPS_COLUMNS = ("stop_id", "x", "y", "zone")
DAYS_COLUMNS = ("service_date", "day_start")
APC_COLUMNS = ("service_date", "vehicle_id", "t", "boarded")


@dataclass(frozen=True, slots=True)
class OdResult:
    rides: pl.DataFrame
    """One row per tap: boarding and alighting (when inferred), why not, journey, weight."""
    od_stop: pl.DataFrame
    od_zone: pl.DataFrame
    segment_loads: pl.DataFrame
    load_profile: pl.DataFrame
    max_load: pl.DataFrame
    transfers: pl.DataFrame
    clocks: pl.DataFrame
    """Reader clock offset found per bus and day (seconds added to its tap times)."""
    rates: dict[str, float] = field(default_factory=dict)


def _need(frame: pl.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks the columns {', '.join(missing)}")


def infer_od(
    taps: pl.DataFrame,
    visits: pl.DataFrame,
    stops: pl.DataFrame,
    days: pl.DataFrame,
    params: OdParams | None = None,
    apc: pl.DataFrame | None = None,
) -> OdResult:
    """Infer boarding and alighting stops, journeys and loads.

    taps: tap_id, service_date, t (unix s, reader time), vehicle_id, card_hash (null for
    cash), channel. visits: the AVL stop events: service_date, vehicle_id, trip_id,
    route_id, direction_id, seq (stop_sequence), stop_id, arr, dep (unix s), stopped.
    stops: stop_id, x, y (metres on a local plane), zone. days: service_date, day_start
    (unix s of the service day's GTFS time 0, for hours and bands). apc, optional: the
    passenger counter's front-door counts, service_date, vehicle_id, t (door opening,
    unix s), boarded; each trip's expanded boardings are then scaled to its counted
    total (riders who do not tap: children, fare evaders, a broken reader).
    """
    p = params or OdParams()
    _need(taps, TAPS_COLUMNS, "taps")
    _need(visits, VISITS_COLUMNS, "visits")
    _need(stops, STOPS_COLUMNS, "stops")
    _need(days, DAYS_COLUMNS, "days")
    if apc is not None:
        _need(apc, APC_COLUMNS, "apc")
    con = duckdb.connect()
    try:
        con.execute("SET preserve_insertion_order = false")
        con.register("taps_in", taps.select(TAPS_COLUMNS).to_arrow())
        con.register("visits_in", visits.select(VISITS_COLUMNS).to_arrow())
        con.register("stops_in", stops.select(STOPS_COLUMNS).to_arrow())
        con.register("days_in", days.select(DAYS_COLUMNS).to_arrow())
        bands = pl.DataFrame(
            {
                "band": [b[0] for b in p.bands],
                "h_from": [b[1] for b in p.bands],
                "h_to": [b[2] for b in p.bands],
            }
        )
        con.register("bands_in", bands.to_arrow())
        _prepare(con, p)
        _clocks(con, p)
        _boarding(con, p)
        _chaining(con, p)
        _expansion(con)
        if apc is not None:
            con.register("apc_in", apc.select(APC_COLUMNS).to_arrow())
            _apc_scaling(con, p)
        _od_table(con)
        return _results(con, p)
    finally:
        con.close()


def _prepare(con: duckdb.DuckDBPyConnection, p: OdParams) -> None:
    con.execute("""
        CREATE TEMP TABLE v AS
        SELECT v.service_date, v.vehicle_id, v.trip_id, v.route_id, v.direction_id,
               v.seq::BIGINT AS seq, v.stop_id, v.arr::DOUBLE AS arr, v.dep::DOUBLE AS dep,
               v.stopped, s.x, s.y, s.zone
        FROM visits_in v JOIN stops_in s USING (stop_id)
    """)
    con.execute("""
        CREATE TEMP TABLE t AS
        SELECT tap_id, service_date, t::DOUBLE AS t, vehicle_id, card_hash, channel
        FROM taps_in
    """)


def _clocks(con: duckdb.DuckDBPyConnection, p: OdParams) -> None:
    con.execute(f"""
        CREATE TEMP TABLE clock AS
        WITH sample AS (
            SELECT service_date, vehicle_id, t FROM (
                SELECT *, row_number() OVER (
                    PARTITION BY service_date, vehicle_id ORDER BY hash(tap_id)) AS r
                FROM t)
            WHERE r <= {p.clock_sample}),
        trial AS (
            SELECT s.service_date, s.vehicle_id, o.range::DOUBLE AS o, s.t + o.range AS tt
            FROM sample s
            CROSS JOIN range({-p.clock_search_s}, {p.clock_search_s + 1}, {p.clock_step_s}) o),
        sv AS (
            SELECT service_date, vehicle_id, arr - {p.clock_slack_s} AS lo,
                   dep + {p.clock_slack_s} AS hi
            FROM v WHERE stopped),
        scored AS (
            SELECT tr.service_date, tr.vehicle_id, tr.o,
                   count(*) FILTER (WHERE tr.tt <= sv.hi) AS hits
            FROM trial tr ASOF LEFT JOIN sv
              ON tr.service_date = sv.service_date AND tr.vehicle_id = sv.vehicle_id
             AND tr.tt >= sv.lo
            GROUP BY ALL),
        best AS (
            SELECT *, max(hits) OVER (PARTITION BY service_date, vehicle_id) AS top,
                   max(hits) FILTER (WHERE o = 0)
                     OVER (PARTITION BY service_date, vehicle_id) AS at_zero
            FROM scored)
        -- the middle of the offsets that fit best (a plateau when dwells are long)
        SELECT service_date, vehicle_id, quantile_disc(o, 0.5) AS offset_s,
               any_value(top) AS hits, any_value(at_zero) AS hits_at_zero
        FROM best WHERE hits = top GROUP BY ALL
    """)


def _boarding(con: duckdb.DuckDBPyConnection, p: OdParams) -> None:
    """For each tap, the nearest call of its bus in time: the calls just before and just
    after the tap, among the calls where the bus stopped and among all calls (a short
    dwell between two reports can look like a pass), a passed call counting
    `not_stopped_penalty_s` farther; the gap is 0 inside a call's window."""
    con.execute("""
        CREATE TEMP TABLE tc AS
        SELECT t.*, t.t + coalesce(c.offset_s, 0) AS tt
        FROM t LEFT JOIN clock c USING (service_date, vehicle_id)
    """)
    lo = f"arr - {p.board_before_s}"
    hi = f"dep + {p.board_after_s}"
    pen = f"CASE WHEN c.stopped THEN 0 ELSE {p.not_stopped_penalty_s} END"
    cols = "x.tap_id, c.trip_id, c.route_id, c.direction_id, c.seq, c.stop_id, c.stopped"
    on = "x.service_date = c.service_date AND x.vehicle_id = c.vehicle_id"
    sides = []
    for source in ("cs", "ca"):
        sides.append(f"""
            SELECT {cols}, greatest(x.tt - c.hi, 0) AS gap,
                   greatest(x.tt - c.hi, 0) + {pen} AS cost
            FROM tc x ASOF JOIN {source} c ON {on} AND x.tt >= c.lo""")
        sides.append(f"""
            SELECT {cols}, c.lo - x.tt AS gap, c.lo - x.tt + {pen} AS cost
            FROM tc x ASOF JOIN {source} c ON {on} AND x.tt < c.lo""")
    con.execute(f"""
        CREATE TEMP TABLE b AS
        WITH ca AS (SELECT *, {lo} AS lo, {hi} AS hi FROM v),
        cs AS (SELECT * FROM ca WHERE stopped),
        cand AS ({" UNION ALL ".join(sides)})
        SELECT tap_id, arg_min(trip_id, cost) AS trip_id, arg_min(route_id, cost) AS route_id,
               arg_min(direction_id, cost) AS direction_id, arg_min(seq, cost) AS seq,
               arg_min(stop_id, cost) AS stop_id, arg_min(gap, cost) AS gap,
               arg_min(stopped, cost) AS at_stop
        FROM cand GROUP BY tap_id
        HAVING arg_min(gap, cost) <= {p.max_board_gap_s}
    """)
    con.execute("""
        CREATE TEMP TABLE rides AS
        SELECT tc.tap_id, tc.service_date, tc.vehicle_id, tc.card_hash, tc.channel, tc.t,
               tc.tt, b.trip_id, b.route_id, b.direction_id, b.seq AS board_seq,
               b.stop_id AS board_stop_id, b.gap AS board_gap_s, b.at_stop,
               s.x AS board_x, s.y AS board_y
        FROM tc LEFT JOIN b USING (tap_id) LEFT JOIN stops_in s ON s.stop_id = b.stop_id
    """)


def _chaining(con: duckdb.DuckDBPyConnection, p: OdParams) -> None:
    # Taps of one card on one bus within `companion_s` of each other pay for companions:
    # they ride with the first tap (the party's leader) and get off with it.
    con.execute(f"""
        CREATE TEMP TABLE party AS
        SELECT tap_id, first_value(tap_id) OVER (
                   PARTITION BY service_date, card_hash, grp ORDER BY tt, tap_id) AS leader
        FROM (SELECT *, sum(CASE WHEN prev_vehicle = vehicle_id
                                  AND tt - prev_tt <= {p.companion_s} THEN 0 ELSE 1 END)
                          OVER (PARTITION BY service_date, card_hash ORDER BY tt, tap_id) AS grp
              FROM (SELECT *, lag(vehicle_id) OVER w AS prev_vehicle, lag(tt) OVER w AS prev_tt
                    FROM rides WHERE card_hash IS NOT NULL AND trip_id IS NOT NULL
                    WINDOW w AS (PARTITION BY service_date, card_hash ORDER BY tt, tap_id)))
    """)
    # The card's rides of the day in order (leaders only); the target of each is the next
    # boarding stop (for the last ride, the day's first one).
    con.execute("""
        CREATE TEMP TABLE chain AS
        SELECT tap_id, service_date, card_hash, tt, trip_id, route_id, vehicle_id,
               board_seq, board_x, board_y,
               lead(tap_id) OVER w AS next_tap,
               lead(tt) OVER w AS next_t,
               lead(route_id) OVER w AS next_route,
               lead(board_x) OVER w AS next_x, lead(board_y) OVER w AS next_y,
               first_value(board_x) OVER w AS first_x, first_value(board_y) OVER w AS first_y,
               row_number() OVER w AS k,
               count(*) OVER (PARTITION BY service_date, card_hash) AS n
        FROM rides JOIN party USING (tap_id)
        WHERE party.leader = rides.tap_id
        WINDOW w AS (PARTITION BY service_date, card_hash ORDER BY tt, tap_id)
    """)
    con.execute(f"""
        CREATE TEMP TABLE alight AS
        WITH target AS (
            SELECT *,
                   CASE WHEN next_tap IS NOT NULL THEN next_x
                        WHEN n > 1 THEN first_x END AS gx,
                   CASE WHEN next_tap IS NOT NULL THEN next_y
                        WHEN n > 1 THEN first_y END AS gy,
                   coalesce(next_t, 1e18) AS deadline
            FROM chain),
        cand AS (
            SELECT g.tap_id, v.seq, v.stop_id, v.arr,
                   sqrt((v.x - g.gx) ^ 2 + (v.y - g.gy) ^ 2) AS walk,
                   sqrt((v.x - g.gx) ^ 2 + (v.y - g.gy) ^ 2)
                     + CASE WHEN v.stopped THEN 0 ELSE {p.not_stopped_penalty_m} END AS score
            FROM target g JOIN v
              ON v.service_date = g.service_date AND v.vehicle_id = g.vehicle_id
             AND v.trip_id = g.trip_id AND v.seq > g.board_seq AND v.arr < g.deadline
            WHERE g.gx IS NOT NULL)
        SELECT tap_id, arg_min(seq, score) AS alight_seq, arg_min(stop_id, score) AS alight_stop_id,
               arg_min(arr, score) AS alight_t, arg_min(walk, score) AS walk_m
        FROM cand GROUP BY tap_id
    """)
    con.execute(f"""
        CREATE TEMP TABLE chained AS
        SELECT c.*, a.alight_seq, a.alight_stop_id, a.alight_t, a.walk_m,
               (a.walk_m IS NOT NULL AND a.walk_m <= {p.walk_limit_m}) AS ok,
               (a.walk_m IS NOT NULL AND a.walk_m <= {p.walk_limit_m}
                AND c.next_tap IS NOT NULL
                AND c.next_t - a.alight_t <= {p.transfer_window_s}
                AND c.next_route IS DISTINCT FROM c.route_id) AS transfer_next
        FROM chain c LEFT JOIN alight a USING (tap_id)
    """)
    # A journey starts at each ride that does not continue the previous one.
    con.execute("""
        CREATE TEMP TABLE journeys AS
        SELECT tap_id,
               sum(CASE WHEN coalesce(prev_transfer, false) THEN 0 ELSE 1 END)
                 OVER (PARTITION BY service_date, card_hash ORDER BY k) AS journey_no,
               coalesce(prev_transfer, false) AS transfer_from_prev
        FROM (SELECT *, lag(transfer_next) OVER (
                  PARTITION BY service_date, card_hash ORDER BY k) AS prev_transfer
              FROM chained)
    """)
    con.execute(f"""
        CREATE TEMP TABLE inferred AS
        SELECT r.*, c.alight_seq, c.alight_stop_id, c.alight_t, c.walk_m,
               coalesce(c.ok, false) AS chained,
               coalesce(c.transfer_next AND pt.leader = r.tap_id, false) AS transfer_next,
               j.journey_no,
               coalesce(j.transfer_from_prev AND pt.leader = r.tap_id, false)
                 AS transfer_from_prev,
               pt.leader IS NOT NULL AND pt.leader <> r.tap_id AS companion,
               CASE
                 WHEN r.trip_id IS NULL THEN 'no_boarding_stop'
                 WHEN r.card_hash IS NULL THEN 'no_card'
                 WHEN c.n = 1 THEN 'single_ride'
                 WHEN c.walk_m IS NULL THEN 'no_stop_before_next_tap'
                 WHEN c.walk_m > {p.walk_limit_m} THEN 'beyond_walk_limit'
               END AS unchained_reason
        FROM rides r LEFT JOIN party pt ON pt.tap_id = r.tap_id
        LEFT JOIN chained c ON c.tap_id = coalesce(pt.leader, r.tap_id)
        LEFT JOIN journeys j ON j.tap_id = coalesce(pt.leader, r.tap_id)
    """)


def _expansion(con: duckdb.DuckDBPyConnection) -> None:
    # Level 1: the trip and boarding stop; level 2: line, direction, hour and stop;
    # level 3: line, direction and hour. Each level spreads the boardings that the
    # finer one could not represent over its chained rides.
    con.execute("""
        CREATE TEMP TABLE w AS
        WITH b AS (
            SELECT i.*, floor((i.tt - d.day_start) / 3600)::INT AS hour
            FROM inferred i JOIN days_in d USING (service_date)
            WHERE i.trip_id IS NOT NULL),
        l1 AS (
            SELECT service_date, trip_id, board_seq, any_value(route_id) AS route_id,
                   any_value(direction_id) AS direction_id, any_value(hour) AS hour,
                   any_value(board_stop_id) AS board_stop_id,
                   count(*) AS n_all, count(*) FILTER (WHERE chained) AS n_ch
            FROM b GROUP BY service_date, trip_id, board_seq),
        l2 AS (
            SELECT service_date, route_id, direction_id, hour, board_stop_id,
                   sum(n_all) FILTER (WHERE n_ch = 0) AS orphan2,
                   sum(n_all) FILTER (WHERE n_ch > 0) AS rep2
            FROM l1 GROUP BY ALL),
        l3 AS (
            SELECT service_date, route_id, direction_id, hour,
                   sum(coalesce(orphan2, 0)) FILTER (WHERE coalesce(rep2, 0) = 0) AS orphan3,
                   sum(coalesce(orphan2, 0) + coalesce(rep2, 0))
                     FILTER (WHERE coalesce(rep2, 0) > 0) AS rep3
            FROM l2 GROUP BY ALL),
        l4 AS (
            SELECT service_date, route_id, direction_id,
                   sum(coalesce(orphan3, 0)) FILTER (WHERE coalesce(rep3, 0) = 0) AS orphan4,
                   sum(coalesce(orphan3, 0) + coalesce(rep3, 0))
                     FILTER (WHERE coalesce(rep3, 0) > 0) AS rep4
            FROM l3 GROUP BY ALL)
        SELECT b.tap_id,
               (l1.n_all::DOUBLE / l1.n_ch)
               * (1 + coalesce(l2.orphan2, 0)::DOUBLE / l2.rep2)
               * (1 + coalesce(l3.orphan3, 0)::DOUBLE / l3.rep3)
               * (1 + coalesce(l4.orphan4, 0)::DOUBLE / l4.rep4) AS weight,
               b.hour
        FROM b
        JOIN l1 USING (service_date, trip_id, board_seq)
        JOIN l2 ON l2.service_date = b.service_date AND l2.route_id = b.route_id
             AND l2.direction_id IS NOT DISTINCT FROM b.direction_id AND l2.hour = b.hour
             AND l2.board_stop_id = b.board_stop_id
        JOIN l3 ON l3.service_date = b.service_date AND l3.route_id = b.route_id
             AND l3.direction_id IS NOT DISTINCT FROM b.direction_id AND l3.hour = b.hour
        JOIN l4 ON l4.service_date = b.service_date AND l4.route_id = b.route_id
             AND l4.direction_id IS NOT DISTINCT FROM b.direction_id
        WHERE b.chained
    """)


def _apc_scaling(con: duckdb.DuckDBPyConnection, p: OdParams) -> None:
    """Scale each trip's weights so its boardings match the passenger counter's: each door
    opening goes to the bus's stop call around it, the counts add up per trip."""
    con.execute(f"""
        CREATE TEMP TABLE apc_trip AS
        WITH calls AS (
            SELECT service_date, vehicle_id, trip_id, arr - {p.board_before_s} AS lo,
                   dep + {p.board_after_s} AS hi
            FROM v WHERE stopped),
        doors AS (
            SELECT a.service_date, a.vehicle_id, a.t::DOUBLE AS t, a.boarded
            FROM apc_in a WHERE a.boarded > 0),
        placed AS (
            SELECT d.boarded, c.trip_id, c.service_date
            FROM doors d ASOF JOIN calls c
              ON d.service_date = c.service_date AND d.vehicle_id = c.vehicle_id
             AND d.t >= c.lo
            WHERE d.t <= c.hi + {p.max_board_gap_s})
        SELECT service_date, trip_id, sum(boarded)::DOUBLE AS counted
        FROM placed GROUP BY ALL
    """)
    con.execute("""
        CREATE TEMP TABLE w2 AS
        WITH taps AS (
            SELECT i.service_date, i.trip_id, sum(w.weight) AS expanded
            FROM w JOIN inferred i USING (tap_id) GROUP BY ALL)
        SELECT w.tap_id, w.hour,
               w.weight * coalesce(a.counted / nullif(t.expanded, 0), 1.0) AS weight
        FROM w JOIN inferred i USING (tap_id)
        JOIN taps t ON t.service_date = i.service_date AND t.trip_id = i.trip_id
        LEFT JOIN apc_trip a ON a.service_date = i.service_date AND a.trip_id = i.trip_id
    """)
    con.execute("DROP TABLE w")
    con.execute("ALTER TABLE w2 RENAME TO w")


def _od_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        CREATE TEMP TABLE od AS
        SELECT i.*, w.weight, w.hour, bn.band
        FROM inferred i JOIN w USING (tap_id)
        JOIN bands_in bn ON w.hour >= bn.h_from AND w.hour < bn.h_to
    """)


def segments_sql(flows: str) -> str:
    """A query for the load on every segment between consecutive calls of each trip, from
    `flows` (a query giving service_date, trip_id, seq, boardings, alightings at calls),
    over the calls in table `v` and the service days in `days_in`: the running sum of
    boardings less alightings, never below zero."""
    return f"""
        WITH f AS (
            SELECT service_date, trip_id, seq, sum(boardings) AS boardings,
                   sum(alightings) AS alightings
            FROM ({flows}) GROUP BY ALL),
        calls AS (
            SELECT v.service_date, v.trip_id, any_value(v.route_id) AS route_id,
                   any_value(v.direction_id) AS direction_id, v.seq,
                   any_value(v.stop_id) AS stop_id,
                   min(v.dep) AS dep
            FROM v GROUP BY v.service_date, v.trip_id, v.seq),
        c AS (
            SELECT calls.*, coalesce(f.boardings, 0)::DOUBLE AS boardings,
                   coalesce(f.alightings, 0)::DOUBLE AS alightings
            FROM calls LEFT JOIN f USING (service_date, trip_id, seq)),
        run AS (
            SELECT *,
                   sum(boardings - alightings) OVER w AS load,
                   lead(seq) OVER w AS to_seq, lead(stop_id) OVER w AS to_stop_id,
                   first_value(dep) OVER w AS trip_start
            FROM c
            WINDOW w AS (PARTITION BY service_date, trip_id ORDER BY seq))
        SELECT run.service_date, trip_id, route_id, direction_id, seq AS from_seq,
               stop_id AS from_stop_id, to_seq, to_stop_id, boardings, alightings,
               greatest(load, 0) AS load,
               floor((trip_start - d.day_start) / 3600)::INT AS hour
        FROM run JOIN days_in d USING (service_date)
        WHERE to_seq IS NOT NULL
    """


def _frame(con: duckdb.DuckDBPyConnection, sql: str) -> pl.DataFrame:
    return pl.from_arrow(con.sql(sql).to_arrow_table())  # type: ignore[return-value]


def _results(con: duckdb.DuckDBPyConnection, p: OdParams) -> OdResult:
    rides = _frame(
        con,
        """
        SELECT i.tap_id, i.service_date, i.vehicle_id, i.card_hash, i.channel,
               i.tt AS board_t, i.trip_id, i.route_id, i.direction_id, i.board_seq,
               i.board_stop_id, i.board_gap_s, i.at_stop, i.alight_seq, i.alight_stop_id,
               i.alight_t, i.walk_m, i.chained, i.unchained_reason, i.journey_no, i.companion,
               i.transfer_next, i.transfer_from_prev, coalesce(w.weight, 0) AS weight
        FROM inferred i LEFT JOIN w USING (tap_id)
        ORDER BY i.tap_id
        """,
    )
    od_stop = _frame(
        con,
        """
        SELECT service_date, band, board_stop_id AS origin_stop_id,
               alight_stop_id AS destination_stop_id, sum(weight) AS trips, count(*) AS rides
        FROM od GROUP BY ALL ORDER BY ALL
        """,
    )
    od_zone = _frame(
        con,
        """
        SELECT od.service_date, od.band, so.zone AS origin_zone, sd.zone AS destination_zone,
               sum(weight) AS trips, count(*) AS rides
        FROM od JOIN stops_in so ON so.stop_id = od.board_stop_id
        JOIN stops_in sd ON sd.stop_id = od.alight_stop_id
        GROUP BY ALL ORDER BY ALL
        """,
    )
    con.execute(
        "CREATE TEMP TABLE seg AS "
        + segments_sql("""
            SELECT service_date, trip_id, board_seq AS seq, sum(weight) AS boardings,
                   0.0 AS alightings
            FROM od GROUP BY ALL
            UNION ALL
            SELECT service_date, trip_id, alight_seq, 0.0, sum(weight) FROM od GROUP BY ALL
        """)
    )
    segment_loads = _frame(con, "SELECT * FROM seg ORDER BY service_date, trip_id, from_seq")
    load_profile = _frame(
        con,
        """
        WITH trips AS (
            SELECT service_date, route_id, direction_id, hour, count(DISTINCT trip_id) AS n
            FROM seg GROUP BY ALL)
        SELECT s.route_id, s.direction_id, s.hour, s.from_stop_id, s.to_stop_id,
               min(s.from_seq) AS from_seq,
               sum(s.load) / any_value(tr.total) AS mean_load,
               max(s.load) AS max_load,
               sum(s.boardings) / any_value(tr.total) AS mean_boardings,
               sum(s.alightings) / any_value(tr.total) AS mean_alightings,
               any_value(tr.total) AS trips,
               count(*) AS segment_trips
        FROM seg s JOIN (SELECT route_id, direction_id, hour, sum(n) AS total
                         FROM trips GROUP BY ALL) tr
          ON tr.route_id = s.route_id AND tr.direction_id IS NOT DISTINCT FROM s.direction_id
         AND tr.hour = s.hour
        GROUP BY s.route_id, s.direction_id, s.hour, s.from_stop_id, s.to_stop_id
        ORDER BY s.route_id, s.direction_id, s.hour, from_seq
        """,
    )
    con.register("profile", load_profile.to_arrow())
    max_load = _frame(
        con,
        """
        SELECT route_id, direction_id, hour,
               arg_max(from_stop_id, mean_load) AS from_stop_id,
               arg_max(to_stop_id, mean_load) AS to_stop_id,
               max(mean_load) AS mean_load, any_value(trips) AS trips
        FROM profile GROUP BY ALL ORDER BY ALL
        """,
    )
    transfers = _frame(
        con,
        """
        WITH pairs AS (
            SELECT a.service_date, a.route_id AS from_route_id, b.route_id AS to_route_id,
                   a.alight_stop_id AS from_stop_id, b.board_stop_id AS to_stop_id,
                   coalesce(wa.weight, 1.0) AS weight, b.tt - a.alight_t AS wait_s
            FROM inferred a JOIN chain c ON c.tap_id = a.tap_id
            JOIN inferred b ON b.tap_id = c.next_tap
            LEFT JOIN w wa ON wa.tap_id = a.tap_id
            WHERE a.transfer_next)
        SELECT service_date, from_route_id, to_route_id, sum(weight) AS trips, count(*) AS rides,
               median(wait_s) AS median_wait_s
        FROM pairs GROUP BY ALL ORDER BY trips DESC
        """,
    )
    clocks = _frame(con, "SELECT * FROM clock ORDER BY service_date, vehicle_id")
    counts = con.execute("""
        SELECT count(*), count(*) FILTER (WHERE trip_id IS NOT NULL),
               count(*) FILTER (WHERE card_hash IS NOT NULL AND trip_id IS NOT NULL),
               count(*) FILTER (WHERE chained),
               count(*) FILTER (WHERE transfer_next)
        FROM inferred
    """).fetchone()
    assert counts is not None
    n, boarded, with_card, chained, transfers_n = (int(x) for x in counts)
    apc_ratio = None
    listed = "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'apc_trip'"
    if con.execute(listed).fetchone() != (0,):
        got = con.execute("""
            SELECT sum(a.counted), sum(t.n)
            FROM apc_trip a JOIN (SELECT service_date, trip_id, count(*) AS n FROM inferred
                                  WHERE trip_id IS NOT NULL GROUP BY ALL) t
              USING (service_date, trip_id)
        """).fetchone()
        if got is not None and got[1]:
            apc_ratio = float(got[0]) / float(got[1])
    weighted = con.execute("SELECT coalesce(sum(weight), 0) FROM w").fetchone()
    rates = {
        "represented_share": float(weighted[0]) / boarded if weighted and boarded else 0.0,
        "taps": float(n),
        "boarding_rate": boarded / n if n else 0.0,
        "alighting_rate": chained / with_card if with_card else 0.0,
        "chained_of_all": chained / n if n else 0.0,
        "transfers": float(transfers_n),
    }
    if apc_ratio is not None:
        rates["apc_boardings_per_tap"] = apc_ratio
    return OdResult(
        rides=rides,
        od_stop=od_stop,
        od_zone=od_zone,
        segment_loads=segment_loads,
        load_profile=load_profile,
        max_load=max_load,
        transfers=transfers,
        clocks=clocks,
        rates=rates,
    )
