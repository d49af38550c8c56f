"""What the planning jobs write: offline report pages and CSV text, each file whole."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

REPORT_CSS = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:24px;
color:#1d2733;max-width:1200px}h1{font-size:22px}
h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ccd;padding-bottom:4px}
table{border-collapse:collapse;font-size:13px}td,th{padding:3px 8px;border-bottom:1px solid #e4e7eb;
text-align:right}th:first-child,td:first-child{text-align:left}.small{font-size:12px;color:#5b6775}
.grid{display:flex;flex-wrap:wrap;gap:18px}svg text{font-size:10px;fill:#33404d}
"""
"""The look the planning reports share (Chinese fonts first, figures right-aligned)."""


def write_page(path: Path, title: str, body: str, extra_css: str = "") -> Path:
    """One self-contained HTML page (no scripts, works offline), written whole then renamed."""
    page = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{REPORT_CSS}{extra_css}</style></head>"
        f"<body>{body}</body></html>"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path


def csv_text(frame: pl.DataFrame) -> str:
    """A frame as CSV text with a header, nulls as empty fields (as GTFS wants them)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(frame.columns)
    w.writerows(frame.fill_null("").iter_rows())
    return buf.getvalue()
