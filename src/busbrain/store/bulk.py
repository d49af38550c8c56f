"""Fast bulk writes and reads of frames, per database backend.

SQLite takes `executemany` of row tuples inside the open transaction; PostgreSQL takes
COPY ... FROM STDIN with CSV, which is an order of magnitude faster than INSERTs.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import polars as pl
from sqlalchemy import Boolean, Connection, Date, Float, Integer, LargeBinary, Table, text
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
    # Key order: tables clustered by their key (WITHOUT ROWID) load fastest so.
    frame = frame.select(cols).sort([c.name for c in table.primary_key.columns])
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


def iter_table(
    conn: Connection, table: Table, chunk_rows: int = CHUNK_ROWS
) -> Iterator[pl.DataFrame]:
    """The rows of `table` in key order, as frames of at most `chunk_rows` rows.

    Dates are selected as ISO text (SQLite stores them so; PostgreSQL casts) and parsed
    here, so both backends give identical frames. PostgreSQL reads through a server-side
    cursor, so memory stays at one chunk whatever the table's size.
    """
    schema = {c.name: _polars_type(c.type) for c in table.columns}
    select = ", ".join(
        f"CAST({name} AS TEXT)" if dtype == pl.Date else name for name, dtype in schema.items()
    )
    order = ", ".join(c.name for c in table.primary_key.columns)
    raw_schema = {k: (pl.String() if v == pl.Date else v) for k, v in schema.items()}
    driver: Any = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        cur = driver.cursor(name=f"read_{table.name}")
    else:
        cur = driver.cursor()
    try:
        cur.execute(f"SELECT {select} FROM {table.name} ORDER BY {order}")
        while rows := cur.fetchmany(chunk_rows):
            frame = pl.DataFrame(rows, schema=raw_schema, orient="row")
            yield frame.with_columns(
                pl.col(k).str.strptime(pl.Date, "%Y-%m-%d")
                for k, v in schema.items()
                if v == pl.Date
            )
    finally:
        cur.close()


def read_table(conn: Connection, table: Table) -> pl.DataFrame:
    """Every row of `table` as one frame (see iter_table)."""
    parts = list(iter_table(conn, table))
    if parts:
        return pl.concat(parts)
    schema = {c.name: _polars_type(c.type) for c in table.columns}
    return pl.DataFrame(schema=schema)


def filled_columns(conn: Connection, table: Table) -> set[str]:
    """The columns of `table` that hold a value in at least one row."""
    counts = conn.execute(
        text(
            "SELECT " + ", ".join(f"COUNT({c.name})" for c in table.columns) + f" FROM {table.name}"
        )
    ).one()
    return {c.name for c, n in zip(table.columns, counts, strict=True) if n}


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
