"""The network of one service day, read through the store's ports (for the simulator
and the real-time processors), and the service-day clock."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from busbrain.domain.daynet import DayNetwork, build_day_network
from busbrain.domain.errors import BadInputError
from busbrain.domain.gtfstime import service_day_start, timezone_of
from busbrain.store.ports import NetworkQueries, ScheduleQueries

# service_day_start lives in the domain now; many callers still import it from here.
__all__ = [
    "load_day_network",
    "network_timezone",
    "next_service_day",
    "service_day_start",
    "service_hours",
]


def load_day_network(
    queries: NetworkQueries, schedule: ScheduleQueries, day: dt.date
) -> DayNetwork:
    """The network and the trips running on service day `day`; a clear error when the
    store is empty or nothing runs that day."""
    trips = schedule.trip_times_on(day)
    if not trips:
        services = schedule.list_services()
        if not services:
            raise BadInputError("the store holds no network: import a GTFS feed first")
        first = min(s.start_date for s in services)
        last = max(s.end_date for s in services)
        raise BadInputError(
            f"no trips run on {day.isoformat()} (the feed's services span {first} to {last})"
        )
    return build_day_network(
        queries.list_stops(), queries.list_patterns(), queries.list_shapes(), trips
    )


def network_timezone(queries: NetworkQueries) -> zoneinfo.ZoneInfo:
    """The first agency's timezone (GTFS times are local to it), else China's."""
    return timezone_of([a.timezone for a in queries.list_agencies()])


def next_service_day(schedule: ScheduleQueries, day: dt.date, *, within: int = 400) -> dt.date:
    """`day` if any service runs on it, else the next day that has one."""
    services = schedule.list_services()
    for k in range(within):
        d = day + dt.timedelta(days=k)
        if any(s.runs_on(d) for s in services):
            return d
    raise BadInputError(f"no service runs within {within} days of {day.isoformat()}")


def service_hours(
    schedule: ScheduleQueries, day: dt.date, tz: zoneinfo.ZoneInfo, *, margin_s: int = 3600
) -> tuple[dt.datetime, dt.datetime] | None:
    """The UTC window of `day`'s service: `margin_s` before its first scheduled departure
    to `margin_s` after its last arrival; None when nothing runs that day."""
    span = schedule.service_span(day)
    if span is None:
        return None
    lo, hi = span
    start = service_day_start(day, tz)
    return (
        dt.datetime.fromtimestamp(start + lo - margin_s, dt.UTC),
        dt.datetime.fromtimestamp(start + hi + margin_s, dt.UTC),
    )
