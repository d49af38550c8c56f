"""What checking a feed finds: notices, and which rows are bad enough to drop.

Rules report a whole set of offending rows at once (a frame with `__row`); only the
first few become Notice values (the bag caps them) but every ERROR row is remembered,
so `--skip-bad-rows` can drop exactly those rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from busbrain.domain.notices import Notice, NoticeBag, Severity
from busbrain.gtfs.reader import ROW


@dataclass
class Findings:
    notices: NoticeBag = field(default_factory=NoticeBag)
    bad_rows: dict[str, set[int]] = field(default_factory=dict)

    def report_rows(
        self,
        *,
        code: str,
        severity: Severity,
        message: str,
        file: str,
        rows: pl.DataFrame,
        field: str | None = None,
    ) -> None:
        """Report every row of `rows` (which has `__row`, and `field` if given)."""
        if rows.height == 0:
            return
        cap = self.notices.cap_per_code
        shown = rows.head(cap)
        values = shown[field].cast(pl.String).to_list() if field and field in rows.columns else None
        for i, row in enumerate(shown[ROW].to_list()):
            self.notices.add(
                Notice(
                    code=code,
                    severity=severity,
                    message=message,
                    file=file,
                    line=int(row) + 2,
                    field=field,
                    value=None if values is None else values[i],
                )
            )
        extra = rows.height - shown.height
        if extra > 0:
            self.notices.counts[(code, severity)] += extra
        if severity is Severity.ERROR:
            self.bad_rows.setdefault(file, set()).update(rows[ROW].to_list())

    def report(
        self,
        *,
        code: str,
        severity: Severity,
        message: str,
        file: str | None = None,
        field: str | None = None,
    ) -> None:
        """Report a problem of a whole file or feed."""
        self.notices.add(Notice(code, severity, message, file=file, field=field))
