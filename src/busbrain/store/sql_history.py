"""The real-time history in a SQL store: stop events, positions, predictions and the
passenger counters' loads per stop visit.

A batch is checked whole first (a bad record refuses it before anything is written),
then goes in through the driver's `executemany` of one INSERT ... ON CONFLICT, in one
transaction: sqlite3 loops over the rows in C, psycopg pipelines them, so tens of
thousands of rows take a fraction of a second on either. ON CONFLICT makes re-writing
idempotent: positions and predictions keep the first row written for a key, stop
events and passenger loads take the newest (a processor may refine an event), and only a real change
counts as written.

Times are stored as UTC: timestamptz on PostgreSQL; on SQLite the text SQLAlchemy's
DateTime uses ("YYYY-MM-DD HH:MM:SS.ffffff"), which sorts and compares as time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import polars as pl
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Engine,
    Select,
    Table,
    Text,
    and_,
    case,
    cast,
    delete,
    extract,
    func,
    select,
    type_coerce,
)
from sqlalchemy.exc import SQLAlchemyError

from busbrain.domain.errors import BadInputError, StoreError
from busbrain.domain.history import (
    PassengerLoadRecord,
    PositionRecord,
    PredictionRecord,
    StopEventRecord,
    time_problem,
)
from busbrain.store import schema as s

CHUNK_ROWS = 10_000
"""Rows converted and handed to the driver at a time (bounds the memory of a big batch)."""

UTC_US = pl.Datetime("us", "UTC")

STOP_EVENT_SCHEMA: dict[str, pl.DataType] = {
    "service_date": pl.Date(),
    "route_id": pl.String(),
    "direction_id": pl.Int64(),
    "trip_id": pl.String(),
    "stop_sequence": pl.Int64(),
    "stop_id": pl.String(),
    "vehicle_id": pl.String(),
    "arrival_utc": UTC_US,
    "departure_utc": UTC_US,
    "stopped": pl.Boolean(),
    "recorded_utc": UTC_US,
}
_TIMES = ("arrival_utc", "departure_utc", "recorded_utc")

PREDICTION_SCHEMA: dict[str, pl.DataType] = {
    "route_id": pl.String(),
    "direction_id": pl.Int64(),
    "trip_id": pl.String(),
    "stop_sequence": pl.Int64(),
    "stop_id": pl.String(),
    "vehicle_id": pl.String(),
    "method": pl.String(),
    "made_utc": UTC_US,
    "predicted_utc": UTC_US,
}
_PREDICTION_TIMES = ("made_utc", "predicted_utc")
_PREDICTION_KEY = ("trip_id", "stop_sequence", "vehicle_id", "method", "made_utc")

PASSENGER_LOAD_SCHEMA: dict[str, pl.DataType] = {
    "service_date": pl.Date(),
    "route_id": pl.String(),
    "direction_id": pl.Int64(),
    "trip_id": pl.String(),
    "stop_sequence": pl.Int64(),
    "stop_id": pl.String(),
    "vehicle_id": pl.String(),
    "boarded": pl.Int64(),
    "alighted": pl.Int64(),
    "onboard_after": pl.Int64(),
    "capacity": pl.Int64(),
    "recorded_utc": UTC_US,
}
_LOAD_COUNTS = ("boarded", "alighted", "onboard_after", "capacity")


@dataclass(frozen=True, slots=True)
class _Values:
    """Python values as one backend's driver takes them."""

    mark: str
    time: Callable[[dt.datetime], object]
    day: Callable[[dt.date], object]
    flag: Callable[[bool], object]


def _sqlite_time(t: dt.datetime) -> str:
    # "YYYY-MM-DD HH:MM:SS.ffffff", as SQLAlchemy's DateTime writes (and reads) it.
    return t.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _utc(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.UTC)


def _same(value: Any) -> Any:
    return value


_SQLITE = _Values("?", _sqlite_time, dt.date.isoformat, int)
_POSTGRES = _Values("%s", _utc, _same, bool)


class _Checked(Protocol):
    def problem(self) -> str | None: ...


R = TypeVar("R", bound=_Checked)


