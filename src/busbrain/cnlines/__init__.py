"""Convert Chinese bus-line data (not GTFS) into a GTFS feed.

Formats (one parser module each):

- `SourceFormat.SHENZHEN` (`shenzhen`): busline.csv, one row per line-direction, BD-09.
- `SourceFormat.BAIDU_LINES` (`baidu_lines`): groups of title / stops / shape lines as
  in Hangzhou's lineshape-baidu.txt, BD-09.
- `SourceFormat.BEIJING` (`beijing`): stop names only. **Refused** by `convert_lines`
  with a BadInputError: without coordinates there are no stops.txt positions and no
  shapes, and guessing them would make a feed that looks right and is not. Geocode the
  stop names first (the parser, `beijing.parse_beijing`, is there for that work).

`convert_lines` reads the file (its only I/O), parses, cleans (`cleanup`) and builds
the tables (`convert`, through `plan` and `tables`); write them with
`busbrain.gtfs.rowwriter.write_rows_feed`.
The stop times in the feed are estimates: see `convert` and `schedule`.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import NoReturn

from busbrain.cnlines.baidu_lines import parse_baidu_lines
from busbrain.cnlines.beijing import parse_beijing
from busbrain.cnlines.cleanup import clean
from busbrain.cnlines.convert import ConversionResult, build_feed
from busbrain.cnlines.options import DEFAULT_AGENCY_NAME, DEFAULT_AGENCY_URL, FeedOptions
from busbrain.cnlines.records import ParsedLines
from busbrain.cnlines.schedule import ServicePattern
from busbrain.cnlines.shenzhen import parse_shenzhen
from busbrain.domain.chinacoords import CoordSystem
from busbrain.domain.errors import BadInputError

__all__ = [
    "DEFAULT_AGENCY_NAME",
    "DEFAULT_AGENCY_URL",
    "ConversionResult",
    "FeedOptions",
    "ServicePattern",
    "SourceFormat",
    "convert_lines",
    "default_crs",
    "read_text",
]


class SourceFormat(StrEnum):
    SHENZHEN = "shenzhen"
    BAIDU_LINES = "baidu-lines"
    BEIJING = "beijing"


_DEFAULT_CRS = {SourceFormat.SHENZHEN: CoordSystem.BD09, SourceFormat.BAIDU_LINES: CoordSystem.BD09}


def default_crs(fmt: SourceFormat) -> CoordSystem | None:
    """The coordinate system a format's documented sources use (None: no coordinates)."""
    return _DEFAULT_CRS.get(fmt)


def read_text(path: Path) -> str:
    """The file's text (UTF-8, BOM removed); BadInputError if it is missing or not UTF-8."""
    if not path.is_file():
        raise BadInputError(f"{path}: no such file")
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def _refuse_beijing(text: str, name: str) -> NoReturn:
    parsed = parse_beijing(text, name)
    raise BadInputError(
        f"{name}: the Beijing format lists stop names only ({len(parsed.records)} "
        "line-directions found) and no coordinates; a GTFS feed needs a position for every "
        "stop (stops.txt stop_lat/stop_lon), so it cannot be converted. Geocode the stops "
        "first and supply them in a format with coordinates."
    )


def _parse(text: str, fmt: SourceFormat, name: str) -> ParsedLines:
    if fmt is SourceFormat.SHENZHEN:
        return parse_shenzhen(text, name)
    if fmt is SourceFormat.BAIDU_LINES:
        return parse_baidu_lines(text, name)
    _refuse_beijing(text, name)


def convert_lines(
    path: Path,
    fmt: SourceFormat,
    *,
    crs: CoordSystem | None = None,
    agency_name: str = DEFAULT_AGENCY_NAME,
    agency_url: str = DEFAULT_AGENCY_URL,
    start_date: dt.date,
    end_date: dt.date,
    pattern: ServicePattern | None = None,
) -> ConversionResult:
    """Convert the line file at `path` to GTFS tables.

    `crs` None means the format's documented default (BD-09 for both formats with
    coordinates). The calendar runs every day from `start_date` to `end_date`
    (inclusive); `pattern` is the assumed speed and headway (default 18 km/h, every
    10 min 06:00-22:00). Raises BadInputError for input that cannot be converted at all.
    """
    fmt = SourceFormat(fmt)
    path = Path(path)
    text = read_text(path)
    parsed = _parse(text, fmt, path.name)
    records, cleanup_notices = clean(parsed.records, path.name)
    if not records:
        raise BadInputError(
            f"{path.name}: no usable line-directions ({len(parsed.notices)} problems, "
            f"e.g. {parsed.notices[0].render() if parsed.notices else 'empty file'})"
        )
    options = FeedOptions(
        start_date, end_date, agency_name, agency_url, pattern=pattern or ServicePattern()
    )
    source_crs = crs or default_crs(fmt) or CoordSystem.WGS84
    result = build_feed(records, source_crs, options, path.name)
    result.notices[:0] = parsed.notices + cleanup_notices
    result.stats["notices"] = len(result.notices)
    result.stats["line_directions_parsed"] = len(parsed.records)
    return result
