"""Loads from passenger counters alone: door openings placed on the bus's stop calls."""

from __future__ import annotations

import polars as pl
import pytest

from busbrain.planning.od.counts import segment_loads_from_counts
from tests.planning.od.test_infer import DAY, at, days_frame, visits


def doors(rows: list[tuple[str, float, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "service_date": [DAY] * len(rows),
            "vehicle_id": [r[0] for r in rows],
            "t": [r[1] for r in rows],
            "boarded": [r[2] for r in rows],
            "alighted": [r[3] for r in rows],
        }
    )


def test_counts_at_each_call_make_the_load_between_calls() -> None:
    counted = doors(
        [
            ("VA", at(7.0, 0, 2.0), 5, 0),  # A1: five board
            ("VA", at(7.0, 1, 2.0), 3, 1),  # A2: three board, one gets off
            ("VA", at(7.0, 2, 25.0), 0, 4),  # A3: four get off (counted as the doors close)
            ("VA", at(7.0, 4, 2.0), 0, 9),  # A5: more than are on board (a miscount)
            ("VA", 0.0, 7, 7),  # far from any call: not placed
        ]
    )
    seg = segment_loads_from_counts(visits(), counted, days_frame())
    out = seg.filter(pl.col("trip_id") == "A_out").sort("from_seq")
    assert out["load"].to_list() == pytest.approx([5.0, 7.0, 3.0, 3.0])
    assert out["boardings"].to_list() == pytest.approx([5.0, 3.0, 0.0, 0.0])
    assert set(out["hour"]) == {7}
    others = seg.filter(pl.col("trip_id") != "A_out")
    assert others["load"].sum() == 0  # the other trips saw no counts


def test_missing_columns_are_named() -> None:
    with pytest.raises(ValueError, match="doors lacks the columns alighted"):
        segment_loads_from_counts(
            visits(), doors([("VA", 0.0, 1, 1)]).drop("alighted"), days_frame()
        )
