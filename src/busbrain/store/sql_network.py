"""The network in a SQL store (SQLite or PostgreSQL): the write side.

`replace_network` empties the network tables and loads the new rows in one
transaction, so a failure at any row leaves the previous network intact and readers
never see half a network.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
from sqlalchemy import Engine, delete, insert
from sqlalchemy.exc import SQLAlchemyError

from busbrain.domain.errors import StoreError
from busbrain.store import schema
from busbrain.store.bulk import filled_columns, insert_frame, iter_table, read_table
from busbrain.store.ports import ImportRecord, NetworkRows, OnTable


class SqlNetworkRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def replace_network(
        self, rows: NetworkRows, record: ImportRecord, on_table: OnTable | None = None
    ) -> None:
        driver_error = self.engine.dialect.loaded_dbapi.Error
        try:
            with self.engine.begin() as conn:
                for table in schema.NETWORK_TABLES:
                    conn.execute(delete(table))
                for table in reversed(schema.NETWORK_TABLES):
                    frame = rows.tables.get(table.name)
                    if frame is None:
                        continue
                    insert_frame(conn, table, frame)
                    if on_table is not None:
                        on_table(table.name, frame.height)
                conn.execute(
                    insert(schema.feed_import).values(
                        source=record.source,
                        imported_at=record.imported_at,
                        skipped_rows=record.skipped_rows,
                        warnings=record.warnings,
                    )
                )
        except (SQLAlchemyError, driver_error) as exc:
            raise StoreError(f"network import failed, store unchanged: {exc}") from exc

    def read_network(self, *, without: frozenset[str] = frozenset()) -> NetworkRows:
        with self.engine.connect() as conn:
            return NetworkRows(
                {
                    t.name: read_table(conn, t)
                    for t in schema.NETWORK_TABLES
                    if t.name not in without
                }
            )

    def iter_rows(self, table: str, chunk_rows: int = 200_000) -> Iterator[pl.DataFrame]:
        with self.engine.connect() as conn:
            yield from iter_table(conn, schema.metadata.tables[table], chunk_rows)

    def filled_columns(self, table: str) -> set[str]:
        with self.engine.connect() as conn:
            return filled_columns(conn, schema.metadata.tables[table])
