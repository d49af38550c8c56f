"""服务监管's prediction accuracy for the recent days, scored as the buses arrive.

Why: a 1,000-bus day logs some ten million predictions (once a minute per bus, up to
30 min ahead); reading and joining them all for each answer would take a minute. This
reads only the predictions made since the last read, keeps them until their bus reaches
the stop (the day's stop events, from the in-memory DayRecord), then keeps just what the
figures need (method, route, band, error, accurate) and drops the rest. A prediction is
scored once, against the stop event as first seen (a later refinement of that event, a
few seconds at most, is not re-scored); one whose bus never comes is dropped
`RECENT_MADE_S` after it was made, as the store-wide scoring drops it.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from busbrain.api.dayrecord import DayRecord
from busbrain.oversight.service import HORIZON_BANDS, RECENT_MADE_S, prediction_errors

KEY = ["trip_id", "stop_sequence", "vehicle_id", "method", "made_utc"]
"""A logged prediction's key in the store."""
SCORED = ["method", "route_id", "band", "error_s", "accurate"]
AHEAD_S = HORIZON_BANDS[-1].hi_s


@dataclass
class _Day:
    pending: pl.DataFrame | None = None
    scored: list[pl.DataFrame] = field(default_factory=list)
    seen: pl.DataFrame | None = None
    """Keys of the predictions made in the last `overlap_s` before the newest read (a
    re-read of that stretch adds none of them twice)."""
    newest: dt.datetime | None = None
    fetched: float = -1e18
    lock: threading.Lock = field(default_factory=threading.Lock)


class PredictionScores:
    """Scored predictions per recent service day (`record.recent_days()`)."""

    def __init__(
        self,
        record: DayRecord,
        *,
        overlap_s: float = 300.0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.record = record
        self.overlap_s = overlap_s
        self.clock = clock
        self._days: dict[dt.date, _Day] = {}
        self._lock = threading.Lock()

    def _mono(self) -> float:
        return (self.clock or self.record.clock)()

    def scored(
        self, day: dt.date, made_from: dt.datetime, made_to: dt.datetime
    ) -> pl.DataFrame | None:
        """The day's predictions scored so far (columns `SCORED`), made in
        [`made_from`, `made_to`) (the day's service hours); None when the day is not one
        of the recent days held (the caller scores from the store)."""
        if day not in self.record.recent_days():
            return None
        with self._lock:
            held = self._days.get(day)
            if held is None:
                held = self._days[day] = _Day()
                for d in [d for d in self._days if d not in self.record.recent_days()]:
                    del self._days[d]
        due = self._mono() - held.fetched >= self.record.refresh_of(day)
        if due and held.lock.acquire(blocking=held.pending is None):
            try:
                if self._mono() - held.fetched >= self.record.refresh_of(day):
                    self._refresh(day, held, made_from, made_to)
            finally:
                held.lock.release()
        if not held.scored:
            return _empty()
        if len(held.scored) > 1:
            held.scored = [pl.concat(held.scored)]
        return held.scored[0]

    def _refresh(
        self, day: dt.date, held: _Day, made_from: dt.datetime, made_to: dt.datetime
    ) -> None:
        started = self._mono()
        since = made_from
        if held.newest is not None:
            since = max(made_from, held.newest - dt.timedelta(seconds=self.overlap_s))
        fresh = self.record.history.predictions(since, made_to)
        ahead = (fresh["predicted_utc"] - fresh["made_utc"]).dt.total_seconds()
        fresh = fresh.filter((ahead >= 0) & (ahead <= AHEAD_S))
        if held.seen is not None:
            fresh = fresh.join(held.seen, on=KEY, how="anti")
        if fresh.height:
            newest = fresh["made_utc"].max()
            assert isinstance(newest, dt.datetime)
            held.newest = newest if held.newest is None else max(held.newest, newest)
        keys = fresh.select(KEY)
        if held.seen is not None:
            keys = pl.concat([held.seen, keys])
        if held.newest is not None:
            edge = held.newest - dt.timedelta(seconds=self.overlap_s)
            keys = keys.filter(pl.col("made_utc") >= edge)
        held.seen = keys
        pending = fresh if held.pending is None else pl.concat([held.pending, fresh])
        events = self.record.stop_events(day, day)
        matched = prediction_errors(pending, events)
        if matched.height:
            held.scored.append(matched.select(SCORED))
            pending = pending.join(matched.select(KEY), on=KEY, how="anti")
        now = dt.datetime.fromtimestamp(self.record.now(), dt.UTC)
        held.pending = pending.filter(
            pl.col("made_utc") >= now - dt.timedelta(seconds=RECENT_MADE_S)
        )
        held.fetched = started


def _empty() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "method": pl.String(),
            "route_id": pl.String(),
            "band": pl.String(),
            "error_s": pl.Float64(),
            "accurate": pl.Boolean(),
        }
    )
