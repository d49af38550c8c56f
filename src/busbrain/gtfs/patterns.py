"""Derive patterns from trips, and measure every stop's distance along its shape.

A pattern is the stop sequence that a set of trips runs: trips of one route and
direction with the same stops in the same order on the same shape share one. A trip
without a shape gets a shape drawn through its stops (marked derived, so that an export
writes the feed as it came). Distances are metres along the shape, measured from the
geometry: GTFS `shape_dist_traveled` may be in any unit, so it is kept but not trusted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from busbrain.domain.geo import cumulative_length_m, project_in_order, to_local_m
from busbrain.gtfs.feed import GtfsFeed

SEP = "\x1f"  # joins stop ids into a sequence signature; never inside an id


@dataclass(frozen=True)
class NetworkFrames:
    """The derived network, ready for the store.

    patterns: pattern_id, route_id, direction_id, shape_id, headsign, stop_count, trip_count
    pattern_stops: pattern_id, stop_index (0-based), stop_id, dist_m, offset_m
    trip_patterns: trip_id, pattern_id
    shapes: shape_id, derived (bool)
    shape_points: shape_id, seq, lat, lon, dist_m, dist_traveled
    """

    patterns: pl.DataFrame
    pattern_stops: pl.DataFrame
    trip_patterns: pl.DataFrame
    shapes: pl.DataFrame
    shape_points: pl.DataFrame


def _trip_signatures(feed: GtfsFeed) -> pl.DataFrame:
    st = feed.tables["stop_times.txt"].select("trip_id", "stop_sequence", "stop_id")
    sig = (
        st.sort("trip_id", "stop_sequence")
        .group_by("trip_id", maintain_order=True)
        .agg(pl.col("stop_id").str.join(SEP).alias("sig"), pl.len().alias("n"))
        .filter(pl.col("n") >= 2)
    )
    trips = feed.tables["trips.txt"]
    cols = ["trip_id", "route_id"]
    extra = [c for c in ("direction_id", "shape_id", "trip_headsign") if c in trips.columns]
    trips = trips.select(*cols, *extra)
    for c in ("direction_id", "shape_id", "trip_headsign"):
        if c not in trips.columns:
            trips = trips.with_columns(pl.lit(None, dtype=pl.String).alias(c))
    return trips.with_columns(pl.col("direction_id").cast(pl.Int8)).join(sig, on="trip_id")


def _assign_patterns(trips: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    keys = ["route_id", "direction_id", "shape_id", "sig"]
    patterns = (
        trips.group_by(keys)
        .agg(
            pl.col("trip_id").min().alias("first_trip"),
            pl.len().alias("trip_count"),
            pl.col("trip_headsign").drop_nulls().mode().first().alias("headsign"),
            pl.col("n").first().alias("stop_count"),
        )
        .sort("route_id", "direction_id", "first_trip", nulls_last=True)
        .with_columns(
            (
                pl.col("route_id")
                + ":"
                + pl.col("direction_id").cast(pl.String).fill_null("x")
                + ":"
                + (pl.int_range(pl.len()).over("route_id", "direction_id") + 1).cast(pl.String)
            ).alias("pattern_id")
        )
    )
    trip_patterns = trips.join(
        patterns.select(*keys, "pattern_id"), on=keys, how="left", nulls_equal=True
    )
    return patterns, trip_patterns.select("trip_id", "pattern_id")


def _shape_points(feed: GtfsFeed) -> pl.DataFrame:
    shapes = feed.get("shapes.txt")
    if shapes is None:
        return pl.DataFrame(
            schema={
                "shape_id": pl.String,
                "seq": pl.Int64,
                "lat": pl.Float64,
                "lon": pl.Float64,
                "dist_traveled": pl.Float64,
            }
        )
    dist = "shape_dist_traveled" if "shape_dist_traveled" in shapes.columns else None
    return shapes.select(
        "shape_id",
        pl.col("shape_pt_sequence").alias("seq"),
        pl.col("shape_pt_lat").alias("lat"),
        pl.col("shape_pt_lon").alias("lon"),
        (pl.col(dist) if dist else pl.lit(None, dtype=pl.Float64)).alias("dist_traveled"),
    ).sort("shape_id", "seq")


def _with_dist(points: pl.DataFrame) -> pl.DataFrame:
    """Add dist_m (metres from the shape's first point), computed per shape."""
    k = np.radians(1.0) * 6_371_008.8
    return points.with_columns(
        (
            (
                ((pl.col("lon") - pl.col("lon").shift(1)) * k * (pl.col("lat").radians().cos()))
                ** 2
                + ((pl.col("lat") - pl.col("lat").shift(1)) * k) ** 2
            )
            .sqrt()
            .fill_null(0.0)
            .cum_sum()
            .over("shape_id")
        ).alias("dist_m")
    )


def build_network(feed: GtfsFeed) -> NetworkFrames:
    """Patterns, their stops with distances, and shapes (real and derived) of `feed`."""
    trips = _trip_signatures(feed)
    patterns, trip_patterns = _assign_patterns(trips)
    stops = feed.tables["stops.txt"].select("stop_id", "stop_lat", "stop_lon")
    real = _with_dist(_shape_points(feed))
    missing = patterns.filter(
        pl.col("shape_id").is_null()
        | ~pl.col("shape_id").is_in(real["shape_id"].unique().implode())
    )
    derived_ids = missing.with_columns(shape_id=pl.lit("busbrain:") + pl.col("pattern_id"))
    patterns = patterns.update(derived_ids.select("pattern_id", "shape_id"), on="pattern_id")
    pstops = (
        patterns.select("pattern_id", "shape_id", pl.col("sig").str.split(SEP).alias("stop_id"))
        .explode("stop_id")
        .with_columns(stop_index=pl.int_range(pl.len()).over("pattern_id"))
        .join(stops, on="stop_id", how="left")
    )
    derived = _with_dist(
        pstops.join(derived_ids.select("pattern_id"), on="pattern_id", how="semi").select(
            "shape_id",
            pl.col("stop_index").cast(pl.Int64).alias("seq"),
            pl.col("stop_lat").alias("lat"),
            pl.col("stop_lon").alias("lon"),
            pl.lit(None, dtype=pl.Float64).alias("dist_traveled"),
        )
    )
    points = pl.concat([real, derived], how="vertical_relaxed")
    pstops = _measure(pstops, points)
    shapes = pl.concat(
        [
            real.select("shape_id").unique().with_columns(derived=pl.lit(False)),
            derived.select("shape_id").unique().with_columns(derived=pl.lit(True)),
        ]
    ).sort("shape_id")
    return NetworkFrames(
        patterns=patterns.select(
            "pattern_id",
            "route_id",
            "direction_id",
            "shape_id",
            "headsign",
            "stop_count",
            "trip_count",
        ),
        pattern_stops=pstops,
        trip_patterns=trip_patterns,
        shapes=shapes,
        shape_points=points,
    )


def _measure(pstops: pl.DataFrame, points: pl.DataFrame) -> pl.DataFrame:
    """dist_m and offset_m of every pattern stop along its pattern's shape."""
    by_shape = points.partition_by("shape_id", as_dict=True, include_key=False)
    out_d: list[np.ndarray] = []
    out_o: list[np.ndarray] = []
    order = pstops.sort("pattern_id", "stop_index")
    for (_pattern_id, shape_id), grp in order.group_by(
        ["pattern_id", "shape_id"], maintain_order=True
    ):
        pts = by_shape[(shape_id,)]
        lat, lon = pts["lat"].to_numpy(), pts["lon"].to_numpy()
        ref_lat, ref_lon = float(lat[0]), float(lon[0])
        lx, ly = to_local_m(lat, lon, ref_lat, ref_lon)
        sx, sy = to_local_m(
            grp["stop_lat"].to_numpy(), grp["stop_lon"].to_numpy(), ref_lat, ref_lon
        )
        d, o = project_in_order(lx, ly, pts["dist_m"].to_numpy(), sx, sy)
        out_d.append(d)
        out_o.append(o)
    return order.select("pattern_id", "stop_index", "stop_id").with_columns(
        dist_m=pl.Series(np.concatenate(out_d) if out_d else np.zeros(0)),
        offset_m=pl.Series(np.concatenate(out_o) if out_o else np.zeros(0)),
    )


__all__ = ["NetworkFrames", "build_network", "cumulative_length_m"]
