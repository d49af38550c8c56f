"""Large zip members are parsed while they inflate; the result equals reading from disk."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from busbrain.gtfs import reader
from tests.gtfs.helpers import load, notices, where
from tests.tinyfeed import TinyFeed


@pytest.fixture
def tiny_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stream every member, in blocks of a few lines, to exercise the chunked path."""
    monkeypatch.setattr(reader, "STREAM_ABOVE_BYTES", 0)
    monkeypatch.setattr(reader, "CHUNK_BYTES", 64)


@pytest.mark.usefixtures("tiny_chunks")
def test_streamed_zip_reads_like_the_folder(tiny: TinyFeed) -> None:
    tiny.append("stop_times.txt", "T4,07:15:00,07:15:00,A2,4,")
    tiny.set(
        "stop_times.txt",
        tiny.files["stop_times.txt"]
        .replace(
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence",
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence,stop_headsign",
        )
        .replace("T1,06:00:00,06:00:00,A1,1", 'T1,06:00:00,06:00:00,A1,1,"往医科大学,\n经解放路"'),
    )
    folder, _ = load(tiny.folder())
    zipped, _ = load(tiny.zip())
    for name in folder.tables:
        assert zipped.tables[name].equals(folder.tables[name]), name
    assert zipped.tables["stop_times.txt"]["stop_headsign"][0] == "往医科大学,\n经解放路"


@pytest.mark.usefixtures("tiny_chunks")
def test_notices_from_a_streamed_member_name_the_right_line(tiny: TinyFeed) -> None:
    tiny.append("stop_times.txt", "T4,07:1:00,07:15:00,A2,4")
    _, findings = load(tiny.zip())
    assert where(findings, "invalid_time") == [("stop_times.txt", 16, "arrival_time")]
    assert notices(findings, "invalid_time")[0].value == "07:1:00"


row = st.lists(st.text(alphabet='ab,"\n中', max_size=6), min_size=3, max_size=3)


@given(st.lists(row, min_size=1, max_size=30), st.integers(1, 40))
def test_blocks_always_end_between_records(rows: list[list[str]], size: int) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    data = buf.getvalue().encode()
    # Cut as the inflating thread does, then parse each block on its own.
    out, rest = [], b""
    for i in range(0, len(data), size):
        cat = rest + data[i : i + size]
        cut = reader._whole_lines(cat)
        if cut:
            out.append(cat[:cut])
        rest = cat[cut:]
    if rest:
        out.append(rest)
    parsed = [r for block in out for r in csv.reader(io.StringIO(block.decode()))]
    assert parsed == [list(r) for r in rows]


@pytest.mark.usefixtures("tiny_chunks")
def test_a_bad_number_in_a_streamed_member_is_reported_not_lost(tiny: TinyFeed) -> None:
    # Numbers are parsed by the CSV reader in streamed blocks; a block with a bad one is
    # read again as text so the field rule can report it, and its other rows survive.
    tiny.append("stop_times.txt", "T4,07:15:00,07:15:00,A2,4x")
    tiny.append("stop_times.txt", "T4,07:20:00,07:20:00,A1,5")
    feed, findings = load(tiny.zip())
    assert where(findings, "invalid_integer") == [("stop_times.txt", 16, "stop_sequence")]
    assert notices(findings, "invalid_integer")[0].value == "4x"
    st = feed.tables["stop_times.txt"]
    assert st.height == 16 and st["stop_sequence"].to_list()[-1] == 5


@pytest.mark.usefixtures("tiny_chunks")
def test_spaces_around_numbers_in_a_streamed_member_are_still_warned(tiny: TinyFeed) -> None:
    tiny.append("stop_times.txt", "T4,07:15:00,07:15:00,A2, 4")
    feed, findings = load(tiny.zip())
    assert [n.field for n in notices(findings, "leading_or_trailing_whitespaces")] == [
        "stop_sequence"
    ]
    assert feed.tables["stop_times.txt"]["stop_sequence"].to_list()[-1] == 4
