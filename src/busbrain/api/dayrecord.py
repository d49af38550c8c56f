"""The recent days' record (stop events, passenger loads) kept in memory for the console.

Why: 运营监管, 服务监管, 数据分析 and the line list read a whole service day's stop events
for every answer; late in a 1,000-bus day that is some 400,000 rows, seconds of reading
from the store while the live side waits for the interpreter. This keeps the last
`kept_days` service days in memory and, at most every `refresh_s` seconds (today) or
`settled_s` (earlier days, which change only when a late batch lands), fetches just the
rows written or replaced since the last read (the store's `recorded_utc`, minus
`overlap_s` for batches committed after later ones), replacing rows by key.

Readers never wait for a refresh that another reader is doing: they take the day as it
was. Older days are read from the store as before. Each day has a version that changes
only when its rows do (`DayRecord.version`), for a reader that wants to know whether
anything changed; the answers of api/answers.py are kept by age instead, as they also
depend on the clock and the live picture.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import polars as pl

from busbrain.realtime.live import service_date_of
from busbrain.store.ports import RealtimeHistory

KEY = ["service_date", "trip_id", "stop_sequence", "vehicle_id"]
"""Both tables' key: a row read again with this key replaces the one held."""


class _Reader(Protocol):
    def __call__(
        self,
        service_date_from: dt.date,
        service_date_to: dt.date,
        route_ids: set[str] | None = None,
        recorded_since: dt.datetime | None = None,
    ) -> pl.DataFrame: ...


@dataclass
class _Day:
    frame: pl.DataFrame
    newest: dt.datetime | None
    """The latest recorded_utc held (aware UTC), None while the day has no rows."""
    fetched: float
    """When it was last read (monotonic seconds)."""
    version: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Table:
    """One table's recent days."""

    def __init__(self, read: _Reader, owner: DayRecord) -> None:
        self._read = read
        self._owner = owner
        self._days: dict[dt.date, _Day] = {}
        self._lock = threading.Lock()

    def rows(
        self, first: dt.date, last: dt.date, route_ids: set[str] | None = None
    ) -> pl.DataFrame:
        if route_ids is not None and not route_ids:
            return self._read(first, first, set())
        frames: list[pl.DataFrame] = []
        recent = self._owner.recent_days()
        day, stored_from = first, None
        while day <= last:
            if day in recent:
                if stored_from is not None:
                    frames.append(self._read(stored_from, day - dt.timedelta(days=1), route_ids))
                    stored_from = None
                frames.append(_only(self.day(day).frame, route_ids))
            elif stored_from is None:
                stored_from = day
            day += dt.timedelta(days=1)
        if stored_from is not None:
            frames.append(self._read(stored_from, last, route_ids))
        return frames[0] if len(frames) == 1 else pl.concat(frames)

    def version(self, day: dt.date) -> int | None:
        """The day's version (changes when its rows do), None when it is not held."""
        if day not in self._owner.recent_days():
            return None
        return self.day(day).version

    def day(self, day: dt.date) -> _Day:
        """The day held, read first or refreshed when due."""
        with self._lock:
            held = self._days.get(day)
            if held is None:
                held = self._days[day] = _Day(pl.DataFrame(), None, -1e18, -1)
                recent = self._owner.recent_days()
                for d in [d for d in self._days if d not in recent]:
                    del self._days[d]
        due = self._owner.clock() - held.fetched >= self._owner.refresh_of(day)
        if not due:
            return held
        if not held.lock.acquire(blocking=held.version < 0):
            return held  # another reader refreshes it: take it as it is
        try:
            if self._owner.clock() - held.fetched >= self._owner.refresh_of(day):
                self._refresh(day, held)
        finally:
            held.lock.release()
        return held

    def _refresh(self, day: dt.date, held: _Day) -> None:
        started = self._owner.clock()
        if held.version < 0:
            frame = self._read(day, day)
            held.frame, held.version = frame, 0
        else:
            since = None
            if held.newest is not None:
                since = held.newest - dt.timedelta(seconds=self._owner.overlap_s)
            fresh = self._read(day, day, None, since)
            changed = fresh.join(held.frame, on=fresh.columns, how="anti", nulls_equal=True)
            if changed.height:
                kept = held.frame.join(changed.select(KEY), on=KEY, how="anti")
                held.frame = pl.concat([kept, changed]).sort(KEY)
                held.version += 1
        if held.frame.height:
            newest = held.frame["recorded_utc"].max()
            held.newest = newest if isinstance(newest, dt.datetime) else None
        held.fetched = started


def _only(frame: pl.DataFrame, route_ids: set[str] | None) -> pl.DataFrame:
    if route_ids is None:
        return frame
    return frame.filter(pl.col("route_id").is_in(sorted(route_ids)))


class DayRecord:
    """Reads like the history's `stop_events` and `passenger_loads`, from memory for the
    recent days. `clock` is monotonic seconds (tests pass their own); `now` is the app's
    clock (unix seconds), `tz` the network's time zone, which together say which service
    day is today."""

    def __init__(
        self,
        history: RealtimeHistory,
        now: Callable[[], float],
        tz: dt.tzinfo,
        *,
        refresh_s: float = 10.0,
        settled_s: float = 300.0,
        kept_days: int = 2,
        overlap_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.history = history
        self.now = now
        self.tz = tz
        self.refresh_s = refresh_s
        self.settled_s = settled_s
        self.kept_days = kept_days
        self.overlap_s = overlap_s
        self.clock = clock
        self._events = _Table(history.stop_events, self)
        self._loads = _Table(history.passenger_loads, self)

    def today(self) -> dt.date:
        return service_date_of(self.now(), self.tz)

    def recent_days(self) -> set[dt.date]:
        today = self.today()
        return {today - dt.timedelta(days=i) for i in range(self.kept_days)}

    def refresh_of(self, day: dt.date) -> float:
        """How stale the day may be, seconds."""
        return self.refresh_s if day >= self.today() else self.settled_s

    def stop_events(
        self, first: dt.date, last: dt.date, route_ids: set[str] | None = None
    ) -> pl.DataFrame:
        """As `RealtimeHistory.stop_events` (same columns, key order)."""
        return self._events.rows(first, last, route_ids)

    def passenger_loads(
        self, first: dt.date, last: dt.date, route_ids: set[str] | None = None
    ) -> pl.DataFrame:
        """As `RealtimeHistory.passenger_loads` (same columns, key order)."""
        return self._loads.rows(first, last, route_ids)

    def version(self, first: dt.date, last: dt.date) -> tuple[int | None, ...] | None:
        """The days' versions (stop events, then loads), or None when a day is not held
        (an answer over it cannot be kept by version)."""
        out: list[int | None] = []
        day = first
        while day <= last:
            for table in (self._events, self._loads):
                v = table.version(day)
                if v is None:
                    return None
                out.append(v)
            day += dt.timedelta(days=1)
        return tuple(out)
