"""OD inference against the simulator's ground truth: the figures the issue asks for.

Rides are matched to the truth by the tap's (reader_id, txn_id); loads by trip and
segment. All shares are fractions (0-1).
"""

from __future__ import annotations

import polars as pl


def score_od(
    rides: pl.DataFrame,
    truth_rides: pl.DataFrame,
    segment_loads: pl.DataFrame,
    truth_loads: pl.DataFrame,
) -> dict[str, float]:
    """rides: the inferred rides with reader_id, txn_id (OdResult.rides joined with the
    tap keys); truth_rides: truth/rides.parquet; segment_loads: OdResult.segment_loads;
    truth_loads: truth/segment_loads.parquet. One service day or several."""
    t = truth_rides.select(
        "reader_id",
        "txn_id",
        "person_id",
        "journey_id",
        "leg",
        pl.col("trip_id").alias("true_trip"),
        pl.col("board_stop_id").alias("true_board"),
        pl.col("alight_stop_id").alias("true_alight"),
        pl.col("alight_stop_sequence").alias("true_alight_seq"),
        pl.col("board_time").alias("true_board_t"),
    )
    m = t.join(rides, on=["reader_id", "txn_id"], how="left")
    n = m.height
    boarded = m.filter(pl.col("board_stop_id").is_not_null())
    board_ok = boarded.filter(
        (pl.col("board_stop_id") == pl.col("true_board"))
        & (pl.col("trip_id") == pl.col("true_trip"))
    )
    carded = m.filter(pl.col("card_hash").is_not_null())
    alighted = m.filter(pl.col("chained"))
    alight_ok = alighted.filter(
        (pl.col("alight_stop_id") == pl.col("true_alight"))
        & (pl.col("trip_id") == pl.col("true_trip"))
    )
    # "Within one stop": adjacent calls of the true trip.
    calls = (
        segment_loads.select("trip_id", pl.col("from_seq").alias("seq"))
        .vstack(segment_loads.select("trip_id", pl.col("to_seq").alias("seq")))
        .unique()
        .with_columns(pl.col("seq").rank("dense").over("trip_id").alias("pos"))
    )
    near = (
        alighted.filter(pl.col("trip_id") == pl.col("true_trip"))
        .join(calls, left_on=["trip_id", "alight_seq"], right_on=["trip_id", "seq"], how="left")
        .join(
            calls.rename({"pos": "true_pos"}),
            left_on=["trip_id", "true_alight_seq"],
            right_on=["trip_id", "seq"],
            how="left",
        )
        .filter((pl.col("pos") - pl.col("true_pos")).abs() <= 1)
    )
    # Transfers: truth pairs (leg 0 -> leg 1 of one journey) against inferred pairs.
    true_pairs = (
        t.sort("journey_id", "leg")
        .group_by("journey_id", maintain_order=True)
        .agg(pl.col("txn_id"), pl.col("reader_id"), pl.len().alias("legs"))
        .filter(pl.col("legs") == 2)
        .select(
            pl.col("reader_id").list.get(0).alias("r0"),
            pl.col("txn_id").list.get(0).alias("t0"),
            pl.col("reader_id").list.get(1).alias("r1"),
            pl.col("txn_id").list.get(1).alias("t1"),
        )
    )
    seq = (
        rides.filter(pl.col("card_hash").is_not_null() & pl.col("trip_id").is_not_null())
        .sort("card_hash", "board_t", "tap_id")
        .with_columns(
            pl.col("reader_id").shift(-1).over("card_hash", "service_date").alias("r1"),
            pl.col("txn_id").shift(-1).over("card_hash", "service_date").alias("t1"),
        )
    )
    inferred_pairs = seq.filter(pl.col("transfer_next")).select(
        pl.col("reader_id").alias("r0"), pl.col("txn_id").alias("t0"), "r1", "t1"
    )
    hit = true_pairs.join(inferred_pairs, on=["r0", "t0", "r1", "t1"], how="inner").height
    precision = hit / inferred_pairs.height if inferred_pairs.height else 0.0
    recall = hit / true_pairs.height if true_pairs.height else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    # Loads per trip segment.
    loads = truth_loads.select(
        "trip_id",
        pl.col("from_stop_sequence").alias("from_seq"),
        pl.col("load").cast(pl.Float64).alias("true_load"),
    ).join(
        segment_loads.select("trip_id", "from_seq", "load"),
        on=["trip_id", "from_seq"],
        how="left",
    )
    loads = loads.with_columns(pl.col("load").fill_null(0.0))
    total = float(loads.get_column("true_load").sum())
    err = float((loads.get_column("load") - loads.get_column("true_load")).abs().sum())
    return {
        "rides": float(n),
        "boarding_rate": boarded.height / n if n else 0.0,
        "boarding_exact": board_ok.height / boarded.height if boarded.height else 0.0,
        "alighting_rate": alighted.height / n if n else 0.0,
        "alighting_rate_card": alighted.height / carded.height if carded.height else 0.0,
        "alighting_exact": alight_ok.height / alighted.height if alighted.height else 0.0,
        "alighting_within_one": near.height / alighted.height if alighted.height else 0.0,
        "transfer_precision": precision,
        "transfer_recall": recall,
        "transfer_f1": f1,
        "true_transfers": float(true_pairs.height),
        "load_mae_share": err / total if total else 0.0,
        "load_mae": err / loads.height if loads.height else 0.0,
        "segments": float(loads.height),
    }
