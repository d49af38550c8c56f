"""Fuzzy search over stations and lines: Chinese characters, full pinyin, pinyin
initials ("zxgc" for 中心广场), mixed input ("中心gc"), small typos and homophones.

Every name is indexed under all the prefixes of its readings, starting at each character
(Chinese), syllable (pinyin, initials) or word (other scripts), so a query is a few dict
lookups whatever the size of the city; only when those give too few answers does a fuzzy
pass (rapidfuzz, in C++) look for typos. Homophones need nothing special: a query in
characters is also read as pinyin, and 中新广场 finds 中心广场 by sound.

Ranking: match quality (the whole name, then its start, then a later syllable; characters
before pinyin before initials; exact before fuzzy), then importance (lines or trips per
day), then distance from the position given.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product

from pypinyin import Style, pinyin
from rapidfuzz import fuzz, process

from busbrain.domain.geo import haversine_m
from busbrain.domain.names import has_han, pinyin_of
from busbrain.finder.stations import Station

MAX_KEY = 16
"""Longest prefix indexed (characters); longer queries are checked against the whole form."""
MAX_VARIANTS = 4
"""Readings kept per name when characters have several (朝阳: chao yang, zhao yang)."""

# Match tiers (higher is better).
NAME_FULL, NAME_START, PINYIN_FULL, INITIALS_FULL = 100, 95, 93, 92
PINYIN_START, INITIALS_START, NAME_LATER, PINYIN_LATER, INITIALS_LATER = 90, 88, 85, 80, 75
_WORD = re.compile(r"[0-9a-z]+|[^\s0-9a-z]")


@dataclass(frozen=True, slots=True)
class Entry:
    kind: str
    """"station" or "line"."""
    id: str
    name: str
    pinyin: str
    lat: float | None
    lon: float | None
    importance: float
    aliases: tuple[str, ...] = ()
    """Other whole names it goes by (a line's number without 路: "1" for 1路)."""


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    score: float
    """0-100: 100 the whole name, 90s a start, 75-85 a later syllable, below 75 fuzzy."""
    match: str
    """name, pinyin, initials or fuzzy."""
    distance_m: float | None


def fold(text: str) -> str:
    """Lower case, accents and punctuation gone, full-width to half-width, no spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c) and (c.isalnum()))


def _syllables(name: str) -> list[list[str]]:
    """Readings of `name` as lists of syllables (Latin words kept whole), the dictionary
    reading first, then up to MAX_VARIANTS - 1 others for characters with several."""
    primary = [s for s in pinyin_of(name).split() if s]
    if not has_han(name):
        return [[w for w in _WORD.findall(fold_spaced(name)) if w.strip()]]
    out = [[fold(s) for s in primary if fold(s)]]
    readings = pinyin(name, style=Style.NORMAL, heteronym=True, errors=lambda s: s.lower())
    options = [[fold(r) for r in rs[:2] if fold(r)] or [""] for rs in readings]
    if len(options) == len(primary) and any(len(o) > 1 for o in options):
        for combo in product(*options):
            variant = [c for c in combo if c]
            if variant not in out:
                out.append(variant)
            if len(out) >= MAX_VARIANTS:
                break
    return out


def fold_spaced(text: str) -> str:
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).lower())
    return "".join(
        c if (c.isalnum() or c.isspace()) else " " for c in text if not unicodedata.combining(c)
    )


def _initial(syllable: str) -> str:
    """A pinyin syllable's first letter; a number or code (10, k1) stays whole."""
    return syllable if any(c.isdigit() for c in syllable) else syllable[:1]


def _query_forms(query: str) -> tuple[str, str, str]:
    """(name form, pinyin form, initials form) of a query; mixed input reads its Chinese
    characters as pinyin and keeps the Latin letters."""
    name = fold(query)
    if not has_han(query):
        return name, name, name
    parts: list[str] = []
    initials: list[str] = []
    latin = False
    for token in _WORD.findall(fold_spaced(query)):
        if has_han(token):
            for s in pinyin_of(token).split():
                parts.append(fold(s))
                initials.append(_initial(fold(s)))
        elif token.strip():
            latin = True
            parts.append(token)
            initials.append(token)
    # Characters alone are matched by name and by sound; initials only when the query
    # mixes in Latin letters ("中心gc").
    return name, "".join(parts), "".join(initials) if latin else ""


class SearchIndex:
    """Stations and lines of one network, searchable. Build once; search is read-only."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.entries = list(entries)
        self._keys: dict[str, dict[int, int]] = {}
        self._pinyin_forms: list[str] = []
        self._name_forms: list[str] = []
        for i, e in enumerate(self.entries):
            self._index(i, e)

    @classmethod
    def build(
        cls, stations: Sequence[Station], lines: Sequence[tuple[str, str, float]] = ()
    ) -> SearchIndex:
        """From stations and lines (route_id, display name, trips per day)."""
        entries = [
            Entry("station", s.station_id, s.name, pinyin_of(s.name), s.lat, s.lon, s.importance)
            for s in stations
        ]
        entries += [
            Entry(
                "line",
                rid,
                name,
                pinyin_of(name),
                None,
                None,
                trips,
                aliases=(name.removesuffix("路"),) if name.endswith("路") else (),
            )
            for rid, name, trips in lines
        ]
        return cls(entries)

    def _add(self, key: str, entry: int, tier: int) -> None:
        slot = self._keys.setdefault(key, {})
        if slot.get(entry, 0) < tier:
            slot[entry] = tier

    def _prefixes(
        self, prefix: str, form: str, entry: int, full: int, start: int, later: int, first: bool
    ) -> None:
        for n in range(1, min(len(form), MAX_KEY) + 1):
            tier = full if (first and n == len(form)) else (start if first else later)
            self._add(prefix + form[:n], entry, tier)

    def _index(self, i: int, e: Entry) -> None:
        for alias in e.aliases:
            if fold(alias):
                self._add("n:" + fold(alias)[:MAX_KEY], i, NAME_FULL)
        name = fold(e.name)
        self._name_forms.append(name)
        chars = _WORD.findall(fold_spaced(e.name)) if not has_han(e.name) else list(name)
        pos = 0
        for k, token in enumerate(chars):
            self._prefixes("n:", name[pos:], i, NAME_FULL, NAME_START, NAME_LATER, k == 0)
            pos += len(token)
        variants = _syllables(e.name)
        self._pinyin_forms.append("".join(variants[0]))
        for syl in variants:
            joined = "".join(syl)
            heads = [_initial(s) for s in syl]
            initials = "".join(heads)
            pos = ipos = 0
            for k, s in enumerate(syl):
                self._prefixes(
                    "p:", joined[pos:], i, PINYIN_FULL, PINYIN_START, PINYIN_LATER, k == 0
                )
                self._prefixes(
                    "i:", initials[ipos:], i, INITIALS_FULL, INITIALS_START, INITIALS_LATER, k == 0
                )
                pos += len(s)
                ipos += len(heads[k])

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        near: tuple[float, float] | None = None,
        kinds: frozenset[str] = frozenset({"station", "line"}),
    ) -> list[Hit]:
        """The best `limit` matches for `query` (empty for a blank query)."""
        name, py, ini = _query_forms(query)
        if not name and not py:
            return []
        found: dict[int, tuple[float, str]] = {}

        def take(prefix: str, form: str, label: str, whole: list[str] | None) -> None:
            if not form:
                return
            hits = self._keys.get(prefix + form[:MAX_KEY], {})
            for i, tier in hits.items():
                if len(form) > MAX_KEY and whole is not None and form not in whole[i]:
                    continue
                if tier > found.get(i, (0.0, ""))[0]:
                    found[i] = (float(tier), label)

        take("n:", name, "name", self._name_forms)
        take("p:", py, "pinyin", self._pinyin_forms)
        take("i:", ini, "initials", None)
        found = {i: v for i, v in found.items() if self.entries[i].kind in kinds}
        if len(found) < limit and len(py) >= 3:
            for _form, ratio, i in process.extract(
                py,
                self._pinyin_forms,
                scorer=fuzz.ratio,
                score_cutoff=70,
                limit=limit * 3,
            ):
                score = round(40.0 + 0.35 * ratio, 1)
                if self.entries[i].kind in kinds and score > found.get(i, (0.0, ""))[0]:
                    found[i] = (score, "fuzzy")
        hits = []
        for i, (score, how) in found.items():
            e = self.entries[i]
            dist = (
                haversine_m(near[0], near[1], e.lat, e.lon)
                if near is not None and e.lat is not None and e.lon is not None
                else None
            )
            hits.append(Hit(e, score, how, dist))
        hits.sort(
            key=lambda h: (
                -h.score,
                -round(math.log1p(h.entry.importance), 1),
                h.distance_m if h.distance_m is not None else math.inf,
                h.entry.name,
            )
        )
        return hits[:limit]
