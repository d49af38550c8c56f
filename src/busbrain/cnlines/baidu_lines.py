"""Parser of the Baidu lines format (Hangzhou `lineshape-baidu.txt`, BD-09).

Groups of three lines, no header, CRLF or LF:

1. the title `route(first-last)`, e.g. `225路(城站火车站-城站火车站)`;
2. the stops in order, space-separated `name:lon,lat` tokens;
3. the shape, space-separated `lon,lat` points.

Empty tokens are skipped silently, unparsable ones with a notice; a stop token split
by a stray space (`name :lon,lat`) is joined again. Each line is
classified by its content rather than by its position, so a missing shape line or a
stray blank line does not shift the groups out of step. Repeated groups are kept here
and removed by `cleanup.deduplicate`.
See /work/shared/data/gtfs/cn-hangzhou-bus-2015/PROVENANCE.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from busbrain.cnlines import problems as p
from busbrain.cnlines.linename import parse_line_title
from busbrain.cnlines.lonlat import parse_lonlat
from busbrain.cnlines.records import LineDirection, LonLat, ParsedLines, SourceStop
from busbrain.domain.errors import BadInputError
from busbrain.domain.notices import Notice, Severity

_NUMBER = r"-?\d+(?:\.\d+)?"
_POINT = re.compile(rf"{_NUMBER},{_NUMBER}")
_STOP = re.compile(rf".+:{_NUMBER},{_NUMBER}")


class _Kind(Enum):
    TITLE = "title"
    STOPS = "stops"
    SHAPE = "shape"


def _kind(tokens: list[str]) -> _Kind:
    if all(_POINT.fullmatch(t) for t in tokens):
        return _Kind.SHAPE
    if any(_STOP.fullmatch(t) for t in tokens):
        return _Kind.STOPS
    return _Kind.TITLE


@dataclass
class _Group:
    title: str
    line: int
    stops: list[SourceStop] | None = None
    shape: list[LonLat] = field(default_factory=list)


def _rejoin(tokens: list[str], file: str, line: int, notices: list[Notice]) -> list[str]:
    """Rejoin `name :lon,lat`, a stop whose name was followed by a stray space."""
    out: list[str] = []
    for token in tokens:
        if token.startswith(":") and out and ":" not in out[-1]:
            out[-1] += token
            message = "space between stop name and ':lon,lat'; joined"
            notices.append(
                p.notice(
                    p.REJOINED_STOP_TOKEN,
                    message,
                    file,
                    line,
                    severity=Severity.INFO,
                    value=out[-1],
                )
            )
            continue
        out.append(token)
    return out


def _stops(tokens: list[str], file: str, line: int, notices: list[Notice]) -> list[SourceStop]:
    stops: list[SourceStop] = []
    for token in _rejoin(tokens, file, line, notices):
        name, _, geo = token.rpartition(":")
        point = parse_lonlat(geo) if name.strip() else None
        if point is None:
            notices.append(
                p.notice(
                    p.UNPARSABLE_STOP_TOKEN,
                    "stop token is not 'name:lon,lat'; skipped",
                    file,
                    line,
                    value=token,
                )
            )
            continue
        stops.append(SourceStop(name.strip(), point[0], point[1]))
    return stops


def _shape(tokens: list[str], file: str, line: int, notices: list[Notice]) -> list[LonLat]:
    points: list[LonLat] = []
    for token in tokens:
        point = parse_lonlat(token)
        if point is None:
            notices.append(
                p.notice(
                    p.UNPARSABLE_SHAPE_POINT,
                    "shape point is not 'lon,lat'; skipped",
                    file,
                    line,
                    value=token,
                )
            )
            continue
        points.append(point)
    return points


class _Reader:
    """The state machine: a title opens a group, stops fill it, a shape closes it."""

    def __init__(self, file: str) -> None:
        self.result = ParsedLines(file)
        self.group: _Group | None = None
        self.saw_stops = False

    def _notice(self, code: str, message: str, line: int, value: str | None = None) -> None:
        self.result.notices.append(p.notice(code, message, self.result.file, line, value=value))

    def close(self) -> None:
        """Finish the open group: a record if it has stops, else a notice."""
        group, self.group = self.group, None
        if group is None:
            return
        if group.stops is None:
            self._notice(
                p.INCOMPLETE_GROUP, "title without a stops line; skipped", group.line, group.title
            )
            return
        first = group.stops[0].name if group.stops else None
        last = group.stops[-1].name if group.stops else None
        title = parse_line_title(group.title, first, last)
        if title is None:
            self._notice(
                p.UNPARSABLE_LINE_TITLE,
                "line title is not 'route(origin-destination)'; group skipped",
                group.line,
                group.title,
            )
            return
        self.result.records.append(
            LineDirection(
                title.route_name,
                title.origin,
                title.destination,
                tuple(group.stops),
                tuple(group.shape),
                group.line,
            )
        )

    def feed(self, text: str, line: int) -> None:
        tokens = [t for t in text.strip().split() if t]
        if not tokens:
            return
        kind = _kind(tokens)
        if kind is _Kind.TITLE:
            self.close()
            self.group = _Group(text.strip(), line)
        elif kind is _Kind.STOPS:
            self.saw_stops = True
            if self.group is None or self.group.stops is not None:
                self._notice(
                    p.UNEXPECTED_LINE,
                    "stops line without a title before it; skipped",
                    line,
                    text.strip(),
                )
                return
            self.group.stops = _stops(tokens, self.result.file, line, self.result.notices)
        elif self.group is None or self.group.stops is None:
            self._notice(
                p.UNEXPECTED_LINE,
                "shape line without a title and stops; skipped",
                line,
                text.strip(),
            )
        else:
            self.group.shape = _shape(tokens, self.result.file, line, self.result.notices)
            self.close()


def parse_baidu_lines(text: str, file: str = "lineshape-baidu.txt") -> ParsedLines:
    """Parse the text of a Baidu lines file; raises BadInputError if no line lists stops."""
    reader = _Reader(file)
    for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        reader.feed(line, number)
    reader.close()
    if not reader.saw_stops:
        raise BadInputError(
            f"{file}: not the Baidu lines format: no line of 'name:lon,lat' stop tokens found"
        )
    return reader.result
