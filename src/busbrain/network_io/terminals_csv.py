"""Read the terminal registry from an operator's CSV file.

Columns (header required, UTF-8, with or without a byte-order mark):
`phone` (the terminal's SIM number, digits), `plate` (车牌, e.g. 辽G12345),
`plate_colour` (JT/T 697.7: 1 blue, 2 yellow, 3 black, 4 white, 5 green, 9 other; may be
empty), `vehicle_id` (the operator's own vehicle number, 自编号; may be empty), `depot`
(may be empty). Problems become notices naming the line; nothing is guessed.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from busbrain.domain.errors import BadInputError
from busbrain.domain.notices import Notice, Severity
from busbrain.domain.terminals import TerminalRecord, normalise_phone

COLUMNS = ("phone", "plate", "plate_colour", "vehicle_id", "depot")
PLATE_COLOURS = {0, 1, 2, 3, 4, 5, 9}


def _error(line: int, field: str, message: str, value: str | None = None) -> Notice:
    return Notice("invalid_terminal_row", Severity.ERROR, message, "terminals", line, field, value)


def _row(line: int, row: dict[str, str]) -> TerminalRecord | Notice:
    def opt(name: str) -> str | None:
        value = (row.get(name) or "").strip()
        return value or None

    try:
        phone = normalise_phone(row.get("phone") or "")
    except ValueError:
        return _error(line, "phone", "phone must be digits", row.get("phone"))
    colour_text = opt("plate_colour")
    colour = None
    if colour_text is not None:
        if not colour_text.isdigit() or int(colour_text) not in PLATE_COLOURS:
            return _error(
                line, "plate_colour", f"must be one of {sorted(PLATE_COLOURS)}", colour_text
            )
        colour = int(colour_text)
    return TerminalRecord(phone, opt("plate"), colour, opt("vehicle_id"), opt("depot"), None, None)


def read_terminals(path: Path) -> tuple[list[TerminalRecord], list[Notice]]:
    """The valid rows of the file and a notice for each bad one."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"{path}: cannot be read as UTF-8 text ({exc})") from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    if "phone" not in header:
        raise BadInputError(
            f"{path}: the header must name a 'phone' column (columns: {', '.join(COLUMNS)})"
        )
    reader.fieldnames = header
    records: list[TerminalRecord] = []
    notices: list[Notice] = []
    seen: dict[str, int] = {}
    for i, row in enumerate(reader, start=2):
        got = _row(i, row)
        if isinstance(got, Notice):
            notices.append(got)
        elif got.phone in seen:
            notices.append(_error(i, "phone", f"repeats line {seen[got.phone]}", got.phone))
        else:
            seen[got.phone] = i
            records.append(got)
    return records, notices
