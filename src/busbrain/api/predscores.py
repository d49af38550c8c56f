"""服务监管's prediction accuracy for the recent days, counted in the database.

Why: a 1,000-bus day logs over a million predictions; reading them into the server to
score them took a minute late in the day. The store counts them instead
(`RealtimeHistory.prediction_error_counts`: per method, line, horizon band and error to
the second), and this keeps the counts of predictions that can no longer change, made
more than `RECENT_MADE_S` ago (their bus has come or never will), adding each newly
settled stretch once, and counts the recent rest again at most every
`PREDICTION_REFRESH_S`, in a thread of its own: only the first read of a day waits.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, field

import polars as pl

from busbrain.api.arrivals import TimetableCache
from busbrain.api.dayrecord import DayRecord
from busbrain.domain.gtfstime import service_day_start
from busbrain.oversight.service import HORIZON_BANDS, RECENT_MADE_S

log = logging.getLogger(__name__)
PREDICTION_REFRESH_S = 60.0
"""The recent predictions are counted again at most this often (seconds): accuracy is a
figure of the day, not of the minute."""
BANDS = tuple((b.label, b.lo_s, b.hi_s) for b in HORIZON_BANDS)
KEY = ["method", "route_id", "band", "error_s"]
PREDICTION_MARGIN_S = 3600
"""Predictions are read from this long before the day's first departure to this long
after its last arrival (a prediction is at most 30 min ahead; buses run late)."""


def made_window(timetable: TimetableCache, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
    """When the predictions of service day `day` were made (UTC), None when nothing runs."""
    span = timetable.schedule.service_span(day)
    if span is None:
        return None
    start = service_day_start(day, timetable.tz)
    return (
        dt.datetime.fromtimestamp(start + span[0] - PREDICTION_MARGIN_S, dt.UTC),
        dt.datetime.fromtimestamp(start + span[1] + PREDICTION_MARGIN_S, dt.UTC),
    )


def merged(*counts: pl.DataFrame) -> pl.DataFrame:
    """Counts added up by method, line, band and error."""
    return pl.concat(counts).group_by(KEY).agg(pl.col("n").sum()).sort(KEY)


@dataclass
class _Day:
    settled: pl.DataFrame | None = None
    settled_to: dt.datetime | None = None
    """Predictions made before this are in `settled` (aware UTC)."""
    recent: pl.DataFrame | None = None
    fetched: float = -1e18
    lock: threading.Lock = field(default_factory=threading.Lock)


class PredictionScores:
    """Counted prediction errors per recent service day (`record.recent_days()`)."""

    def __init__(
        self, record: DayRecord, *, settle_s: float = RECENT_MADE_S, background: bool = True
    ) -> None:
        self.record = record
        self.settle_s = settle_s
        self.background = background
        self._days: dict[dt.date, _Day] = {}
        self._lock = threading.Lock()

    def counts(
        self, day: dt.date, made_from: dt.datetime, made_to: dt.datetime
    ) -> pl.DataFrame | None:
        """The day's counts (see the module) for predictions made in [`made_from`,
        `made_to`) (its service hours); None when the day is not a recent one (the
        caller counts it from the store in one go)."""
        if day not in self.record.recent_days():
            return None
        with self._lock:
            held = self._days.get(day)
            if held is None:
                held = self._days[day] = _Day()
                for d in [d for d in self._days if d not in self.record.recent_days()]:
                    del self._days[d]
        first = held.recent is None
        if self._due(day, held) and held.lock.acquire(blocking=first):
            if first or not self.background:
                self._recount_held(day, held, made_from, made_to)
            else:  # what is held is served; the recount goes on in a thread
                threading.Thread(
                    target=self._recount_held,
                    args=(day, held, made_from, made_to),
                    name="prediction-counts",
                    daemon=True,
                ).start()
        parts = [c for c in (held.settled, held.recent) if c is not None]
        return merged(*parts) if parts else None

    def _recount_held(
        self, day: dt.date, held: _Day, made_from: dt.datetime, made_to: dt.datetime
    ) -> None:
        """Recount (the caller holds `held.lock`, released here) when still due."""
        try:
            if self._due(day, held):
                self._recount(day, held, made_from, made_to)
        except Exception:
            log.exception("counting prediction errors failed; the counts before stay")
        finally:
            held.lock.release()

    def _due(self, day: dt.date, held: _Day) -> bool:
        every = self.record.refresh_of(day)
        every = 0.0 if every <= 0 else max(every, PREDICTION_REFRESH_S)
        return self.record.clock() - held.fetched >= every

    def _recount(
        self, day: dt.date, held: _Day, made_from: dt.datetime, made_to: dt.datetime
    ) -> None:
        started = self.record.clock()
        history = self.record.history
        now = dt.datetime.fromtimestamp(self.record.now(), dt.UTC)
        edge = max(min(made_to, now - dt.timedelta(seconds=self.settle_s)), made_from)
        start = held.settled_to or made_from
        if edge > start:
            more = history.prediction_error_counts(day, start, edge, BANDS, RECENT_MADE_S)
            held.settled = more if held.settled is None else merged(held.settled, more)
            held.settled_to = edge
        begin = max(start, edge)
        held.recent = history.prediction_error_counts(day, begin, made_to, BANDS, RECENT_MADE_S)
        held.fetched = started
