"""Services and blocks from a SQL store: the timetable's read side.

A service may be defined by calendar.txt, by calendar_dates.txt alone (as many real
feeds do), or both; ServiceCalendar holds either form, so callers never care which.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import Engine, func, select

from busbrain.domain.network import Block, BlockTrip, ServiceCalendar, TripTimes
from busbrain.store import schema as s

_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _as_date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


class SqlScheduleQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def list_services(self) -> list[ServiceCalendar]:
        added: dict[str, set[dt.date]] = defaultdict(set)
        removed: dict[str, set[dt.date]] = defaultdict(set)
        with self.engine.connect() as conn:
            for r in conn.execute(select(s.calendar_date)):
                day = _as_date(r.date)
                (added if r.exception_type == 1 else removed)[r.service_id].add(day)
            weekly = {r.service_id: r for r in conn.execute(select(s.service_calendar))}
        out = []
        for sid in sorted(set(weekly) | set(added) | set(removed)):
            w = weekly.get(sid)
            if w is not None:
                mo, tu, we, th, fr, sa, su = (bool(getattr(w, d)) for d in _DAYS)
                days = (mo, tu, we, th, fr, sa, su)
                start, end = _as_date(w.start_date), _as_date(w.end_date)
            else:
                dates = added[sid] | removed[sid]
                days = (False, False, False, False, False, False, False)
                start, end = min(dates), max(dates)
            out.append(
                ServiceCalendar(
                    sid,
                    days,
                    start,
                    end,
                    frozenset(added[sid]),
                    frozenset(removed[sid]),
                )
            )
        return out

    def list_blocks(self, day: dt.date) -> list[Block]:
        running = [c.service_id for c in self.list_services() if c.runs_on(day)]
        if not running:
            return []
        t, st = s.trip.c, s.stop_time.c
        first = func.min(st.stop_sequence)
        last = func.max(st.stop_sequence)
        spans = (
            select(
                st.trip_id,
                func.min(st.departure_s).label("dep"),
                func.max(st.arrival_s).label("arr"),
                first.label("first_seq"),
                last.label("last_seq"),
            )
            .group_by(st.trip_id)
            .subquery()
        )
        ends = select(st.trip_id, st.stop_sequence, st.stop_id).subquery()
        f_end, l_end = ends.alias("f_end"), ends.alias("l_end")
        query = (
            select(
                t.block_id,
                t.trip_id,
                t.route_id,
                spans.c.dep,
                spans.c.arr,
                f_end.c.stop_id.label("first_stop"),
                l_end.c.stop_id.label("last_stop"),
            )
            .join(spans, spans.c.trip_id == t.trip_id)
            .join(
                f_end, (f_end.c.trip_id == t.trip_id) & (f_end.c.stop_sequence == spans.c.first_seq)
            )
            .join(
                l_end, (l_end.c.trip_id == t.trip_id) & (l_end.c.stop_sequence == spans.c.last_seq)
            )
            .where(t.block_id.is_not(None), t.service_id.in_(running))
            .order_by(t.block_id, spans.c.dep)
        )
        blocks: dict[str, list[BlockTrip]] = defaultdict(list)
        with self.engine.connect() as conn:
            for r in conn.execute(query):
                blocks[r.block_id].append(
                    BlockTrip(r.trip_id, r.route_id, r.dep, r.arr, r.first_stop, r.last_stop)
                )
        return [Block(bid, day, tuple(trips)) for bid, trips in sorted(blocks.items())]

    def service_span(self, day: dt.date) -> tuple[int, int] | None:
        running = [c.service_id for c in self.list_services() if c.runs_on(day)]
        if not running:
            return None
        t, st = s.trip.c, s.stop_time.c
        with self.engine.connect() as conn:
            lo, hi = conn.execute(
                select(
                    func.min(func.coalesce(st.departure_s, st.arrival_s)),
                    func.max(func.coalesce(st.arrival_s, st.departure_s)),
                )
                .join(s.trip, st.trip_id == t.trip_id)
                .where(t.service_id.in_(running))
            ).one()
        return None if lo is None or hi is None else (int(lo), int(hi))

    def trip_times_on(self, day: dt.date) -> list[TripTimes]:
        running = [c.service_id for c in self.list_services() if c.runs_on(day)]
        if not running:
            return []
        t, st = s.trip.c, s.stop_time.c
        query = (
            select(
                t.trip_id,
                t.route_id,
                t.pattern_id,
                t.block_id,
                t.direction_id,
                st.stop_id,
                st.stop_sequence,
                st.arrival_s,
                st.departure_s,
                st.timepoint,
            )
            .join(s.stop_time, st.trip_id == t.trip_id)
            .where(t.service_id.in_(running), t.pattern_id.is_not(None))
            .order_by(t.trip_id, st.stop_sequence)
        )
        out: list[TripTimes] = []
        rows: list[Any] = []

        def flush() -> None:
            head = rows[0]
            out.append(
                TripTimes(
                    head.trip_id,
                    head.route_id,
                    head.pattern_id,
                    head.block_id,
                    head.direction_id,
                    tuple(r.stop_id for r in rows),
                    tuple(r.arrival_s for r in rows),
                    tuple(r.departure_s for r in rows),
                    tuple(r.stop_sequence for r in rows),
                    tuple(r.timepoint for r in rows),
                )
            )

        with self.engine.connect() as conn:
            for r in conn.execute(query):
                if rows and rows[0].trip_id != r.trip_id:
                    flush()
                    rows = []
                rows.append(r)
        if rows:
            flush()
        return out
