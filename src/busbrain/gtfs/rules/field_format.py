"""Field format: every value parses as its declared kind; required fields are present.

This rule is also the parser: in one streaming pass it turns a text table into a typed
one, nulling values it cannot read and reporting them. Values are read trimmed.

Notices:
- missing_required_column (ERROR): a required column is absent; the file is unusable.
- missing_required_field (ERROR): a required field is empty in a row.
- invalid_time / invalid_date / invalid_integer / invalid_float / invalid_color (ERROR):
  the value does not parse as that kind.
- number_out_of_range (ERROR): latitude outside ±90, longitude outside ±180, a negative count.
- unexpected_enum_value (WARNING): an enumerated field holds an undefined value; read as empty.
- unknown_column (INFO): a column the GTFS reference doesn't define (not kept).
- leading_or_trailing_whitespaces (WARNING): values or header names with surrounding spaces.
"""

from __future__ import annotations

from typing import Literal

import polars as pl

from busbrain.domain.notices import Severity
from busbrain.gtfs.findings import Findings
from busbrain.gtfs.reader import ROW, RawTable
from busbrain.gtfs.schema import Field, Kind, Table

_INVALID_CODE = {
    Kind.TIME: "invalid_time",
    Kind.DATE: "invalid_date",
    Kind.INT: "invalid_integer",
    Kind.ENUM: "unexpected_enum_value",
    Kind.FLOAT: "invalid_float",
    Kind.LAT: "invalid_float",
    Kind.LON: "invalid_float",
    Kind.COLOR: "invalid_color",
}


def _trimmed(col: str) -> pl.Expr:
    stripped = pl.col(col).str.strip_chars()
    return pl.when(stripped.str.len_bytes() > 0).then(stripped)


def _parsed(s: pl.Expr, kind: Kind) -> pl.Expr:
    if kind is Kind.TIME:
        # Validate with one anchored regex, then cast fixed slices from the end: several
        # times faster than extracting regex groups.
        ok = s.str.contains(r"^\d{1,3}:[0-5]\d:[0-5]\d$")
        hours = s.str.head(-6).cast(pl.Int32, strict=False)
        minutes = s.str.slice(-5, 2).cast(pl.Int32, strict=False)
        seconds = s.str.tail(2).cast(pl.Int32, strict=False)
        return pl.when(ok).then(hours * 3600 + minutes * 60 + seconds)
    if kind is Kind.DATE:
        return pl.when(s.str.contains(r"^\d{8}$")).then(
            s.str.strptime(pl.Date, "%Y%m%d", strict=False)
        )
    if kind in (Kind.INT, Kind.ENUM):
        return s.cast(pl.Int64, strict=False)
    if kind in (Kind.FLOAT, Kind.LAT, Kind.LON):
        return s.cast(pl.Float64, strict=False)
    if kind is Kind.COLOR:
        return pl.when(s.str.contains(r"^[0-9A-Fa-f]{6}$")).then(s.str.to_uppercase())
    return s


def _in_range(v: pl.Expr, field: Field) -> pl.Expr | None:
    if field.kind is Kind.LAT:
        return v.is_between(-90, 90)
    if field.kind is Kind.LON:
        return v.is_between(-180, 180)
    if field.kind is Kind.INT:
        return v >= 0
    if field.kind is Kind.ENUM:
        return v.is_in(list(field.values))
    return None


def _plan(scan: pl.LazyFrame, fields: list[Field], strip: frozenset[str]) -> pl.LazyFrame:
    """Type every field in stages, so no expression is computed twice per value.

    Stage 1 takes the text (trimmed for the columns in `strip`), stage 2 parses it,
    stage 3 derives the flags: `__sp_` (had spaces), `__miss_` (required but empty),
    `__bad_` (unparsable), `__oor_` (out of range).
    """
    schema = scan.collect_schema()
    native = {f.name for f in fields if schema[f.name] != pl.String}  # parsed by the reader
    text = scan.with_columns(
        (_trimmed(f.name) if f.name in strip else pl.col(f.name)).alias(f"__s_{f.name}")
        for f in fields
    )
    parsed = text.with_columns(
        (pl.col(f.name) if f.name in native else _parsed(pl.col(f"__s_{f.name}"), f.kind)).alias(
            f"__v_{f.name}"
        )
        for f in fields
    )
    flags: list[pl.Expr] = []
    values: list[pl.Expr] = []
    for f in fields:
        raw, s, v = pl.col(f.name), pl.col(f"__s_{f.name}"), pl.col(f"__v_{f.name}")
        ok = _in_range(v, f)
        values.append((v if ok is None else pl.when(ok).then(v)).alias(f.name))
        if f.required:
            flags.append(s.is_null().alias(f"__miss_{f.name}"))
        if f.name in native:
            continue
        flags.append((raw.str.starts_with(" ") | raw.str.ends_with(" ")).alias(f"__sp_{f.name}"))
        if f.kind not in (Kind.ID, Kind.TEXT):
            flags.append((s.is_not_null() & v.is_null()).alias(f"__bad_{f.name}"))
        if ok is not None:
            flags.append((v.is_not_null() & ~ok).alias(f"__oor_{f.name}"))
    return parsed.select(pl.col(ROW), *values, *flags)


def _typed(text: pl.LazyFrame, fields: list[Field], streaming: bool) -> pl.DataFrame:
    """Type one frame of text; a second pass trims the columns found to hold spaced values.

    Spaces around values are rare, so the first pass reads text as it is (fast), and
    only a table that has them pays for trimming.
    """
    engine: Literal["streaming", "in-memory"] = "streaming" if streaming else "in-memory"
    frame = _plan(text, fields, frozenset()).collect(engine=engine)
    spaced = frozenset(
        f.name
        for f in fields
        if f"__sp_{f.name}" in frame.columns and frame[f"__sp_{f.name}"].any()
    )
    if spaced:
        frame = _plan(text, fields, spaced).collect(engine=engine)
    return frame