@dataclass(frozen=True, slots=True)
class _Writer:
    """One table's INSERT: its columns (in the order `row` gives values) and conflict rule."""

    what: str
    table: Table
    columns: tuple[str, ...]
    on_conflict: str

    def sql(self, mark: str) -> str:
        return (
            f"INSERT INTO {self.table.name} ({', '.join(self.columns)}) "
            f"VALUES ({', '.join([mark] * len(self.columns))}) {self.on_conflict}"
        )


def _stop_event_row(r: StopEventRecord, v: _Values) -> tuple[object, ...]:
    return (
        v.day(r.service_date),
        r.trip_id,
        r.stop_sequence,
        r.vehicle_id,
        r.stop_id,
        v.time(r.arrival_utc),
        v.time(r.departure_utc),
        v.flag(r.stopped),
        v.time(r.recorded_utc),
    )


_STOP_EVENT_KEY = ("service_date", "trip_id", "stop_sequence", "vehicle_id")
_STOP_EVENT_DATA = ("stop_id", "arrival_utc", "departure_utc", "stopped")
_STOP_EVENTS = _Writer(
    "stop event",
    s.stop_event,
    (*_STOP_EVENT_KEY, *_STOP_EVENT_DATA, "recorded_utc"),
    # The newest write wins, but only a changed event is rewritten (and counted).
    f"ON CONFLICT ({', '.join(_STOP_EVENT_KEY)}) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in (*_STOP_EVENT_DATA, "recorded_utc"))
    + " WHERE "
    + " OR ".join(f"stop_event.{c} <> excluded.{c}" for c in _STOP_EVENT_DATA),
)


def _passenger_load_row(r: PassengerLoadRecord, v: _Values) -> tuple[object, ...]:
    return (
        v.day(r.service_date),
        r.trip_id,
        r.stop_sequence,
        r.vehicle_id,
        r.stop_id,
        r.boarded,
        r.alighted,
        r.onboard_after,
        r.capacity,
        v.time(r.recorded_utc),
    )


_PASSENGER_LOAD_DATA = ("stop_id", *_LOAD_COUNTS)
_PASSENGER_LOADS = _Writer(
    "passenger load",
    s.passenger_load,
    (*_STOP_EVENT_KEY, *_PASSENGER_LOAD_DATA, "recorded_utc"),
    # As stop events: the newest write wins, only a changed load is rewritten (and counted).
    f"ON CONFLICT ({', '.join(_STOP_EVENT_KEY)}) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in (*_PASSENGER_LOAD_DATA, "recorded_utc"))
    + " WHERE "
    + " OR ".join(f"passenger_load.{c} <> excluded.{c}" for c in _PASSENGER_LOAD_DATA),
)


def _position_row(r: PositionRecord, v: _Values) -> tuple[object, ...]:
    return (r.vehicle_id, v.time(r.ts_utc), r.lat, r.lon, r.speed_kmh, r.heading, r.trip_id)


_POSITIONS = _Writer(
    "position",
    s.position_history,
    ("vehicle_id", "ts_utc", "lat", "lon", "speed_kmh", "heading", "trip_id"),
    "ON CONFLICT DO NOTHING",
)


def _prediction_row(r: PredictionRecord, v: _Values) -> tuple[object, ...]:
    return (
        r.trip_id,
        r.stop_sequence,
        r.vehicle_id,
        r.method,
        v.time(r.made_utc),
        r.stop_id,
        v.time(r.predicted_utc),
    )


_PREDICTIONS = _Writer(
    "prediction",
    s.prediction_log,
    ("trip_id", "stop_sequence", "vehicle_id", "method", "made_utc", "stop_id", "predicted_utc"),
    "ON CONFLICT DO NOTHING",
)


def _time_column(postgres: bool, col: ColumnElement[Any]) -> ColumnElement[Any]:
    """A stored time as the query reads it: whole microseconds since the epoch on
    PostgreSQL (whatever the session's time zone); SQLite's stored text as it is. Both
    parse fast in polars (`_parse_times`)."""
    if postgres:
        return cast(extract("epoch", col) * 1_000_000, BigInteger)
    return type_coerce(col, Text)


