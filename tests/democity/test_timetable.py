"""The demo feed's service: calendars, headways, running times, dwell, vehicle blocks."""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections import defaultdict

from busbrain.domain.gtfstime import parse_date, parse_time_s

from .helpers import Feed, Row

H = 3600
M = 60


def _t(row: Row, key: str) -> int:
    return parse_time_s(str(row[key]))


def test_sizes(feed: Feed) -> None:
    assert 8_000 <= len(feed["trips.txt"]) <= 20_000
    assert len(feed["stop_times.txt"]) < 700_000


def test_calendars(feed: Feed) -> None:
    cal = {r["service_id"]: r for r in feed["calendar.txt"]}
    assert set(cal) == {"WD", "WE"}
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    assert [cal["WD"][d] for d in days] == [1, 1, 1, 1, 1, 0, 0]
    assert [cal["WE"][d] for d in days] == [0, 0, 0, 0, 0, 1, 1]
    for r in cal.values():
        assert parse_date(str(r["start_date"])) <= dt.date(2026, 1, 1)
        assert parse_date(str(r["end_date"])) >= dt.date(2027, 12, 31)
    exceptions = {
        (r["service_id"], r["date"]): r["exception_type"] for r in feed["calendar_dates.txt"]
    }
    national_day = [dt.date(2026, 10, d) for d in range(1, 8)]
    for day in national_day:
        if day.weekday() < 5:
            key = day.strftime("%Y%m%d")
            assert exceptions[("WD", key)] == 2 and exceptions[("WE", key)] == 1
    info = feed["feed_info.txt"][0]
    assert info["feed_lang"] == "zh" and info["feed_start_date"] and info["feed_end_date"]
    agency = feed["agency.txt"][0]
    assert agency["agency_timezone"] == "Asia/Shanghai" and agency["agency_lang"] == "zh"


def test_trip_fields_and_headsigns(
    feed: Feed, stops: dict[str, Row], stop_times_by_trip: dict[str, list[Row]]
) -> None:
    for t in feed["trips.txt"]:
        assert t["block_id"] and t["shape_id"] and t["service_id"] in ("WD", "WE")
        assert t["direction_id"] in (0, 1)
        last = stop_times_by_trip[str(t["trip_id"])][-1]
        assert t["trip_headsign"] == stops[str(last["stop_id"])]["stop_name"]


def test_weekday_and_weekend_differ(feed: Feed) -> None:
    count: dict[object, int] = defaultdict(int)
    for t in feed["trips.txt"]:
        count[t["service_id"]] += 1
    assert count["WD"] > count["WE"] > 0.4 * count["WD"]


def _departures(feed: Feed, by_trip: dict[str, list[Row]]) -> dict[tuple[object, ...], list[int]]:
    """(service, route, direction) -> sorted departure times (s) from the first stop."""
    out: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for t in feed["trips.txt"]:
        first = by_trip[str(t["trip_id"])][0]
        out[(t["service_id"], t["route_id"], t["direction_id"])].append(_t(first, "departure_time"))
    return {k: sorted(v) for k, v in out.items()}


def test_first_and_last_buses(feed: Feed, stop_times_by_trip: dict[str, list[Row]]) -> None:
    for key, deps in _departures(feed, stop_times_by_trip).items():
        assert 5 * H + 30 * M <= deps[0] <= 6 * H + 30 * M, key
        assert 20 * H <= deps[-1] <= 22 * H + 30 * M, key


def test_headways(feed: Feed, stop_times_by_trip: dict[str, list[Row]]) -> None:
    for key, deps in _departures(feed, stop_times_by_trip).items():
        gaps = [(a, b - a) for a, b in itertools.pairwise(deps)]
        assert all(3 * M <= g <= 15 * M for _, g in gaps), key
        if key[0] == "WD":
            peak = [g for a, g in gaps if 7 * H <= a < 9 * H or 17 * H <= a < 19 * H]
            calm = [g for a, g in gaps if 10 * H <= a < 16 * H]
            assert max(peak) <= 8 * M and min(calm) >= 10 * M, key


def test_peaks_run_slower(feed: Feed, stop_times_by_trip: dict[str, list[Row]]) -> None:
    slower = 0
    durations: dict[tuple[object, ...], dict[str, list[int]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for t in feed["trips.txt"]:
        if t["service_id"] != "WD":
            continue
        calls = stop_times_by_trip[str(t["trip_id"])]
        start = _t(calls[0], "departure_time")
        band = (
            "peak"
            if 7 * H + 15 * M <= start < 8 * H + 30 * M
            else "calm"
            if 10 * H <= start < 11 * H
            else ""
        )
        if band:
            durations[(t["route_id"], t["direction_id"])][band].append(
                _t(calls[-1], "arrival_time") - start
            )
    for bands in durations.values():
        slower += statistics.mean(bands["peak"]) > 1.1 * statistics.mean(bands["calm"])
    assert slower == len(durations)


def test_dwell_and_monotonic_times(stop_times_by_trip: dict[str, list[Row]]) -> None:
    for trip_id, calls in stop_times_by_trip.items():
        prev = -1
        for k, c in enumerate(calls):
            arrive, depart = _t(c, "arrival_time"), _t(c, "departure_time")
            assert prev < arrive <= depart, trip_id
            if 0 < k < len(calls) - 1:
                assert 20 <= depart - arrive <= 40, trip_id
            else:
                assert arrive == depart
            prev = depart


def test_blocks(
    feed: Feed, stops: dict[str, Row], stop_times_by_trip: dict[str, list[Row]]
) -> None:
    blocks: dict[str, list[Row]] = defaultdict(list)
    for t in feed["trips.txt"]:
        blocks[str(t["block_id"])].append(t)
    per_service: dict[object, int] = defaultdict(int)
    for block_id, trips in blocks.items():
        service = trips[0]["service_id"]
        per_service[service] += 1
        assert block_id.startswith(f"{service}_")
        assert {(t["service_id"], t["route_id"]) for t in trips} == {
            (service, trips[0]["route_id"])
        }
        runs = sorted(
            (
                _t(stop_times_by_trip[str(t["trip_id"])][0], "departure_time"),
                _t(stop_times_by_trip[str(t["trip_id"])][-1], "arrival_time"),
                t,
            )
            for t in trips
        )
        for (_, end, a), (start, _, b) in itertools.pairwise(runs):
            assert start - end >= 3 * M, block_id  # layover, no overlap
            assert a["direction_id"] != b["direction_id"], block_id
            arrived = stops[str(stop_times_by_trip[str(a["trip_id"])][-1]["stop_id"])]
            leaves = stops[str(stop_times_by_trip[str(b["trip_id"])][0]["stop_id"])]
            assert arrived["parent_station"] == leaves["parent_station"], block_id
    assert 200 <= per_service["WD"] <= 900
    assert per_service["WE"] < per_service["WD"]
