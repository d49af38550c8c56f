"""Drop the line-directions a feed must not contain: too short, repeated, mislabelled.

- fewer than two stops: no trip can be made (WARNING);
- an exact repeat of an earlier line-direction (same title and stops; the Baidu
  format repeats whole groups): the first one is kept (INFO);
- a group whose title names terminals that are not its first and last stops, while
  another group with the same title does match: a scraping mix-up in which the stops
  belong to another line (WARNING). A mismatching group that is alone under its title
  is kept (ferry piers, for instance, are titled after the terminal building).
"""

from __future__ import annotations

from collections import defaultdict

from busbrain.cnlines import problems as p
from busbrain.cnlines.linename import normalise_name
from busbrain.cnlines.records import LineDirection
from busbrain.domain.notices import Notice, Severity

_Key = tuple[str, str, str, tuple[tuple[str, float, float], ...]]


def _key(record: LineDirection) -> _Key:
    stops = tuple((s.name, s.lon, s.lat) for s in record.stops)
    return record.route_name, record.origin, record.destination, stops


def matches_title(record: LineDirection) -> bool:
    """True when the first and last stops are the terminals the title names."""
    first, last = record.stops[0].name, record.stops[-1].name
    return normalise_name(first) == normalise_name(record.origin) and normalise_name(
        last
    ) == normalise_name(record.destination)


def _long_enough(
    records: list[LineDirection], file: str, notices: list[Notice]
) -> list[LineDirection]:
    kept = []
    for record in records:
        if len(record.stops) >= 2:
            kept.append(record)
            continue
        message = f"{record.title}: {len(record.stops)} usable stop(s), 2 needed; skipped"
        notices.append(p.notice(p.TOO_FEW_STOPS, message, file, record.line))
    return kept


def _unique(records: list[LineDirection], file: str, notices: list[Notice]) -> list[LineDirection]:
    first_line: dict[_Key, int | None] = {}
    kept = []
    for record in records:
        key = _key(record)
        if key not in first_line:
            first_line[key] = record.line
            kept.append(record)
            continue
        message = f"{record.title}: repeats the line-direction of line {first_line[key]}; skipped"
        notices.append(
            p.notice(p.DUPLICATE_LINE_DIRECTION, message, file, record.line, severity=Severity.INFO)
        )
    return kept


def _titled_right(
    records: list[LineDirection], file: str, notices: list[Notice]
) -> list[LineDirection]:
    by_title: dict[str, list[LineDirection]] = defaultdict(list)
    for record in records:
        by_title[record.title].append(record)
    kept = []
    for record in records:
        siblings = by_title[record.title]
        if matches_title(record) or not any(matches_title(s) for s in siblings):
            kept.append(record)
            continue
        message = (
            f"{record.title}: stops run {record.stops[0].name} to {record.stops[-1].name}, "
            "not the title's terminals, and another group with this title matches; skipped"
        )
        notices.append(p.notice(p.STOPS_DO_NOT_MATCH_TITLE, message, file, record.line))
    return kept


def clean(records: list[LineDirection], file: str) -> tuple[list[LineDirection], list[Notice]]:
    """The usable, distinct line-directions of `records`, and a notice per one dropped."""
    notices: list[Notice] = []
    kept = _long_enough(records, file, notices)
    kept = _unique(kept, file, notices)
    kept = _titled_right(kept, file, notices)
    return kept, notices