def _parse_times(postgres: bool, names: Sequence[str]) -> list[pl.Expr]:
    """The columns `names` read by `_time_column` as Datetime µs, UTC."""
    if postgres:
        return [pl.from_epoch(name, time_unit="us").dt.replace_time_zone("UTC") for name in names]
    return [
        pl.col(name)
        .str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S%.f")
        .dt.replace_time_zone("UTC")
        for name in names
    ]


def _check_since(what: str, recorded_since: dt.datetime | None) -> None:
    if recorded_since is not None and (problem := time_problem("recorded_since", recorded_since)):
        raise BadInputError(f"cannot read {what}: {problem}")


def _visits_query(
    table: Table,
    columns: Sequence[ColumnElement[Any]],
    days: tuple[dt.date, dt.date],
    route_ids: set[str] | None,
    recorded_since: dt.datetime | None,
) -> Select[Any]:
    """Rows of a table keyed by stop visit (stop_event, passenger_load) on service days
    `days` (both included), in key order: service date (text), the current network's
    route and direction of the trip (outer join), trip, stop_sequence, stop, vehicle,
    then `columns`; of the routes `route_ids` when given, and written or replaced at or
    after `recorded_since` when given."""
    c, t = table.c, s.trip.c
    query = (
        select(
            cast(c.service_date, Text),
            t.route_id,
            t.direction_id,
            c.trip_id,
            c.stop_sequence,
            c.stop_id,
            c.vehicle_id,
            *columns,
        )
        .select_from(table.outerjoin(s.trip, t.trip_id == c.trip_id))
        .where(c.service_date >= days[0], c.service_date <= days[1])
        .order_by(*(c[name] for name in _STOP_EVENT_KEY))
    )
    if route_ids is not None:
        query = query.where(t.route_id.in_(sorted(route_ids)))
    if recorded_since is not None:
        # In UTC: SQLite compares the stored UTC text.
        query = query.where(c.recorded_utc >= _utc(recorded_since))
    return query


