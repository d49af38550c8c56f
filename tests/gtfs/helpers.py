"""Run the loader on a tiny feed and pick out notices."""

from __future__ import annotations

from pathlib import Path

from busbrain.domain.notices import Notice
from busbrain.gtfs.feed import GtfsFeed
from busbrain.gtfs.findings import Findings
from busbrain.gtfs.load import load_feed


def load(path: Path) -> tuple[GtfsFeed, Findings]:
    return load_feed(path)


def notices(findings: Findings, code: str) -> list[Notice]:
    return [n for n in findings.notices.notices if n.code == code]


def where(findings: Findings, code: str) -> list[tuple[str | None, int | None, str | None]]:
    return [(n.file, n.line, n.field) for n in notices(findings, code)]
