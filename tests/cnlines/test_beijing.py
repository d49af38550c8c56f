"""The Beijing stop-name format: parsed, but refused for conversion (no coordinates)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from busbrain.cnlines import SourceFormat, convert_lines
from busbrain.cnlines import problems as p
from busbrain.cnlines.beijing import parse_beijing
from busbrain.domain.errors import BadInputError

TEXT = (
    "\ufeff线路名称,方向,站点序号,站点名称\n"
    "101,0,1,百万庄西口\n"
    "101,0,2,百万庄中街\n"
    "101,1,2,百万庄西口\n"
    "101,1,1,百万庄中街\n"
    "101,x,3,坏行\n"
    "专128,0,1,甲\n"
    "专128,0,3,乙\n"
)


def test_parses_routes_directions_and_ordered_names() -> None:
    parsed = parse_beijing(TEXT)
    lines = {(r.route_name, r.direction): r.stop_names for r in parsed.records}
    assert lines == {
        ("101", 0): ("百万庄西口", "百万庄中街"),
        ("101", 1): ("百万庄中街", "百万庄西口"),
        ("专128", 0): ("甲", "乙"),
    }
    assert [(n.code, n.line) for n in parsed.notices] == [
        (p.UNPARSABLE_ROW, 6),
        (p.NONCONTIGUOUS_SEQUENCE, 7),
    ]


def test_conversion_is_refused_because_there_are_no_coordinates(tmp_path: Path) -> None:
    path = tmp_path / "beijing.csv"
    path.write_text(TEXT, encoding="utf-8")
    with pytest.raises(BadInputError, match="no coordinates") as caught:
        convert_lines(
            path,
            SourceFormat.BEIJING,
            start_date=dt.date(2026, 1, 1),
            end_date=dt.date(2026, 12, 31),
        )
    assert "3 line-directions" in str(caught.value)


def test_foreign_header_is_refused() -> None:
    with pytest.raises(BadInputError, match="not the Beijing MOT format"):
        parse_beijing("linename,stationname,stationgeo\n")
