"""The network in a SQL store: the read side, returning domain values for the API."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import Engine, func, select

from busbrain.domain.network import (
    Agency,
    LocationType,
    Pattern,
    PatternStop,
    Route,
    Shape,
    ShapePoint,
    Stop,
    Trip,
)
from busbrain.store import schema as s
from busbrain.store.ports import BBox, NetworkSummary


def _opt(v: Any) -> Any:
    return None if v == "" else v


class SqlNetworkQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _count(self, table: Any) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    def summary(self) -> NetworkSummary:
        st = s.stop.c
        with self.engine.connect() as conn:
            box = conn.execute(
                select(
                    func.min(st.stop_lon),
                    func.min(st.stop_lat),
                    func.max(st.stop_lon),
                    func.max(st.stop_lat),
                ).where(st.stop_lat.is_not(None))
            ).one()
            last = conn.execute(
                select(s.feed_import.c.source, s.feed_import.c.imported_at)
                .order_by(s.feed_import.c.import_id.desc())
                .limit(1)
            ).first()
        imported_at = last[1] if last else None
        if isinstance(imported_at, dt.datetime) and imported_at.tzinfo is None:
            imported_at = imported_at.replace(tzinfo=dt.UTC)
        return NetworkSummary(
            agencies=self._count(s.agency),
            routes=self._count(s.route),
            stops=self._count(s.stop),
            patterns=self._count(s.pattern),
            trips=self._count(s.trip),
            stop_times=self._count(s.stop_time),
            shapes=self._count(s.shape),
            bbox=BBox(*box) if box[0] is not None else None,
            source=last[0] if last else None,
            imported_at=imported_at,
        )

    def list_agencies(self) -> list[Agency]:
        a = s.agency.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(s.agency).order_by(a.agency_id)).all()
        return [
            Agency(
                r.agency_id,
                r.agency_name,
                r.agency_url,
                r.agency_timezone,
                r.agency_lang,
                r.agency_phone,
            )
            for r in rows
        ]

    def list_routes(self) -> list[Route]:
        r_ = s.route.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(s.route).order_by(r_.route_sort_order, r_.route_id)).all()
        return [
            Route(
                r.route_id,
                _opt(r.agency_id),
                r.route_short_name,
                r.route_long_name,
                r.route_type,
                r.route_color,
                r.route_text_color,
            )
            for r in rows
        ]

    def list_stops(self) -> list[Stop]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(s.stop).order_by(s.stop.c.stop_id)).all()
        return [
            Stop(
                stop_id=r.stop_id,
                name=r.stop_name or "",
                name_pinyin=r.name_pinyin or "",
                lat=r.stop_lat if r.stop_lat is not None else 0.0,
                lon=r.stop_lon if r.stop_lon is not None else 0.0,
                code=r.stop_code,
                location_type=LocationType(r.location_type or 0),
                parent_station=r.parent_station,
            )
            for r in rows
        ]

    def list_patterns(self) -> list[Pattern]:
        ps = s.pattern_stop.c
        stops: dict[str, list[PatternStop]] = defaultdict(list)
        with self.engine.connect() as conn:
            for r in conn.execute(
                select(ps.pattern_id, ps.stop_id, ps.dist_m).order_by(ps.pattern_id, ps.stop_index)
            ):
                stops[r.pattern_id].append(PatternStop(r.stop_id, r.dist_m))
            rows = conn.execute(select(s.pattern).order_by(s.pattern.c.pattern_id)).all()
        return [
            Pattern(
                r.pattern_id,
                r.route_id,
                r.direction_id,
                r.shape_id,
                r.headsign,
                tuple(stops[r.pattern_id]),
            )
            for r in rows
        ]

    def list_shapes(self) -> list[Shape]:
        sp = s.shape_point.c
        points: dict[str, list[ShapePoint]] = defaultdict(list)
        with self.engine.connect() as conn:
            for r in conn.execute(
                select(sp.shape_id, sp.lat, sp.lon, sp.dist_m).order_by(sp.shape_id, sp.seq)
            ):
                points[r.shape_id].append(ShapePoint(r.lat, r.lon, r.dist_m))
        return [Shape(k, tuple(v)) for k, v in sorted(points.items())]

    def find_trip(self, trip_id: str) -> Trip | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(s.trip).where(s.trip.c.trip_id == trip_id)).first()
        if r is None:
            return None
        return Trip(
            trip_id=r.trip_id,
            route_id=r.route_id,
            service_id=r.service_id,
            pattern_id=r.pattern_id or "",
            headsign=r.trip_headsign,
            direction_id=r.direction_id,
            block_id=r.block_id,
            shape_id=r.shape_id,
        )
