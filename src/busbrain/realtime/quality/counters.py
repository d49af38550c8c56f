"""Counts of quality notices, for a runner's metrics and logs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from busbrain.domain.notices import Notice, Severity


@dataclass
class QualityCounters:
    """Notices counted by (code, severity); the only mutable value of the package."""

    counts: Counter[tuple[str, Severity]] = field(default_factory=Counter)

    def add(self, notices: Iterable[Notice]) -> None:
        for n in notices:
            self.counts[(n.code, n.severity)] += 1

    @property
    def by_code(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for (code, _), n in self.counts.items():
            out[code] += n
        return out

    @property
    def by_severity(self) -> Counter[Severity]:
        out: Counter[Severity] = Counter()
        for (_, sev), n in self.counts.items():
            out[sev] += n
        return out

    @property
    def total(self) -> int:
        return sum(self.counts.values())
