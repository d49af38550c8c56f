"""Today's record read into memory as the server starts, not on the first screen.

Why: late in a 1,000-bus day the first answer of each day module took seconds after a
restart (today's stop events and loads into memory, prediction errors counted by the
database: about 30 s at 19:00), and the first dispatcher to open 服务监管 would wait for
all of it. The server starts this in a thread of its own and answers meanwhile.
"""

from __future__ import annotations

import logging
import threading
import time

from fastapi import FastAPI

from busbrain.api.arrivals import TimetableCache
from busbrain.api.dayrecord import DayRecord
from busbrain.api.predscores import PredictionScores, made_window

log = logging.getLogger(__name__)


def warm_up(app: FastAPI) -> threading.Thread:
    """Start reading today's record (stop events, passenger loads, prediction counts)
    in a daemon thread; returns it (tests join it)."""
    thread = threading.Thread(target=_warm, args=(app,), name="warm-up", daemon=True)
    thread.start()
    return thread


def _warm(app: FastAPI) -> None:
    record: DayRecord | None = getattr(app.state, "record", None)
    if record is None:
        return
    t0 = time.perf_counter()
    try:
        day = record.today()
        record.stop_events(day, day)
        record.passenger_loads(day, day)
        timetable: TimetableCache | None = app.state.timetable
        scores: PredictionScores | None = app.state.prediction_scores
        window = None if timetable is None else made_window(timetable, day)
        if scores is not None and window is not None:
            scores.counts(day, *window)
        log.info("today's record read in %.1f s", time.perf_counter() - t0)
    except Exception:
        log.exception("reading today's record at start failed (the first screens will)")
