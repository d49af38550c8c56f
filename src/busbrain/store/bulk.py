"""Fast bulk writes and reads of frames, per database backend.

SQLite takes `executemany` of row tuples inside the open transaction; PostgreSQL takes
COPY ... FROM STDIN with CSV, which is an order of magnitude faster than INSERTs.
"""

from __future__ import annotations

import io
from typing import Any

import polars as pl
from sqlalchemy import Boolean, Connection, Date, Float, Integer, LargeBinary, Table
from sqlalchemy.types import TypeEngine

CHUNK_ROWS = 200_000


def _for_sqlite(frame: pl.DataFrame) -> pl.DataFrame:
    conv = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            conv.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        elif dtype == pl.Boolean:
            conv.append(pl.col(name).cast(pl.Int8))
    return frame.with_columns(conv) if conv else frame


def insert_frame(conn: Connection, table: Table, frame: pl.DataFrame) -> None:
    """Insert every row of `frame` (columns named as the table's) into `table`."""
    if frame.height == 0:
        return
    cols = [c.name for c in table.columns if c.name in frame.columns]
    frame = frame.select(cols)
    driver: Any = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        _copy_pg(driver, table.name, cols, frame)
        return
    frame = _for_sqlite(frame)
    sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    cur = driver.cursor()
    for start in range(0, frame.height, CHUNK_ROWS):
        cur.executemany(sql, frame.slice(start, CHUNK_ROWS).iter_rows())
    cur.close()


def _copy_pg(driver: Any, name: str, cols: list[str], frame: pl.DataFrame) -> None:
    sql = f"COPY {name} ({', '.join(cols)}) FROM STDIN (FORMAT csv, NULL '')"
    with driver.cursor() as cur, cur.copy(sql) as copy:
        for start in range(0, frame.height, CHUNK_ROWS):
            buf = io.BytesIO()
            frame.slice(start, CHUNK_ROWS).write_csv(
                buf, include_header=False, null_value="", quote_style="non_numeric"
            )
            copy.write(buf.getvalue())


def read_table(conn: Connection, table: Table) -> pl.DataFrame:
    """Every row of `table` as a frame with the table's column names and types.

    Dates are selected as ISO text (SQLite stores them so; PostgreSQL casts) and parsed
    here, so both backends give identical frames.
    """
    schema = {c.name: _polars_type(c.type) for c in table.columns}
    select = ", ".join(
        f"CAST({name} AS TEXT)" if dtype == pl.Date else name for name, dtype in schema.items()
    )
    raw_schema = {k: (pl.String() if v == pl.Date else v) for k, v in schema.items()}
    driver: Any = conn.connection.driver_connection
    cur = driver.cursor()
    cur.execute(f"SELECT {select} FROM {table.name}")
    batches = []
    while rows := cur.fetchmany(CHUNK_ROWS):
        batches.append(pl.DataFrame(rows, schema=raw_schema, orient="row"))
    cur.close()
    out = pl.concat(batches) if batches else pl.DataFrame(schema=raw_schema)
    return out.with_columns(
        pl.col(k).str.strptime(pl.Date, "%Y-%m-%d") for k, v in schema.items() if v == pl.Date
    )


def _polars_type(sa_type: TypeEngine[Any]) -> pl.DataType:
    if isinstance(sa_type, Boolean):
        return pl.Boolean()
    if isinstance(sa_type, Integer):  # SmallInteger too
        return pl.Int64()
    if isinstance(sa_type, Float):
        return pl.Float64()
    if isinstance(sa_type, Date):
        return pl.Date()
    if isinstance(sa_type, LargeBinary):
        return pl.Binary()
    return pl.String()