class SqlRealtimeHistory:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add_stop_events(self, rows: list[StopEventRecord]) -> int:
        return self._write(_STOP_EVENTS, rows, _stop_event_row)

    def add_positions(self, rows: list[PositionRecord]) -> int:
        return self._write(_POSITIONS, rows, _position_row)

    def add_predictions(self, rows: list[PredictionRecord]) -> int:
        return self._write(_PREDICTIONS, rows, _prediction_row)

    def add_passenger_loads(self, rows: list[PassengerLoadRecord]) -> int:
        return self._write(_PASSENGER_LOADS, rows, _passenger_load_row)

    def stop_events(
        self,
        service_date_from: dt.date,
        service_date_to: dt.date,
        route_ids: set[str] | None = None,
        recorded_since: dt.datetime | None = None,
    ) -> pl.DataFrame:
        _check_since("stop events", recorded_since)
        if route_ids is not None and not route_ids:
            return pl.DataFrame(schema=STOP_EVENT_SCHEMA)
        e = s.stop_event.c
        with self.engine.connect() as conn:
            postgres = conn.dialect.name == "postgresql"
            arrived, left, recorded = (_time_column(postgres, e[n]) for n in _TIMES)
            query = _visits_query(
                s.stop_event,
                (arrived, left, e.stopped, recorded),
                (service_date_from, service_date_to),
                route_ids,
                recorded_since,
            )
            rows = [tuple(r) for r in conn.execute(query)]
        raw = {name: pl.String() for name in STOP_EVENT_SCHEMA} | {
            "direction_id": pl.Int64(),
            "stop_sequence": pl.Int64(),
            "stopped": pl.Boolean(),
        }
        if postgres:
            raw |= {name: pl.Int64() for name in _TIMES}
        frame = pl.DataFrame(rows, schema=raw, orient="row")
        return frame.with_columns(
            pl.col("service_date").str.strptime(pl.Date(), "%Y-%m-%d"),
            *_parse_times(postgres, _TIMES),
        ).select(list(STOP_EVENT_SCHEMA))

    def passenger_loads(
        self,
        service_date_from: dt.date,
        service_date_to: dt.date,
        route_ids: set[str] | None = None,
        recorded_since: dt.datetime | None = None,
    ) -> pl.DataFrame:
        _check_since("passenger loads", recorded_since)
        if route_ids is not None and not route_ids:
            return pl.DataFrame(schema=PASSENGER_LOAD_SCHEMA)
        p = s.passenger_load.c
        with self.engine.connect() as conn:
            postgres = conn.dialect.name == "postgresql"
            query = _visits_query(
                s.passenger_load,
                (*(p[name] for name in _LOAD_COUNTS), _time_column(postgres, p.recorded_utc)),
                (service_date_from, service_date_to),
                route_ids,
                recorded_since,
            )
            rows = [tuple(r) for r in conn.execute(query)]
        raw = dict(PASSENGER_LOAD_SCHEMA) | {
            "service_date": pl.String(),
            "recorded_utc": pl.Int64() if postgres else pl.String(),
        }
        frame = pl.DataFrame(rows, schema=raw, orient="row")
        return frame.with_columns(
            pl.col("service_date").str.strptime(pl.Date(), "%Y-%m-%d"),
            *_parse_times(postgres, ("recorded_utc",)),
        ).select(list(PASSENGER_LOAD_SCHEMA))

    def predictions(
        self,
        made_from_utc: dt.datetime,
        made_to_utc: dt.datetime,
        route_ids: set[str] | None = None,
    ) -> pl.DataFrame:
        for name, value in (("made_from_utc", made_from_utc), ("made_to_utc", made_to_utc)):
            if (problem := time_problem(name, value)) is not None:
                raise BadInputError(f"cannot read predictions: {problem}")
        if route_ids is not None and not route_ids:
            return pl.DataFrame(schema=PREDICTION_SCHEMA)
        p, t = s.prediction_log.c, s.trip.c
        with self.engine.connect() as conn:
            postgres = conn.dialect.name == "postgresql"
            query = (
                select(
                    t.route_id,
                    t.direction_id,
                    p.trip_id,
                    p.stop_sequence,
                    p.stop_id,
                    p.vehicle_id,
                    p.method,
                    _time_column(postgres, p.made_utc),
                    _time_column(postgres, p.predicted_utc),
                )
                .select_from(s.prediction_log.outerjoin(s.trip, t.trip_id == p.trip_id))
                # In UTC: SQLite compares the stored UTC text (as purge does).
                .where(
                    p.made_utc >= made_from_utc.astimezone(dt.UTC),
                    p.made_utc < made_to_utc.astimezone(dt.UTC),
                )
                .order_by(*(p[name] for name in _PREDICTION_KEY))
            )
            if route_ids is not None:
                query = query.where(t.route_id.in_(sorted(route_ids)))
            rows = [tuple(r) for r in conn.execute(query)]
        raw = {name: pl.String() for name in PREDICTION_SCHEMA} | {
            "direction_id": pl.Int64(),
            "stop_sequence": pl.Int64(),
        }
        if postgres:
            raw |= {name: pl.Int64() for name in _PREDICTION_TIMES}
        frame = pl.DataFrame(rows, schema=raw, orient="row")
        return frame.with_columns(*_parse_times(postgres, _PREDICTION_TIMES)).select(
            list(PREDICTION_SCHEMA)
        )

    def prediction_error_counts(
        self,
        service_date: dt.date,
        made_from_utc: dt.datetime,
        made_to_utc: dt.datetime,
        bands: Sequence[tuple[str, float, float]],
        max_lead_s: float,
    ) -> pl.DataFrame:
        for name, value in (("made_from_utc", made_from_utc), ("made_to_utc", made_to_utc)):
            if (problem := time_problem(name, value)) is not None:
                raise BadInputError(f"cannot count prediction errors: {problem}")
        p, e, t = s.prediction_log.c, s.stop_event.c, s.trip.c
        with self.engine.connect() as conn:
            postgres = conn.dialect.name == "postgresql"

            def secs(col: ColumnElement[Any]) -> ColumnElement[Any]:
                if postgres:
                    return extract("epoch", col)
                return func.julianday(col) * 86400.0

            made, predicted, arrived = secs(p.made_utc), secs(p.predicted_utc), secs(e.arrival_utc)
            horizon, lead = predicted - made, arrived - made
            last = len(bands) - 1
            band = case(
                *(
                    (and_(horizon >= lo, horizon <= hi if i == last else horizon < hi), label)
                    for i, (label, lo, hi) in enumerate(bands)
                ),
                else_=None,
            ).label("band")
            error = cast(func.round(predicted - arrived), BigInteger).label("error_s")
            matched = and_(
                e.service_date == service_date,
                e.trip_id == p.trip_id,
                e.stop_sequence == p.stop_sequence,
                e.vehicle_id == p.vehicle_id,
            )
            query = (
                select(p.method, t.route_id, band, error, func.count().label("n"))
                .select_from(
                    s.prediction_log.join(s.stop_event, matched).outerjoin(
                        s.trip, t.trip_id == p.trip_id
                    )
                )
                .where(
                    # In UTC: SQLite compares the stored UTC text (as purge does).
                    p.made_utc >= made_from_utc.astimezone(dt.UTC),
                    p.made_utc < made_to_utc.astimezone(dt.UTC),
                    lead >= 0,
                    lead <= max_lead_s,
                    band.is_not(None),
                )
                .group_by(p.method, t.route_id, band, error)
            )
            rows = [tuple(r) for r in conn.execute(query)]
        return pl.DataFrame(
            rows,
            schema={
                "method": pl.String(),
                "route_id": pl.String(),
                "band": pl.String(),
                "error_s": pl.Int64(),
                "n": pl.Int64(),
            },
            orient="row",
        )

    def purge(
        self,
        before_utc: dt.datetime,
        *,
        positions: bool = True,
        predictions: bool = True,
        stop_events: bool = False,
        passenger_loads: bool = False,
    ) -> dict[str, int]:
        if (problem := time_problem("before_utc", before_utc)) is not None:
            raise BadInputError(f"cannot purge history: {problem}")
        before = before_utc.astimezone(dt.UTC)
        asked = [
            (name, table, table.c[column])
            for name, table, column, wanted in (
                ("positions", s.position_history, "ts_utc", positions),
                ("predictions", s.prediction_log, "made_utc", predictions),
                ("stop_events", s.stop_event, "departure_utc", stop_events),
                ("passenger_loads", s.passenger_load, "recorded_utc", passenger_loads),
            )
            if wanted
        ]
        deleted: dict[str, int] = {}
        try:
            with self.engine.begin() as conn:
                for name, table, column in asked:
                    deleted[name] = conn.execute(delete(table).where(column < before)).rowcount
        except SQLAlchemyError as exc:
            raise StoreError(f"history purge failed, nothing deleted: {exc}") from exc
        return deleted

    def _write(
        self, writer: _Writer, rows: Sequence[R], row: Callable[[R, _Values], tuple[object, ...]]
    ) -> int:
        if not rows:
            return 0
        for i, record in enumerate(rows):
            if (problem := record.problem()) is not None:
                raise BadInputError(
                    f"{writer.what} {i} of a batch of {len(rows)}: {problem}; nothing written"
                )
        driver_error = self.engine.dialect.loaded_dbapi.Error
        written = 0
        try:
            with self.engine.begin() as conn:
                values = _POSTGRES if conn.dialect.name == "postgresql" else _SQLITE
                sql = writer.sql(values.mark)
                driver: Any = conn.connection.driver_connection
                cur = driver.cursor()
                try:
                    for start in range(0, len(rows), CHUNK_ROWS):
                        chunk = rows[start : start + CHUNK_ROWS]
                        cur.executemany(sql, [row(r, values) for r in chunk])
                        written += max(cur.rowcount, 0)
                finally:
                    cur.close()
        except (SQLAlchemyError, driver_error) as exc:
            raise StoreError(
                f"writing {len(rows)} {writer.what}s to {writer.table.name} failed, "
                f"nothing written: {exc}"
            ) from exc
        return written
