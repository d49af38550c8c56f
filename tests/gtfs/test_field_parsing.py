"""The vectorised field parser agrees with the plain-Python reference on any text."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from busbrain.domain.gtfstime import format_time_s, parse_time_s
from busbrain.gtfs.rules.field_format import _parsed
from busbrain.gtfs.schema import Kind

time_like = st.one_of(
    st.integers(0, 200 * 3600).map(format_time_s),
    st.from_regex(r"\A[0-9 :]{0,10}\Z"),
    st.text(max_size=10),
)


def _reference(text: str) -> int | None:
    try:
        value = parse_time_s(text)
    except ValueError:
        return None
    hours = text.strip().split(":")[0]
    return value if len(hours) <= 3 and text == text.strip() else None


@settings(max_examples=300)
@given(st.lists(time_like, min_size=1, max_size=50))
def test_time_parser_matches_the_reference(texts: list[str]) -> None:
    got = pl.DataFrame({"t": texts}).select(_parsed(pl.col("t"), Kind.TIME))["t"].to_list()
    assert got == [_reference(t) for t in texts]


@given(st.integers(0, 999 * 3600 + 3599))
def test_format_then_parse_is_identity(seconds: int) -> None:
    assert parse_time_s(format_time_s(seconds)) == seconds
