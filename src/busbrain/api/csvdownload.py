"""CSV downloads for the console's tables: UTF-8 with a byte-order mark (so that a
spreadsheet program shows 汉字), CRLF line ends, a file name, and never cached (the
figures are the day's so far)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

import polars as pl
from fastapi import Response


def _download(text: str, filename: str) -> Response:
    return Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",  # a returned Response skips the router's headers
        },
    )


def csv_download(filename: str, header: list[str], rows: Iterable[list[Any]]) -> Response:
    """`rows` under `header` as a CSV file named `filename`."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return _download(buf.getvalue(), filename)


def csv_download_of_records(records: list[dict[str, Any]], filename: str) -> Response:
    """Records (one dict per row, the first one's keys as the header) as a CSV file."""
    buf = io.StringIO()
    if records:
        pl.DataFrame(records, infer_schema_length=None).write_csv(buf, line_terminator="\r\n")
    return _download(buf.getvalue(), filename)


def local_time(iso: str | None, tz: dt.tzinfo) -> str:
    """An ISO 8601 time as the city's local "YYYY-MM-DD HH:MM:SS" for a CSV cell ("" for
    none)."""
    if iso is None:
        return ""
    return dt.datetime.fromisoformat(iso).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def safe_name(text: str) -> str:
    """`text` fit for a file name: ASCII letters, digits and -_. kept, the rest "_"."""
    return "".join(c if (c.isascii() and c.isalnum()) or c in "-_." else "_" for c in text)
