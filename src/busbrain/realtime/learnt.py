"""Running times and dwells learnt from past days' stop events, by time of day.

Why: the timetable is the planner's guess. Past days of the same kind (weekdays,
Saturdays, Sundays) say how long each stop-to-stop segment really takes at each time of
day, and how long buses really stand at each stop; the predictor starts from that and
lets today's buses correct it (realtime.predict). Segments are keyed by their two stop
ids, as in the predictor, so lines sharing a corridor learn together.

Times: `BAND_S`-second bands of local time of day (a GTFS time past 24:00 falls in the
band of the clock time); running times and dwells in seconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

BAND_S = 1800
"""Half-hour bands: peaks rise and fall within an hour."""
BANDS = 86400 // BAND_S


@dataclass(frozen=True, slots=True)
class Learnt:
    """Medians from past days: `runs[(from_stop, to_stop)]` per band (None where the
    band has too few runs), `dwells[stop]` over the whole day and `dwell_bands[stop]`
    per band (s)."""

    runs: dict[tuple[str, str], list[float | None]]
    dwells: dict[str, float]
    days: int
    run_count: int
    dwell_bands: dict[str, list[float | None]] = field(default_factory=dict)

    def run_s(self, a: str, b: str, band: int) -> float | None:
        """The learnt running time from stop `a` to `b` in `band`, or None."""
        found = self.runs.get((a, b))
        return None if found is None else found[band % BANDS]

    def dwell_s(self, stop: str, band: int) -> float | None:
        """The learnt dwell at `stop` in `band`, else its whole-day one, or None."""
        found = self.dwell_bands.get(stop)
        if found is not None and (d := found[band % BANDS]) is not None:
            return d
        return self.dwells.get(stop)


def band_of(seconds_of_day: float) -> int:
    return int(seconds_of_day // BAND_S) % BANDS


def same_kind(day: dt.date, other: dt.date) -> bool:
    """Weekdays learn from weekdays, Saturdays from Saturdays, Sundays from Sundays."""
    return _kind(day) == _kind(other)


def _kind(day: dt.date) -> int:
    return 0 if day.weekday() < 5 else day.weekday()
