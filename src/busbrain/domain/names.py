"""Readings of stop and line names: pinyin for Chinese, a folded form for the rest."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin, load_phrases_dict

PLACE_PHRASES: dict[str, list[list[str]]] = {
    # Readings that place names take and pypinyin's general dictionary does not.
    "朝阳": [["cháo"], ["yáng"]],  # the city and its streets, not zhāo yáng (morning sun)
    "长途": [["cháng"], ["tú"]],  # 长途客运站, not zhǎng tú
    "省长途": [["shěng"], ["cháng"], ["tú"]],  # 省长途客运站: not 省长 (governor) + 途
    "单县": [["shàn"], ["xiàn"]],
    "堡子": [["pù"], ["zi"]],  # 十里堡子 and Liaoning's other 堡 villages
    "十里堡": [["shí"], ["lǐ"], ["pù"]],
    "大厦": [["dà"], ["shà"]],
    "蚌埠": [["bèng"], ["bù"]],
    "六安": [["lù"], ["ān"]],
    "丽水": [["lí"], ["shuǐ"]],
    "乐亭": [["lào"], ["tíng"]],
    "会计": [["kuài"], ["jì"]],
    "银行": [["yín"], ["háng"]],
}
"""A local phrase dictionary for place names, loaded into pypinyin once on import."""

load_phrases_dict(PLACE_PHRASES)


def has_han(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text)


@lru_cache(maxsize=65536)
def pinyin_of(name: str) -> str:
    """Toneless pinyin, lower case, syllables spaced: "中央大街" → "zhong yang da jie".

    Non-Chinese text is returned folded to lower case, accents removed.
    """
    if not has_han(name):
        folded = unicodedata.normalize("NFKD", name)
        return "".join(c for c in folded if not unicodedata.combining(c)).lower()
    parts: list[str] = lazy_pinyin(name, style=Style.NORMAL, errors=lambda s: s.lower())
    return " ".join(p.strip() for p in parts if p.strip())
