"""Line titles and route names."""

from __future__ import annotations

import pytest

from busbrain.cnlines.linename import LineTitle, normalise_name, parse_line_title
from busbrain.cnlines.naming import route_desc, route_long_name, route_short_name, route_type


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("650路(锦程文丰公交场站-凤凰山脚)", LineTitle("650路", "锦程文丰公交场站", "凤凰山脚")),
        (
            "m502a线(龙西公交总站-龙西公交总站)",
            LineTitle("m502a线", "龙西公交总站", "龙西公交总站"),
        ),
        (
            "k578路(左环)(福田交通枢纽-公明汽车站东)",
            LineTitle("k578路(左环)", "福田交通枢纽", "公明汽车站东"),
        ),
        (
            "b2路(池华街公交站-市民中心(brt换乘站-南))",
            LineTitle("b2路", "池华街公交站", "市民中心(brt换乘站-南)"),
        ),
        (
            "116路(城站火车站(城站路)-钱江湾花园)",
            LineTitle("116路", "城站火车站(城站路)", "钱江湾花园"),
        ),
    ],
)
def test_parse_line_title(text: str, expected: LineTitle) -> None:
    assert parse_line_title(text) == expected


@pytest.mark.parametrize(
    "text", ["", "650路", "(甲-乙)", "650路(甲乙)", "650路(-乙)", "650路(甲-乙"]
)
def test_unparsable_titles(text: str) -> None:
    assert parse_line_title(text) is None


def test_stop_names_break_ties_between_hyphens() -> None:
    title = parse_line_title("9路(甲-乙-丙)", first_stop="甲-乙", last_stop="丙")
    assert title == LineTitle("9路", "甲-乙", "丙")
    assert parse_line_title("9路(甲-乙-丙)") == LineTitle("9路", "甲", "乙-丙")


def test_normalise_name_ignores_bracket_width_and_spaces() -> None:
    assert normalise_name("浙大（玉古路）") == normalise_name("浙大(玉古路) ")


@pytest.mark.parametrize(
    ("route", "short"),
    [
        ("650路", "650"),
        ("m502a线", "m502a"),
        ("高快巴士39路", "高快巴士39"),
        ("高快巴士26号", "高快巴士26"),
        ("245区间车", "245区间车"),
        ("机场专线", "机场专线"),
        ("k578路(左环)", "k578(左环)"),
        ("m173路(原m372)", "m173"),
        ("b738路(牧云溪谷-牧云溪谷)", "b738"),
    ],
)
def test_route_short_name(route: str, short: str) -> None:
    assert route_short_name(route) == short


def test_route_desc_keeps_former_names() -> None:
    assert route_desc("m173路(原m372)") == "原m372"
    assert route_desc("650路") is None


def test_route_long_name_uses_zhi_and_no_hyphens() -> None:
    long_name = route_long_name("池华街公交站", "市民中心(brt换乘站-南)")
    assert long_name == "池华街公交站至市民中心(brt换乘站·南)"
    assert "-" not in long_name and "—" not in long_name


def test_route_type_from_name() -> None:
    assert route_type("650路") == 3
    assert route_type("龙华有轨电车1路") == 0
    assert route_type("蛇口港澳航线") == 4
