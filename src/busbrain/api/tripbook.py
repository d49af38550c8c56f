"""The app's copy of today's trip changes, and what they mean for the feeds and boards.

The store holds the changes (`TripChanges`); every request that shows service to riders
(GTFS-Realtime, the arrivals boards, the dispatch strip) needs them, so the app keeps the
day's active ones in memory (`TripBook`): read from the store the first time a day is
asked for, and again after every change the API makes, each time with a higher
`version` that caches key on. After each reload the changes are also handed to
`on_change` (the live processor's inbox in `busbrain serve`), so the matching of buses
follows them too. A change made by another process is seen at the next change here or
the next service day (one API process per store is the deployment).

`ChangeView` is the day's changes joined with the timetable: the scheduled calls an
extra trip (加班车) adds, and the `TripEdit`s the GTFS-Realtime feed publishes.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from busbrain.api.arrivals import Call, DayCalls, TimetableCache
from busbrain.api.gtfsrt import TripEdit
from busbrain.domain.gtfstime import format_time_s, service_day_start
from busbrain.domain.tripchanges import ChangeKind, DayChanges, TripChange
from busbrain.realtime.live import service_date_of
from busbrain.store.ports import TripChanges

ChangeSink = Callable[[dt.date, Sequence[TripChange]], None]
"""Takes a service day's active changes after every change (thread-safe, quick)."""


@dataclass(frozen=True, slots=True)
class ChangeView:
    """A day's changes with the timetable applied."""

    changes: DayChanges
    extra_calls: dict[str, list[Call]] = field(default_factory=dict)
    """stop -> the scheduled calls of the day's extra trips there, by arrival."""
    extra_trip_calls: dict[str, list[Call]] = field(default_factory=dict)
    """extra trip id -> its calls in stop_sequence order."""
    edits: tuple[TripEdit, ...] = ()


def extra_calls_of(extra: TripChange, source: list[Call], day_start_unix: float) -> list[Call]:
    """The calls of an extra trip: the source trip's, shifted so that it starts at the
    extra's `start_time_s` (seconds after the service day's start)."""
    if not source or extra.start_time_s is None or not extra.new_trip_id:
        return []
    shift = day_start_unix + extra.start_time_s - source[0].trip_start_unix
    return [
        Call(
            extra.new_trip_id, c.route_id, c.direction_id, c.stop_id, c.stop_sequence,
            c.arrival_unix + shift, c.trip_start_unix + shift, c.trip_end_unix + shift,
        )
        for c in source
    ]  # fmt: skip


def view_of(changes: DayChanges, calls: DayCalls, day_start_unix: float) -> ChangeView:
    """Join `changes` with the day's timetable `calls` (day starting at `day_start_unix`)."""
    if changes.day is None:
        return ChangeView(changes)
    date = changes.day.strftime("%Y%m%d")
    edits: list[TripEdit] = []
    by_stop: dict[str, list[Call]] = {}
    by_trip: dict[str, list[Call]] = {}

    def edit(kind: str, trip: list[Call], **more: object) -> TripEdit:
        first = trip[0]
        return TripEdit(
            kind,
            first.trip_id,
            first.route_id,
            first.direction_id,
            date,
            format_time_s(max(0, round(first.trip_start_unix - day_start_unix))),
            tuple((c.stop_sequence, c.stop_id, c.arrival_unix) for c in trip),
            **more,  # type: ignore[arg-type]
        )

    for c in changes.changes:
        source = calls.by_trip.get(c.trip_id or "")
        if not source:
            continue
        if c.kind is ChangeKind.CANCEL:
            edits.append(edit("cancel", source))
        elif c.kind is ChangeKind.SHORT_TURN:
            served = (c.from_stop_sequence or 0, c.to_stop_sequence or 0)
            edits.append(edit("short_turn", source, served=served))
        elif c.kind is ChangeKind.EXTRA and c.new_trip_id and c.start_time_s is not None:
            copy = extra_calls_of(c, source, day_start_unix)
            by_trip[c.new_trip_id] = copy
            for k in copy:
                by_stop.setdefault(k.stop_id, []).append(k)
            edits.append(
                edit(
                    "extra",
                    source,
                    new_trip_id=c.new_trip_id,
                    new_start_time=format_time_s(c.start_time_s),
                    new_calls=tuple((k.stop_sequence, k.stop_id, k.arrival_unix) for k in copy),
                )
            )
    for stop_calls in by_stop.values():
        stop_calls.sort(key=lambda k: k.arrival_unix)
    return ChangeView(changes, by_stop, by_trip, tuple(edits))


class TripBook:
    """Today's active trip changes for the app's readers (see the module docstring)."""

    def __init__(
        self,
        store: TripChanges | None,
        timetable: TimetableCache | None,
        tz: dt.tzinfo,
        on_change: ChangeSink | None = None,
    ) -> None:
        self.store = store
        self.timetable = timetable
        self.tz = tz
        self.on_change = on_change
        self._lock = threading.Lock()
        self._version = 0
        self._days: dict[dt.date, DayChanges] = {}
        self._views: dict[tuple[dt.date, int], ChangeView] = {}

    @property
    def version(self) -> int:
        return self._version

    def day_of(self, now: float) -> dt.date:
        return service_date_of(now, self.tz)

    def day(self, day: dt.date) -> DayChanges:
        """The day's active changes (read from the store the first time)."""
        with self._lock:
            got = self._days.get(day)
        if got is None:
            got = self._load(day, bump=False)
        return got

    def reload(self, day: dt.date) -> DayChanges:
        """Read the day again after a change, with a new version, and hand it over."""
        return self._load(day, bump=True)

    def _load(self, day: dt.date, *, bump: bool) -> DayChanges:
        found = [] if self.store is None else self.store.changes_on(day)
        with self._lock:
            if bump:
                self._version += 1
            got = DayChanges.of(day, found, self._version)
            self._days = {d: v for d, v in self._days.items() if abs((d - day).days) <= 1}
            self._days[day] = got
        if bump and self.on_change is not None:
            self.on_change(day, got.changes)
        return got

    def view(self, now: float) -> ChangeView:
        """Today's changes joined with today's timetable (cached per version)."""
        day = self.day_of(now)
        changes = self.day(day)
        key = (day, changes.version)
        with self._lock:
            got = self._views.get(key)
        if got is not None:
            return got
        if not changes.changes or self.timetable is None:
            got = ChangeView(changes)
        else:
            got = view_of(changes, self.timetable.day(day), service_day_start(day, self.tz))
        with self._lock:
            self._views = {k: v for k, v in self._views.items() if k[0] == day}
            self._views[key] = got
        return got
