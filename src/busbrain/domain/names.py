"""Readings of stop and line names: pinyin for Chinese, a folded form for the rest."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin


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
