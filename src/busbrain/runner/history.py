"""What the live side keeps in the store: positions, stop events, predictions made, and
the passenger counters' riders per stop visit (the processor's `take_loads`).

Records are buffered and written in batches (a thread does the writing, the event loop
never waits on the store); a batch the store refuses stays buffered for the next try;
old rows are purged by the retention settings. Predictions
are logged every five minutes per vehicle (every refresh would be tens of rows per fix),
which samples every stop at every horizon band often enough to score them (a 1,000-bus
day still logs over a million), and only as far ahead as they are scored (the last
horizon band, 30 min): a bus's block-long predictions would be several times the rows,
that no figure reads.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from busbrain.domain.errors import BadInputError, StoreError
from busbrain.domain.events import Event, StopVisited
from busbrain.domain.history import (
    PassengerLoadRecord,
    PositionRecord,
    PredictionRecord,
    StopEventRecord,
)
from busbrain.oversight.service import HORIZON_BANDS
from busbrain.realtime.fixes import Fix
from busbrain.realtime.live import LiveProcessor
from busbrain.store.ports import RealtimeHistory

log = logging.getLogger(__name__)
PREDICTION_LOG_EVERY_S = 300.0
MAX_PENDING = 2_000_000
"""Records of one kind kept while the store refuses them: a 1,000-bus city's positions
of about 5 hours at one per 10 s (some 400 MB), beyond which the oldest are dropped."""
PREDICTION_LOG_AHEAD_S = HORIZON_BANDS[-1].hi_s
"""Predictions further ahead than this (seconds after they were made) are not logged."""


@dataclass(frozen=True, slots=True)
class Retention:
    """How long history is kept, days (stop events feed the prediction models: longer)."""

    positions_days: float = 30.0
    predictions_days: float = 7.0
    stop_events_days: float = 400.0
    passenger_loads_days: float = 400.0
    """As stop events: 数据分析 compares loads over months, and a row per counted stop
    visit is small."""


def _utc(t: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(t, dt.UTC)


@dataclass
class HistoryBuffer:
    history: RealtimeHistory
    retention: Retention = field(default_factory=Retention)
    positions: list[PositionRecord] = field(default_factory=list)
    stop_events: list[StopEventRecord] = field(default_factory=list)
    predictions: list[PredictionRecord] = field(default_factory=list)
    loads: list[PassengerLoadRecord] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)
    """Per kind, records dropped because the store refused them for too long."""
    _logged: dict[str, float] = field(default_factory=dict)
    _purged: float = 0.0

    def take_events(self, processor: LiveProcessor, events: list[Event], now: float) -> None:
        """Remember the stop events among `events` (a refined one replaces the first when
        stored: same key), and the stop loads the processor has made since."""
        day = processor.day
        for x in processor.take_loads():
            self.loads.append(
                PassengerLoadRecord(
                    x.service_date, x.vehicle_id, x.trip_id, x.stop_id, x.stop_sequence,
                    x.boarded, x.alighted, x.onboard_after, x.capacity, _utc(now),
                )
            )  # fmt: skip
        for e in events:
            if isinstance(e, StopVisited) and day is not None:
                self.stop_events.append(
                    StopEventRecord(
                        day, e.vehicle or e.phone, e.trip_id, e.stop_id, e.stop_sequence,
                        e.ts_utc, e.departure_utc, e.stopped, _utc(now),
                    )
                )  # fmt: skip

    def take(self, processor: LiveProcessor, fix: Fix, events: list[Event], now: float) -> None:
        """Remember what one processed fix gave."""
        v = processor.vehicles.get(fix.vehicle_id)
        rt = processor.rt
        trip_id = None
        if v is not None and rt is not None and v.track.trip >= 0:
            trip_id = rt.net.trips[v.track.trip].trip_id
        if v is not None and v.fix is fix:
            self.positions.append(
                PositionRecord(
                    fix.vehicle_id, _utc(v.t), fix.lat, fix.lon, fix.speed_kmh, fix.heading, trip_id
                )
            )
        self.take_events(processor, events, now)
        if v is None or rt is None or not v.predictions or v.predicted_at is None:
            return
        if v.predicted_at - self._logged.get(fix.vehicle_id, -1e18) < PREDICTION_LOG_EVERY_S:
            return
        self._logged[fix.vehicle_id] = v.predicted_at
        net, u = rt.net, rt.day_start_unix
        for p in (row for pred in v.predictions for row in pred.rows()):
            if p.predicted - p.made_at > PREDICTION_LOG_AHEAD_S:
                continue
            trip = net.trips[p.trip]
            self.predictions.append(
                PredictionRecord(
                    p.vehicle_id,
                    trip.trip_id,
                    net.stop_ids[int(net.patterns[trip.pattern].stops[p.k])],
                    trip.stop_sequences[p.k],
                    _utc(u + p.made_at),
                    _utc(u + p.predicted),
                    p.method,
                )
            )

    async def flush(self, now: float) -> None:
        """Write what is buffered (and purge once an hour). Errors are logged, not raised:
        the live picture must go on when the store is slow or down. A batch the store
        refused (locked, down: each write is all or nothing) stays buffered for the next
        flush, behind nothing newer; records the store finds invalid are dropped, the
        rest kept. Past `MAX_PENDING` of a kind the oldest go, counted in `dropped`."""
        kinds: tuple[tuple[str, Callable[[Any], int]], ...] = (
            ("positions", self.history.add_positions),
            ("stop_events", self.history.add_stop_events),
            ("predictions", self.history.add_predictions),
            ("loads", self.history.add_passenger_loads),
        )
        for kind, write in kinds:
            rows: list[Any] = getattr(self, kind)
            if not rows:
                continue
            setattr(self, kind, [])
            try:
                await asyncio.to_thread(write, rows)
            except BadInputError as exc:
                kept = [r for r in rows if r.problem() is None]
                log.warning(
                    "history: %d of %d %s refused as invalid (%s); the other %d kept",
                    len(rows) - len(kept), len(rows), kind, exc, len(kept),
                )  # fmt: skip
                self._keep(kind, kept)
            except Exception as exc:  # the store's trouble, or ours: never the live side's
                log.warning(
                    "history: %d %s not written yet, kept for the next try: %s",
                    len(rows), kind, exc, exc_info=not isinstance(exc, StoreError),
                )  # fmt: skip
                self._keep(kind, rows)
        if now - self._purged >= 3600:
            self._purged = now
            try:
                await asyncio.to_thread(self._purge, now)
            except Exception as exc:
                log.warning("history purge failed, tried again in an hour: %s", exc)

    def _keep(self, kind: str, rows: list[Any]) -> None:
        """Put `rows`, taken for a write that failed, back before what came since."""
        pending: list[Any] = rows + getattr(self, kind)
        if len(pending) > MAX_PENDING:
            gone = len(pending) - MAX_PENDING
            self.dropped[kind] = self.dropped.get(kind, 0) + gone
            log.error(
                "history: the store has refused %s for long; the oldest %d dropped "
                "(%d in all)", kind, gone, self.dropped[kind],
            )  # fmt: skip
            pending = pending[gone:]
        setattr(self, kind, pending)

    def _purge(self, now: float) -> None:
        r = self.retention
        day = 86400.0
        self.history.purge(_utc(now - r.positions_days * day), positions=True, predictions=False)
        self.history.purge(_utc(now - r.predictions_days * day), positions=False, predictions=True)
        self.history.purge(
            _utc(now - r.stop_events_days * day),
            positions=False,
            predictions=False,
            stop_events=True,
        )
        self.history.purge(
            _utc(now - r.passenger_loads_days * day),
            positions=False,
            predictions=False,
            passenger_loads=True,
        )
