"""Export the store's network as a GTFS feed: the inverse of the importer.

Shapes that busbrain drew through stops for trips without one are not written, and
store-only columns (pinyin, pattern ids) are dropped, so a feed comes out as it went in.
Stop times are streamed from the store in key order, chunk by chunk.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl

from busbrain.gtfs.writer import FrameStream, columns_to_write, write_feed
from busbrain.network_io.mapping import FILE_TABLES
from busbrain.store.ports import NetworkRepository, NetworkRows

_ALWAYS = {"agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt"}
STREAMED = {"stop_times.txt": "stop_time"}


def _gtfs_names(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    renames = FILE_TABLES[name][1]
    return frame.rename({v: k for k, v in renames.items() if v in frame.columns})


def to_files(rows: NetworkRows) -> dict[str, pl.DataFrame]:
    """GTFS frames (field names, typed values) for the store's rows, but streamed files."""
    files: dict[str, pl.DataFrame] = {}
    for name, (table, _) in FILE_TABLES.items():
        frame = rows.tables.get(table)
        if frame is None or (frame.height == 0 and name not in _ALWAYS):
            continue
        files[name] = _gtfs_names(name, frame)
    files["agency.txt"] = files["agency.txt"].with_columns(
        pl.when(pl.col("agency_id") != "").then(pl.col("agency_id")).alias("agency_id")
    )
    files["stops.txt"] = files["stops.txt"].sort("stop_id")
    files["trips.txt"] = files["trips.txt"].sort("trip_id")
    shapes = _shapes(rows)
    if shapes is not None:
        files["shapes.txt"] = shapes
    return files


def _shapes(rows: NetworkRows) -> pl.DataFrame | None:
    real = rows.tables["shape"].filter(~pl.col("derived")).select("shape_id")
    if real.height == 0:
        return None
    return (
        rows.tables["shape_point"]
        .join(real, on="shape_id", how="semi")
        .sort("shape_id", "seq")
        .select(
            "shape_id",
            pl.col("lat").alias("shape_pt_lat"),
            pl.col("lon").alias("shape_pt_lon"),
            pl.col("seq").alias("shape_pt_sequence"),
            pl.col("dist_traveled").alias("shape_dist_traveled"),
        )
    )


def _stream(repo: NetworkRepository, name: str, table: str, counts: dict[str, int]) -> FrameStream:
    renames = FILE_TABLES[name][1]
    back = {v: k for k, v in renames.items()}
    columns = columns_to_write(name, (back.get(c, c) for c in repo.filled_columns(table)))

    def chunks() -> Iterator[pl.DataFrame]:
        for chunk in repo.iter_rows(table):
            counts[name] = counts.get(name, 0) + chunk.height
            yield _gtfs_names(name, chunk)

    return FrameStream(columns, chunks())


def export_feed(repo: NetworkRepository, out: Path) -> dict[str, int]:
    """Write the stored network to `out` (.zip or folder); returns rows per file."""
    rows = repo.read_network(without=frozenset(STREAMED.values()))
    files = to_files(rows)
    counts = {name: frame.height for name, frame in files.items()}
    streams = {name: _stream(repo, name, table, counts) for name, table in STREAMED.items()}
    extra = dict(
        zip(
            rows.tables["extra_file"]["name"].to_list(),
            rows.tables["extra_file"]["content"].to_list(),
            strict=True,
        )
    )
    write_feed(files, extra, out, streams)
    return counts | {n: 0 for n in extra}
