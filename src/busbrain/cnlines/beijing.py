"""Parser of the Beijing MOT 2020 format: ordered stop names, no coordinates.

Header `线路名称,方向,站点序号,站点名称` (route, direction 0/1, 1-based sequence, stop
name), UTF-8 with BOM, one row per route-stop. There are no coordinates, so these
records cannot become a GTFS feed by themselves (stops.txt needs stop_lat/stop_lon):
`busbrain.cnlines.convert_lines` refuses this format with a BadInputError saying so.
The parser is still useful for topology and name matching.
See /work/shared/data/gtfs/cn-beijing-bus-mot-2020/PROVENANCE.md.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field

from busbrain.cnlines import problems as p
from busbrain.domain.errors import BadInputError
from busbrain.domain.notices import Notice

HEADER = ["线路名称", "方向", "站点序号", "站点名称"]


@dataclass(frozen=True, slots=True)
class NamedLine:
    """One direction of one line as stop names only; `line` is its first source line."""

    route_name: str
    direction: int
    stop_names: tuple[str, ...]
    line: int

    @property
    def origin(self) -> str:
        return self.stop_names[0]

    @property
    def destination(self) -> str:
        return self.stop_names[-1]


@dataclass
class ParsedNamedLines:
    file: str
    records: list[NamedLine] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


_Key = tuple[str, int]
_Entry = tuple[int, str, int]  # (sequence, stop name, source line)


def _entry(
    row: list[str], file: str, line: int, notices: list[Notice]
) -> tuple[_Key, _Entry] | None:
    if len(row) != len(HEADER):
        message = f"expected {len(HEADER)} fields, found {len(row)}; row skipped"
        notices.append(p.notice(p.WRONG_FIELD_COUNT, message, file, line))
        return None
    route, direction, sequence, name = (cell.strip() for cell in row)
    if not (route and name and direction.isdigit() and sequence.isdigit()):
        message = "route, name, direction or sequence empty or not a number; row skipped"
        notices.append(p.notice(p.UNPARSABLE_ROW, message, file, line, value=",".join(row)))
        return None
    return (route, int(direction)), (int(sequence), name, line)


def _named_line(key: _Key, entries: list[_Entry], file: str, notices: list[Notice]) -> NamedLine:
    entries.sort()
    sequences = [seq for seq, _, _ in entries]
    if sequences != list(range(sequences[0], sequences[0] + len(sequences))):
        message = f"{key[0]} direction {key[1]}: stop sequences are not contiguous"
        notices.append(p.notice(p.NONCONTIGUOUS_SEQUENCE, message, file, entries[0][2]))
    names = tuple(name for _, name, _ in entries)
    return NamedLine(key[0], key[1], names, min(line for _, _, line in entries))


def parse_beijing(text: str, file: str = "beijing.csv") -> ParsedNamedLines:
    """Parse the Beijing stop-name table; raises BadInputError on a foreign header."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = next(reader, None)
    if header is None or [h.strip() for h in header] != HEADER:
        raise BadInputError(
            f"{file}: not the Beijing MOT format: header must be {','.join(HEADER)}, "
            f"found {','.join(header or [])[:80]!r}"
        )
    result = ParsedNamedLines(file)
    groups: dict[_Key, list[_Entry]] = defaultdict(list)
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        parsed = _entry(row, file, reader.line_num, result.notices)
        if parsed is not None:
            groups[parsed[0]].append(parsed[1])
    result.records = [_named_line(k, v, file, result.notices) for k, v in groups.items()]
    return result
