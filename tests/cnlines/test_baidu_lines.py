"""The Baidu lines parser (Hangzhou lineshape-baidu.txt) on handwritten fixtures."""

from __future__ import annotations

import pytest

from busbrain.cnlines import problems as p
from busbrain.cnlines.baidu_lines import parse_baidu_lines
from busbrain.cnlines.cleanup import clean
from busbrain.domain.errors import BadInputError

TITLE = "225路(甲站-乙站)"
STOPS = "甲站:120.19,30.25 丙站:120.20,30.25  乙站:120.21,30.25 "  # an empty token, as upstream
SHAPE = "120.19,30.25 120.195,30.251 120.20,30.25 120.21,30.25 "
GROUP = "\r\n".join([TITLE, STOPS, SHAPE])


def test_parses_a_group_skipping_empty_tokens_silently() -> None:
    parsed = parse_baidu_lines(GROUP)
    assert parsed.notices == []
    [record] = parsed.records
    assert (record.route_name, record.origin, record.destination) == ("225路", "甲站", "乙站")
    assert [s.name for s in record.stops] == ["甲站", "丙站", "乙站"]
    assert record.stops[0].lon == 120.19 and record.stops[0].lat == 30.25
    assert len(record.shape) == 4
    assert record.line == 1


def test_bom_and_lf_line_ends_are_fine() -> None:
    parsed = parse_baidu_lines("\ufeff" + GROUP.replace("\r\n", "\n"))
    assert len(parsed.records) == 1 and parsed.notices == []


def test_repeated_groups_are_deduplicated() -> None:
    parsed = parse_baidu_lines("\r\n".join([GROUP, GROUP, GROUP]))
    assert len(parsed.records) == 3
    kept, notices = clean(parsed.records, "lineshape-baidu.txt")
    assert len(kept) == 1
    assert [(n.code, n.line) for n in notices] == [
        (p.DUPLICATE_LINE_DIRECTION, 4),
        (p.DUPLICATE_LINE_DIRECTION, 7),
    ]


def test_unparsable_tokens_are_skipped_with_notices() -> None:
    stops = "甲站:120.19,30.25 丁站 丙站:120.20,30.25 乙站:120.21,30.25"
    shape = "120.19,30.25 1120.2,30.25 120.21,30.25"
    parsed = parse_baidu_lines("\n".join([TITLE, stops, shape]))
    assert [(n.code, n.line, n.value) for n in parsed.notices] == [
        (p.UNPARSABLE_STOP_TOKEN, 2, "丁站"),
        (p.UNPARSABLE_SHAPE_POINT, 3, "1120.2,30.25"),
    ]
    [record] = parsed.records
    assert [s.name for s in record.stops] == ["甲站", "丙站", "乙站"]
    assert len(record.shape) == 2


def test_a_name_split_from_its_coordinates_by_a_space_is_joined() -> None:
    stops = "甲站:120.19,30.25 艮新天桥北 :120.20,30.25 乙站:120.21,30.25"
    parsed = parse_baidu_lines("\n".join([TITLE, stops, SHAPE]))
    assert [s.name for s in parsed.records[0].stops] == ["甲站", "艮新天桥北", "乙站"]
    assert [n.code for n in parsed.notices] == [p.REJOINED_STOP_TOKEN]


def test_out_of_step_lines_are_reported_and_later_groups_still_read() -> None:
    text = "\n".join(
        [
            SHAPE,  # 1: a shape with no group open
            "无括号的线路",  # 2: a title that is not route(a-b) ...
            STOPS,  # 3
            SHAPE,  # 4
            "226路(甲站-乙站)",  # 5: a title with no stops line
            GROUP,  # 6-8
            STOPS,  # 9: stops with no title
        ]
    )
    parsed = parse_baidu_lines(text)
    assert [(n.code, n.line) for n in parsed.notices] == [
        (p.UNEXPECTED_LINE, 1),
        (p.UNPARSABLE_LINE_TITLE, 2),
        (p.INCOMPLETE_GROUP, 5),
        (p.UNEXPECTED_LINE, 9),
    ]
    assert [(r.route_name, r.line) for r in parsed.records] == [("225路", 6)]


def test_a_missing_shape_line_leaves_the_shape_empty() -> None:
    parsed = parse_baidu_lines("\n".join([TITLE, STOPS, "227路(乙站-甲站)", STOPS]))
    assert [len(r.shape) for r in parsed.records] == [0, 0]


def test_a_group_whose_stops_belong_to_another_line_is_dropped() -> None:
    other = "戊站:120.30,30.30 己站:120.31,30.30"
    parsed = parse_baidu_lines("\n".join([GROUP, TITLE, other, SHAPE]))
    kept, notices = clean(parsed.records, "lineshape-baidu.txt")
    assert [r.stops[0].name for r in kept] == ["甲站"]
    assert [(n.code, n.line) for n in notices] == [(p.STOPS_DO_NOT_MATCH_TITLE, 4)]


def test_a_file_without_stop_tokens_is_refused() -> None:
    with pytest.raises(BadInputError, match="not the Baidu lines format"):
        parse_baidu_lines("linename,stationname,stationgeo\n650路(a-b),x,y\n")
