"""Notices: how busbrain reports problems in data (never by raising).

Severity follows RFC 2119 as gtfs-validator does: ERROR where a spec says "must" (the
data cannot be used as it is), WARNING where it says "should", INFO for what is worth
knowing. A notice names where the problem is (file, line, field) and what is wrong.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Notice:
    """One problem found in one place.

    `line` is the 1-based line number in the file, header being line 1, or None when
    the problem concerns a whole file or feed.
    """

    code: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None
    value: str | None = None

    def render(self) -> str:
        where = self.file or "feed"
        if self.line is not None:
            where += f":{self.line}"
        if self.field:
            where += f" [{self.field}]"
        shown = f" (value {self.value!r})" if self.value is not None else ""
        return f"{self.severity.value:7} {self.code}: {where}: {self.message}{shown}"


@dataclass
class NoticeBag:
    """Collects notices, keeping at most `cap_per_code` of each code (counting them all).

    The cap keeps a feed with millions of bad rows from exhausting memory, as
    gtfs-validator's NoticeContainer does.
    """

    cap_per_code: int = 100
    notices: list[Notice] = field(default_factory=list)
    counts: Counter[tuple[str, Severity]] = field(default_factory=Counter)

    def add(self, notice: Notice) -> None:
        key = (notice.code, notice.severity)
        self.counts[key] += 1
        if self.counts[key] <= self.cap_per_code:
            self.notices.append(notice)

    def extend(self, notices: list[Notice]) -> None:
        for n in notices:
            self.add(n)

    def count(self, severity: Severity) -> int:
        return sum(n for (_, sev), n in self.counts.items() if sev is severity)

    @property
    def has_errors(self) -> bool:
        return self.count(Severity.ERROR) > 0

    def codes(self, severity: Severity | None = None) -> set[str]:
        return {code for (code, sev) in self.counts if severity is None or sev is severity}
