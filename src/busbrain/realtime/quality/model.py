"""The values the quality rules share: verdict, per-vehicle state, a rule's finding.

`QualityState` is immutable: `accept` returns a new state, so a caller may keep the old
one (e.g. a snapshot) and the rules can never change it behind the caller's back. Its
memories are bounded, so a vehicle that reports for months costs the same as one that
reported a minute.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from busbrain.domain.notices import Notice
from busbrain.realtime.fixes import Fix

DUPLICATE_MEMORY_FIXES = 64
"""How many accepted fixes' (t, position) keys are remembered for duplicate detection
(fixes; at a 10-30 s reporting interval, 10-30 minutes of track)."""
POSITION_DECIMALS = 6
"""Positions are compared rounded to this many decimal places of a degree (1e-6 deg,
about 0.11 m; the resolution of JT/T 808 positions)."""
SKEW_WINDOW_FIXES = 60
"""How many live fixes' (received - t) samples the clock-skew estimate uses (fixes)."""

FixKey = tuple[float, float, float]
"""(t in unix seconds, latitude, longitude rounded to POSITION_DECIMALS)."""


class Verdict(StrEnum):
    KEEP = "keep"
    """Pass the fix on (possibly with notices)."""
    DROP = "drop"
    """Discard the fix: it would mislead the processors."""


@dataclass(frozen=True, slots=True)
class Context:
    """What a rule needs besides the state and the fix."""

    now: float
    """The caller's clock (unix seconds); used when a fix has no `received` time."""
    lateness_s: float
    """How late (seconds behind the newest accepted fix) a live fix may arrive and be kept."""


@dataclass(frozen=True, slots=True)
class Finding:
    """What one rule says about one fix."""

    verdict: Verdict
    notice: Notice


def fix_key(fix: Fix) -> FixKey:
    """The identity of a fix for duplicate detection: its time and rounded position."""
    return (fix.t, round(fix.lat, POSITION_DECIMALS), round(fix.lon, POSITION_DECIMALS))


@dataclass(frozen=True, slots=True)
class QualityState:
    """What the quality rules remember about one vehicle; never mutated."""

    vehicle_id: str
    last: Fix | None = None
    """The newest accepted fix (largest t); a late fix kept out of order does not replace it."""
    recent: tuple[Fix, ...] = ()
    """The last DUPLICATE_MEMORY_FIXES accepted fixes, oldest first (their keys are
    computed only when a fix is no newer than the newest, the rare case)."""
    skews: tuple[float, ...] = ()
    """received - t (seconds) of the last SKEW_WINDOW_FIXES accepted live fixes that had
    a received time, oldest first."""
    least_skew: float | None = None
    """min(skews), kept with them (read on every fix)."""

    @property
    def skew_s(self) -> float | None:
        """The vehicle's clock offset estimate in seconds: the least received - t of the
        recent fixes.

        Add it to a fix's t to put it on the platform's clock. The least, not the median:
        delays only ever add to received - t, and a terminal that re-sends its store
        after a lost link (not always flagged as such, e.g. in files) would otherwise
        drag the estimate by minutes. None until a live fix with a received time has
        been accepted.
        """
        return self.least_skew

    @property
    def recent_keys(self) -> frozenset[FixKey]:
        """The duplicate keys of the recent accepted fixes."""
        return frozenset(fix_key(f) for f in self.recent)

    def accept(self, fix: Fix) -> QualityState:
        """The state after `fix` was kept."""
        last = fix if self.last is None or fix.t >= self.last.t else self.last
        recent = (*self.recent, fix)[-DUPLICATE_MEMORY_FIXES:]
        skews, least = self.skews, self.least_skew
        if not fix.blind_area and fix.received is not None:
            skew = fix.received - fix.t
            if math.isfinite(skew):
                gone = skews[0] if len(skews) >= SKEW_WINDOW_FIXES else None
                skews = (*skews, skew)[-SKEW_WINDOW_FIXES:]
                if least is None or skew <= least:
                    least = skew
                elif gone is not None and gone <= least:
                    least = min(skews)  # the least left the window
        return QualityState(self.vehicle_id, last, recent, skews, least)


def fmt_position(lat: float, lon: float) -> str:
    return f"{lat:.6f},{lon:.6f}"
