"""Fare taps in a SQL store: added by batch, read by service day.

A batch's taps and its log row go in one transaction; a tap already stored (same reader
and transaction id) is left as it is, so loading a batch twice adds nothing. SQLite takes
the rows through the driver's `executemany` (a loop in C); PostgreSQL through COPY into a
temporary table and one INSERT ... SELECT ... ON CONFLICT DO NOTHING, which is what makes
a million taps a matter of seconds on either.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import BigInteger, ColumnElement, Engine, Text, cast, extract, select, type_coerce
from sqlalchemy.exc import SQLAlchemyError

from busbrain.domain.errors import BadInputError, StoreError
from busbrain.planning.fares.intake import TAP_SCHEMA
from busbrain.store import schema as s

CHUNK_ROWS = 50_000
_COLUMNS = tuple(TAP_SCHEMA)
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S%.6f"
_BATCH_LOG_SQL = (
    "INSERT INTO fare_batch (batch_id, source, loaded_utc, rows, added, problems) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (batch_id) DO UPDATE SET "
    "source = excluded.source, loaded_utc = excluded.loaded_utc, "
    "rows = excluded.rows, added = excluded.added, problems = excluded.problems"
)


@dataclass(frozen=True, slots=True)
class FareBatchLog:
    batch_id: str
    source: str
    loaded_utc: dt.datetime
    rows: int
    added: int
    problems: dict[str, int]


@dataclass(frozen=True, slots=True)
class BatchWrite:
    added: int
    """Taps stored by this write."""
    repeated: pl.DataFrame
    """(reader_id, txn_id, batch_id) of the batch's taps already stored, with the batch
    that stored them."""


class SqlFareTaps:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add_batch(
        self,
        batch_id: str,
        source: str,
        taps: pl.DataFrame,
        *,
        rows: int,
        problems: dict[str, int],
        now: dt.datetime,
    ) -> BatchWrite:
        """Store `taps` (TAP_SCHEMA) and the batch's log row, all or nothing. Taps stored
        before (same reader and transaction) are left as they are and returned as
        `repeated`, counted as duplicates in the log."""
        if list(taps.columns) != list(_COLUMNS):
            raise BadInputError(f"fare taps need the columns {', '.join(_COLUMNS)}")
        if (
            taps.height
            and taps.select(
                pl.any_horizontal(pl.col(c).is_null() for c in _COLUMNS if c != "card_hash").any()
            ).item()
        ):
            raise BadInputError(f"batch {batch_id}: a tap has an empty field; nothing written")
        driver_error = self.engine.dialect.loaded_dbapi.Error
        cols = ", ".join(_COLUMNS)
        try:
            with self.engine.begin() as conn:
                postgres = conn.dialect.name == "postgresql"
                cur: Any = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
                try:
                    if postgres:
                        self._stage_postgres(cur, taps)
                    else:
                        self._stage_sqlite(cur, taps)
                    cur.execute(
                        "SELECT i.reader_id, i.txn_id, f.batch_id FROM fare_tap_in i "
                        "JOIN fare_tap f ON f.reader_id = i.reader_id AND f.txn_id = i.txn_id"
                    )
                    repeated = pl.DataFrame(
                        [tuple(r) for r in cur.fetchall()],
                        schema={
                            "reader_id": pl.String(),
                            "txn_id": pl.String(),
                            "batch_id": pl.String(),
                        },
                        orient="row",
                    )
                    cur.execute(
                        f"INSERT INTO fare_tap ({cols}) SELECT {cols} FROM fare_tap_in WHERE true "
                        "ON CONFLICT DO NOTHING"
                    )
                    added = max(int(cur.rowcount), 0)
                    counts = dict(problems)
                    counts["duplicate"] = counts.get("duplicate", 0) + repeated.height
                    log = (
                        batch_id,
                        source,
                        now.astimezone(dt.UTC)
                        if postgres
                        else now.astimezone(dt.UTC)
                        .replace(tzinfo=None)
                        .isoformat(" ", "microseconds"),
                        rows,
                        added,
                        json.dumps(counts, sort_keys=True),
                    )
                    mark = "%s" if postgres else "?"
                    cur.execute(_BATCH_LOG_SQL.replace("?", mark), log)
                    cur.execute("DROP TABLE fare_tap_in")
                finally:
                    cur.close()
        except (SQLAlchemyError, driver_error) as exc:
            raise StoreError(
                f"storing fare batch {batch_id} failed, nothing written: {exc}"
            ) from exc
        return BatchWrite(added, repeated)

    @staticmethod
    def _stage_sqlite(cur: Any, taps: pl.DataFrame) -> None:
        frame = taps.with_columns(
            pl.col("service_date").cast(pl.String()),
            pl.col("tap_utc").dt.replace_time_zone(None).dt.strftime(_SQLITE_TIME),
        )
        # SQLite runs DDL outside the transaction: a failed try (a locked database) leaves
        # its staging table on the pooled connection, and the retry must not trip on it.
        cur.execute("DROP TABLE IF EXISTS temp.fare_tap_in")
        cur.execute("CREATE TEMP TABLE fare_tap_in AS SELECT * FROM fare_tap WHERE 0")
        marks = ", ".join("?" * len(_COLUMNS))
        sql = f"INSERT INTO fare_tap_in ({', '.join(_COLUMNS)}) VALUES ({marks})"
        for start in range(0, frame.height, CHUNK_ROWS):
            cur.executemany(sql, frame.slice(start, CHUNK_ROWS).rows())

    @staticmethod
    def _stage_postgres(cur: Any, taps: pl.DataFrame) -> None:
        cur.execute(
            "CREATE TEMPORARY TABLE fare_tap_in (LIKE fare_tap INCLUDING DEFAULTS) ON COMMIT DROP"
        )
        with cur.copy(f"COPY fare_tap_in ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for row in taps.iter_rows():
                copy.write_row(row)

    def taps(self, service_date_from: dt.date, service_date_to: dt.date) -> pl.DataFrame:
        """The taps of service days `service_date_from` to `service_date_to` (both
        included), TAP_SCHEMA, ordered by service day, time, reader and transaction."""
        c = s.fare_tap.c
        with self.engine.connect() as conn:
            postgres = conn.dialect.name == "postgresql"

            def text(col: ColumnElement[Any]) -> ColumnElement[Any]:
                # Skip the driver's per-row datetime objects: polars parses the text.
                return type_coerce(col, Text)

            cols = [
                cast(c.service_date, Text)
                if name == "service_date"
                else (
                    (
                        cast(extract("epoch", c.tap_utc) * 1_000_000, BigInteger)
                        if postgres
                        else text(c.tap_utc)
                    )
                    if name == "tap_utc"
                    else c[name]
                )
                for name in _COLUMNS
            ]
            query = select(*cols).where(
                c.service_date >= service_date_from, c.service_date <= service_date_to
            )
            # Through the driver's own cursor: plain tuples, no row objects (a million
            # taps read in about a second).
            compiled = query.compile(conn)
            cur: Any = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                if postgres:
                    cur.execute(str(compiled), compiled.params)
                else:
                    cur.execute(
                        str(compiled),
                        [compiled.params[k] for k in compiled.positiontup or ()],
                    )
                raw = cur.fetchall()
            finally:
                cur.close()
        strings = {
            name: pl.String() if name in ("service_date", "tap_utc") else kind
            for name, kind in TAP_SCHEMA.items()
        } | ({"tap_utc": pl.Int64()} if postgres else {})
        frame = pl.DataFrame([tuple(r) for r in raw], schema=strings, orient="row")
        stamp = (
            pl.from_epoch("tap_utc", time_unit="us").dt.replace_time_zone("UTC")
            if postgres
            else pl.col("tap_utc")
            .str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S%.f")
            .dt.replace_time_zone("UTC")
        )
        return (
            frame.with_columns(
                pl.col("service_date").str.strptime(pl.Date(), "%Y-%m-%d"),
                stamp.dt.convert_time_zone("UTC"),
            )
            .select(list(_COLUMNS))
            .sort("service_date", "tap_utc", "reader_id", "txn_id")
        )

    def batches(self) -> list[FareBatchLog]:
        """The batches loaded, latest first."""
        b = s.fare_batch.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(s.fare_batch).order_by(b.loaded_utc.desc(), b.batch_id)
            ).all()
        return [
            FareBatchLog(
                r.batch_id,
                r.source,
                r.loaded_utc if r.loaded_utc.tzinfo else r.loaded_utc.replace(tzinfo=dt.UTC),
                r.rows,
                r.added,
                json.loads(r.problems),
            )
            for r in rows
        ]
