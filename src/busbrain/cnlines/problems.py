"""Notice codes the converters of Chinese line data report, and a helper to make them.

Parsers never raise for a bad line: they skip it and report a notice naming the file,
the 1-based line and what is wrong. Only input that cannot be read at all (missing
file, wrong format) raises `BadInputError`.
"""

from __future__ import annotations

from busbrain.domain.notices import Notice, Severity

WRONG_FIELD_COUNT = "wrong_field_count"
UNPARSABLE_LINE_TITLE = "unparsable_line_title"
UNPARSABLE_STOP_LIST = "unparsable_stop_list"
STOP_COUNT_MISMATCH = "stop_count_mismatch"
UNPARSABLE_COORDINATES = "unparsable_coordinates"
UNPARSABLE_STOP_TOKEN = "unparsable_stop_token"
REJOINED_STOP_TOKEN = "rejoined_stop_token"
UNPARSABLE_SHAPE_POINT = "unparsable_shape_point"
UNEXPECTED_LINE = "unexpected_line"
INCOMPLETE_GROUP = "incomplete_group"
TOO_FEW_STOPS = "too_few_stops"
DUPLICATE_LINE_DIRECTION = "duplicate_line_direction"
DUPLICATE_STOP_PATTERN = "duplicate_stop_pattern"
STOPS_DO_NOT_MATCH_TITLE = "stops_do_not_match_title"
REPEATED_STOP = "repeated_consecutive_stop"
SHORT_SHAPE = "shape_too_short"
UNPARSABLE_ROW = "unparsable_row"
NONCONTIGUOUS_SEQUENCE = "noncontiguous_stop_sequence"


def notice(
    code: str,
    message: str,
    file: str,
    line: int | None,
    *,
    severity: Severity = Severity.WARNING,
    field: str | None = None,
    value: str | None = None,
) -> Notice:
    """A notice about `file` at `line`; values are cut to 80 characters."""
    shown = value if value is None or len(value) <= 80 else value[:77] + "..."
    return Notice(code, severity, message, file=file, line=line, field=field, value=shown)
