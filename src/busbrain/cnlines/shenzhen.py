"""Parser of the Shenzhen `busline.csv` format (one row per line-direction, BD-09).

Header `linename,stationname,stationgeo`; `linename` is `<route>(<A>-<B>)`;
`stationname` and `stationgeo` are Python list literals (single-quoted strings) of
stop names and `'lon,lat'` strings, same length, in travel order. UTF-8, a BOM is
tolerated. See /work/shared/data/gtfs/cn-shenzhen-buslines-bd09/PROVENANCE.md.
"""

from __future__ import annotations

import ast
import csv
import io

from busbrain.cnlines import problems as p
from busbrain.cnlines.linename import parse_line_title
from busbrain.cnlines.lonlat import parse_lonlat
from busbrain.cnlines.records import LineDirection, ParsedLines, SourceStop
from busbrain.domain.errors import BadInputError
from busbrain.domain.notices import Notice

HEADER = ["linename", "stationname", "stationgeo"]


def _string_list(text: str) -> list[str] | None:
    """The list of strings a Python literal spells, or None if it is anything else."""
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    return [v.strip() for v in value]


def _stops(
    names: list[str], geos: list[str], file: str, line: int, notices: list[Notice]
) -> list[SourceStop]:
    stops: list[SourceStop] = []
    for name, geo in zip(names, geos, strict=True):
        point = parse_lonlat(geo)
        if point is None or not name:
            notices.append(
                p.notice(
                    p.UNPARSABLE_COORDINATES,
                    f"stop {name!r} skipped: no usable 'lon,lat' or empty name",
                    file,
                    line,
                    field="stationgeo",
                    value=geo,
                )
            )
            continue
        stops.append(SourceStop(name, point[0], point[1]))
    return stops


def _row(row: list[str], file: str, line: int, notices: list[Notice]) -> LineDirection | None:
    """One CSV row as a line-direction, or None (with a notice) when it is unusable."""
    if len(row) != len(HEADER):
        message = f"expected {len(HEADER)} fields, found {len(row)}; row skipped"
        notices.append(p.notice(p.WRONG_FIELD_COUNT, message, file, line))
        return None
    title_text, names_text, geos_text = row
    names, geos = _string_list(names_text), _string_list(geos_text)
    if names is None or geos is None:
        bad = "stationname" if names is None else "stationgeo"
        message = "not a Python list of strings; row skipped"
        value = names_text if names is None else geos_text
        notices.append(
            p.notice(p.UNPARSABLE_STOP_LIST, message, file, line, field=bad, value=value)
        )
        return None
    if len(names) != len(geos):
        message = f"{len(names)} stop names but {len(geos)} positions; row skipped"
        notices.append(p.notice(p.STOP_COUNT_MISMATCH, message, file, line))
        return None
    title = parse_line_title(title_text, names[0] if names else None, names[-1] if names else None)
    if title is None:
        message = "line title is not 'route(origin-destination)'; row skipped"
        notices.append(
            p.notice(
                p.UNPARSABLE_LINE_TITLE, message, file, line, field="linename", value=title_text
            )
        )
        return None
    stops = _stops(names, geos, file, line, notices)
    return LineDirection(title.route_name, title.origin, title.destination, tuple(stops), line=line)


def parse_shenzhen(text: str, file: str = "busline.csv") -> ParsedLines:
    """Parse the text of a Shenzhen `busline.csv`; raises BadInputError on a foreign header."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header] != HEADER:
        raise BadInputError(
            f"{file}: not the Shenzhen busline format: header must be {','.join(HEADER)}, "
            f"found {','.join(header or [])[:80]!r}"
        )
    result = ParsedLines(file)
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        record = _row(row, file, reader.line_num, result.notices)
        if record is not None:
            result.records.append(record)
    return result
