"""The Shenzhen busline.csv parser on handwritten fixtures."""

from __future__ import annotations

import pytest

from busbrain.cnlines import problems as p
from busbrain.cnlines.cleanup import clean
from busbrain.cnlines.records import SourceStop
from busbrain.cnlines.shenzhen import parse_shenzhen
from busbrain.domain.errors import BadInputError
from busbrain.domain.notices import Severity

HEADER = "linename,stationname,stationgeo\n"
GOOD = (
    "650路(甲站-乙站),\"['甲站', '丙站', '乙站']\","
    "\"['114.05,22.55', '114.06,22.55', '114.07,22.55']\"\n"
)


def test_parses_a_row_with_python_list_literals() -> None:
    parsed = parse_shenzhen(HEADER + GOOD)
    assert parsed.notices == []
    [record] = parsed.records
    assert (record.route_name, record.origin, record.destination) == ("650路", "甲站", "乙站")
    assert record.stops[1] == SourceStop("丙站", 114.06, 22.55)
    assert record.shape == ()
    assert record.line == 2


def test_tolerates_a_bom() -> None:
    assert len(parse_shenzhen("\ufeff" + HEADER + GOOD).records) == 1


def test_foreign_header_is_refused() -> None:
    with pytest.raises(BadInputError, match="not the Shenzhen busline format"):
        parse_shenzhen("a,b,c\n1,2,3\n")


def test_broken_rows_become_notices_and_the_rest_goes_on() -> None:
    text = (
        HEADER
        + "651路 无括号,\"['a', 'b']\",\"['114.0,22.5', '114.1,22.5']\"\n"  # line 2
        + "652路(a-b),\"['a', 'b'\",\"['114.0,22.5', '114.1,22.5']\"\n"  # line 3
        + "653路(a-b),\"['a', 'b']\",\"['114.0,22.5']\"\n"  # line 4
        + "654路(a-b),\"['a', 'b']\",\"['x,y', '114.0,22.5']\"\n"  # line 5
        + "655路(a-b),only two fields\n"  # line 6
        + GOOD  # line 7
    )
    parsed = parse_shenzhen(text, "busline.csv")
    found = [(n.code, n.line) for n in parsed.notices]
    assert found == [
        (p.UNPARSABLE_LINE_TITLE, 2),
        (p.UNPARSABLE_STOP_LIST, 3),
        (p.STOP_COUNT_MISMATCH, 4),
        (p.UNPARSABLE_COORDINATES, 5),
        (p.WRONG_FIELD_COUNT, 6),
    ]
    assert all(n.file == "busline.csv" and n.severity is Severity.WARNING for n in parsed.notices)
    assert [r.route_name for r in parsed.records] == ["654路", "650路"]
    kept, notices = clean(parsed.records, "busline.csv")
    assert [r.route_name for r in kept] == ["650路"]
    assert [(n.code, n.line) for n in notices] == [(p.TOO_FEW_STOPS, 5)]


def test_exact_duplicate_rows_are_dropped_by_cleanup() -> None:
    parsed = parse_shenzhen(HEADER + GOOD + GOOD)
    kept, notices = clean(parsed.records, "busline.csv")
    assert len(kept) == 1
    assert [(n.code, n.severity, n.line) for n in notices] == [
        (p.DUPLICATE_LINE_DIRECTION, Severity.INFO, 3)
    ]