def _collect(raw: RawTable, fields: list[Field]) -> pl.DataFrame:
    if raw.scan is not None:
        return _typed(raw.scan, fields, streaming=True)
    parts = [_typed(chunk.lazy(), fields, streaming=False) for chunk in raw.frames()]
    # A block read as text has flag columns a natively read block lacks: align them.
    columns = list(dict.fromkeys(c for p in parts for c in p.columns))
    parts = [
        p.with_columns(pl.lit(False).alias(c) for c in columns if c not in p.columns).select(
            columns
        )
        for p in parts
    ]
    if not parts:
        return _typed(
            pl.LazyFrame(
                {ROW: pl.Series([], dtype=pl.UInt32)}
                | {f.name: pl.Series([], dtype=pl.String) for f in fields}
            ),
            fields,
            streaming=False,
        )
    return pl.concat(parts, rechunk=False)


def parse_table(raw: RawTable, table: Table, findings: Findings) -> pl.DataFrame | None:
    """The typed frame of `raw`, or None when a required column is missing."""
    _report_layout(raw, table, findings)
    missing = [f.name for f in table.fields if f.required and f.name not in raw.header]
    for name in missing:
        findings.report(
            code="missing_required_column",
            severity=Severity.ERROR,
            message=f"required column {name!r} is missing",
            file=table.name,
            field=name,
        )
    if missing:
        return None
    present = [f for f in table.fields if f.name in raw.header]
    try:
        frame = _collect(raw, present)
    except pl.exceptions.PolarsError as exc:
        findings.report(
            code="csv_parsing_failed",
            severity=Severity.ERROR,
            message=f"cannot be read as CSV: {exc}",
            file=table.name,
        )
        return None
    flag_cols = [c for c in frame.columns if c.startswith("__") and c != ROW]
    frame = frame.with_columns(pl.col(flag_cols).fill_null(False))
    hits = frame.select(pl.col(flag_cols).any()).row(0)
    raised = {c for c, hit in zip(flag_cols, hits, strict=True) if hit}
    for f in present:
        _report_flags(raw, frame.select(ROW, *raised), f, table.name, findings)
    return frame.select(
        pl.col(ROW),
        *(pl.col(f.name).cast(pl.Int8) if f.kind is Kind.ENUM else pl.col(f.name) for f in present),
    )


def _flagged(raw: RawTable, frame: pl.DataFrame, flag: str, field: str, cap: int) -> pl.DataFrame:
    """Rows where `flag` holds, with the field's raw text for the first `cap` of them."""
    if flag not in frame.columns:
        return frame.head(0).select(ROW)
    rows = frame.filter(pl.col(flag)).select(ROW)
    if rows.height == 0:
        return rows
    texts = raw.texts(rows[ROW].head(cap).to_list(), field)
    return rows.join(texts, on=ROW, how="left")


def _report_flags(
    raw: RawTable, frame: pl.DataFrame, f: Field, file: str, findings: Findings
) -> None:
    cap = findings.notices.cap_per_code
    checks = (
        (f"__miss_{f.name}", "missing_required_field", Severity.ERROR, "required field is empty"),
        (
            f"__bad_{f.name}",
            _INVALID_CODE.get(f.kind, ""),
            Severity.ERROR,
            "not a valid " + f.kind.value,
        ),
        (f"__oor_{f.name}", "number_out_of_range", Severity.ERROR, "value is out of range"),
    )
    for flag, code, severity, message in checks:
        if f.kind is Kind.ENUM and flag != f"__miss_{f.name}":
            code, severity = "unexpected_enum_value", Severity.WARNING
            message = f"must be one of {list(f.values)}; read as empty"
        findings.report_rows(
            code=code,
            severity=severity,
            message=f"{f.name!r}: {message}",
            file=file,
            rows=_flagged(raw, frame, flag, f.name, cap),
            field=f.name,
        )
    if f"__sp_{f.name}" in frame.columns:
        findings.report(
            code="leading_or_trailing_whitespaces",
            severity=Severity.WARNING,
            message="values with surrounding spaces (read trimmed)",
            file=file,
            field=f.name,
        )


def _report_layout(raw: RawTable, table: Table, findings: Findings) -> None:
    known = {f.name for f in table.fields}
    for col in raw.header:
        if col not in known:
            findings.report(
                code="unknown_column",
                severity=Severity.INFO,
                message=f"column {col!r} is not part of GTFS; it is not kept",
                file=table.name,
                field=col,
            )
    for col in raw.original_header:
        if col != col.strip():
            findings.report(
                code="leading_or_trailing_whitespaces",
                severity=Severity.WARNING,
                message=f"header name {col!r} has surrounding spaces (read trimmed)",
                file=table.name,
                field=col.strip(),
            )


NATIVE_KINDS: dict[Kind, pl.DataType] = {
    Kind.INT: pl.Int64(),
    Kind.ENUM: pl.Int64(),
    Kind.FLOAT: pl.Float64(),
    Kind.LAT: pl.Float64(),
    Kind.LON: pl.Float64(),
}


def native_types(table: Table) -> dict[str, pl.DataType]:
    """Columns the CSV reader may parse itself (numbers), for open_raw_table."""
    return {f.name: NATIVE_KINDS[f.kind] for f in table.fields if f.kind in NATIVE_KINDS}
