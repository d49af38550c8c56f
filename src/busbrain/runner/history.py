"""What the live side keeps in the store: positions, stop events, predictions made, and
the passenger counters' riders per stop visit (the processor's `take_loads`).

Records are buffered and written in batches (a thread does the writing, the event loop
never waits on the store); old rows are purged by the retention settings. Predictions
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
from dataclasses import dataclass, field

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
        """Write what is buffered (and purge once an hour); errors are logged, not raised:
        the live picture must go on when the store is slow or down."""
        positions, stops, preds = self.positions, self.stop_events, self.predictions
        loads = self.loads
        self.positions, self.stop_events, self.predictions, self.loads = [], [], [], []
        try:
            if positions:
                await asyncio.to_thread(self.history.add_positions, positions)
            if stops:
                await asyncio.to_thread(self.history.add_stop_events, stops)
            if preds:
                await asyncio.to_thread(self.history.add_predictions, preds)
            if loads:
                await asyncio.to_thread(self.history.add_passenger_loads, loads)
            if now - self._purged >= 3600:
                self._purged = now
                await asyncio.to_thread(self._purge, now)
        except Exception:
            log.exception("history not written (%d positions dropped)", len(positions))

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
