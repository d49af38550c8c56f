"""Chinese names of the demo city: terminals, landmarks and neighbourhoods.

Positions are in the local frame (metres east and north of 中央大街 × 解放路). Real
names of Jinzhou are used where known (锦州站, 古塔公园, 辽沈战役纪念馆, 渤海大学 ...);
the rest are plausible names in the same style. No name holds a digit, '-' or '—'.
"""

from __future__ import annotations

from dataclasses import dataclass

from busbrain.democity.geo import Point


@dataclass(frozen=True, slots=True)
class Place:
    """A named place; `weight` is how much it attracts bus routes (terminals only)."""

    name: str
    pos: Point
    weight: float = 1.0


TERMINALS: tuple[Place, ...] = (
    Place("锦州站", (-1500, 1900), 6.0),
    Place("锦州南站", (-6000, -5600), 3.0),
    Place("汽车站", (0, 3900), 4.0),
    Place("渤海大学", (-4500, -5300), 3.0),
    Place("锦州医科大学", (4800, -4300), 2.5),
    Place("辽宁工业大学", (-2600, 4000), 2.5),
    Place("辽宁理工学院", (4500, -5300), 1.5),
    Place("北普陀山", (-7000, 6300), 1.0),
    Place("锦州港", (15500, -13200), 1.0),
    Place("锦州石化", (-6000, 3600), 2.0),
    Place("女儿河", (-8000, 380), 1.5),
    Place("东湖公园", (7000, 0), 1.5),
    Place("紫荆小区", (5200, 3200), 1.5),
    Place("榴花小区", (6400, 2600), 1.2),
    Place("锦铁小区", (4600, 3400), 1.2),
    Place("钟屯", (-7200, 2400), 1.2),
    Place("百股", (6400, -1800), 1.2),
)
"""Route terminals, one at each dead end of the street network."""

LANDMARKS: tuple[Place, ...] = (
    Place("百货大楼", (150, 60)),
    Place("古塔公园", (-800, 380)),
    Place("火车站", (-1400, 1420)),
    Place("市政府", (-4200, 1100)),
    Place("人民公园", (1300, -1200)),
    Place("辽沈战役纪念馆", (2200, 1450)),
    Place("古塔区政府", (-1500, -1100)),
    Place("凌河区政府", (3300, 700)),
    Place("太和区政府", (-5300, 0)),
    Place("锦州市中心医院", (-400, -900)),
    Place("医科大学附属医院", (-1500, -2150)),
    Place("新华广场", (-2100, -150)),
    Place("大广济寺", (-1000, 700)),
    Place("锦州博物馆", (-700, -450)),
    Place("辽西电子市场", (-2100, 700)),
    Place("大润发", (2800, -900)),
    Place("锦州古玩城", (3200, -1800)),
    Place("三圣寺", (4600, 450)),
    Place("锦州中学", (1900, 1000)),
    Place("万达广场", (3000, 80)),
    Place("体育场", (-3000, -1300)),
    Place("松山新区", (0, -4600)),
    Place("凌河公园", (1800, -2900)),
    Place("小凌河大桥", (0, -3300)),
    Place("开发区", (9000, -9400)),
    Place("笔架山", (13000, -12000)),
    Place("天桥", (6500, -8200)),
)
"""Landmarks that give their name to the nearest station (within a few hundred metres)."""

# fmt: off
NEIGHBOURHOOD_STEMS: tuple[str, ...] = (
    "民治", "民族", "三保", "民生", "阜康", "丰乐", "福德", "长江", "大凌", "天安",
    "惠安", "永安", "良安", "乐安", "长安", "万年", "文昌", "北山", "菊花", "龙江",
    "铁新", "凌安", "菊园", "康宁", "正大", "新安", "保安", "敬业", "石油", "兴隆",
    "和平", "友谊", "胜利", "光明", "幸福", "平安", "安康", "锦绣", "华山", "泰山",
    "凌云", "春光", "朝阳", "百合", "金城", "银河", "翠微", "海棠", "牡丹", "桃园",
    "杏林", "枫林", "丁香", "玉兰", "仁和", "德胜", "振兴", "育红", "红旗", "东风",
    "前进", "团结", "新华", "新兴", "新民", "富民", "宏达", "金地", "东方", "凯旋",
    "星河", "明珠", "怡和", "颐和", "瑞祥", "吉祥", "嘉禾", "盛世", "御景", "锦城",
    "水岸", "南山", "西山", "东山", "北湖", "南湖", "碧水", "绿洲", "阳光", "华夏",
)
"""Stems of residential area names (combined with `NEIGHBOURHOOD_SUFFIXES`)."""

NEIGHBOURHOOD_SUFFIXES: tuple[str, ...] = (
    "小区", "里", "花园", "家园", "新村", "嘉园", "雅苑", "新城",
)
# fmt: on

# fmt: off
_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
             "十一", "十二", "十三", "十四", "十五", "十六", "十七", "十八", "十九", "二十")
# fmt: on

# fmt: off
INSTITUTIONS: tuple[str, ...] = (
    *(f"第{n}中学" for n in _NUMERALS),
    *(f"第{n}小学" for n in _NUMERALS[:12]),
    "实验小学", "实验中学", "铁路中学", "师范学校", "卫生学校", "职业技术学院", "锦州师专",
    "税务局", "电业局", "邮政局", "公安局", "交通局", "水务局", "气象局", "市法院",
    "检察院", "消防支队", "人民医院", "中医院", "妇婴医院", "口腔医院", "眼科医院",
    "儿童医院", "铁路医院", "第二医院", "第三医院", "体育馆", "图书馆", "工人文化宫",
    "少年宫", "科技馆", "农贸市场", "蔬菜市场", "水产市场", "花鸟鱼市场", "建材市场",
    "家具城", "汽配城", "小商品城", "粮库", "热电厂", "化工厂", "钢厂", "纺织厂",
    "罐头厂", "造纸厂", "机床厂", "石油一村", "石油二村", "市民广场", "文化广场",
    "劳动公园", "儿童公园", "植物园", "游泳馆", "会展中心", "锦州宾馆", "铁路宿舍",
    "电信大楼", "烟草公司", "公交公司", "客运段", "车辆段", "武装部", "老年公寓",
)
# fmt: on
"""Names of institutions and businesses for stations far from any landmark."""

# fmt: off
OUTER_NAMES: tuple[str, ...] = (
    "王家屯", "李家屯", "高家堡", "刘家沟", "孙家湾", "赵家屯", "马家窝棚", "杨家店",
    "娘娘宫", "大薛", "营盘", "杏山", "双羊", "七里河", "八里庄", "十里台", "南大荒",
    "龙栖湾", "锦州湾", "望海", "西海口", "东海口", "盐场", "渔港", "物流园", "工业园",
    "开发区管委会", "港务局", "海滨公园", "王家窝铺", "老边", "红星村", "新庄子",
)
# fmt: on
"""Village and outskirts names for stations far from the centre."""

LOOP_NAMES: tuple[str, ...] = ("古塔环线", "凌河环线", "城区环线", "中心环线")
"""Long names of loop routes (环线)."""

# fmt: off
ROUTE_COLORS: tuple[str, ...] = (
    "E60012", "0068B7", "009944", "F39800", "8F2E8F", "00A0E9", "E4007F", "8FC31F",
    "A0522D", "1D2088", "F8B62D", "00736D", "C30D23", "601986", "22AC38", "D9A400",
    "0075C2", "E95504", "7E3F98", "009E96", "B5005B", "4D7F3A", "E8380D", "2A5CAA",
)
# fmt: on
"""Route colours (hex RGB without '#')."""
