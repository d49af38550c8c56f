"""The timetable report: one offline HTML page with inline SVG.

For each line and direction, the riders per hour at the busiest point against the places
offered (before and after) and the departures before and after; the buses in service over
the day with the lower bound; a time-space diagram of the busiest line's new trips.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import numpy as np

from busbrain.planning.jobs.blocks import RouteBlocks
from busbrain.planning.jobs.files import write_page
from busbrain.planning.jobs.timetable import LineResult
from busbrain.planning.timetable.plan import Policy

CSS = ".old{stroke:#9aa5b1}.new{stroke:#d64545}polyline{fill:none}"

HOUR = 3600.0


def _x(t: float, t0: float, t1: float, width: float) -> float:
    return 40 + (t - t0) / max(t1 - t0, 1.0) * (width - 50)


def _line_chart(r: LineResult, policy: Policy) -> str:
    d = r.demand
    width, height = 360, 150
    peak = d.loads.max(axis=1) if d.loads.size else np.zeros(len(d.hours))
    t0, t1 = float(d.hours[0]) * HOUR, float(d.hours[-1] + 1) * HOUR

    def offered(deps: list[float]) -> list[float]:
        arr = np.asarray(deps)
        return [
            float(np.count_nonzero((arr >= h * HOUR) & (arr < (h + 1) * HOUR))) * policy.capacity
            for h in d.hours
        ]

    before, after = offered(r.current_departures), offered(r.plan.departures)
    top = float(max([*peak.tolist(), *before, *after, 1.0]))

    def y(v: float) -> float:
        return 10 + (1 - v / top) * (height - 50)

    bars = "".join(
        f'<rect x="{_x(h * HOUR, t0, t1, width):.1f}" y="{y(p):.1f}" '
        f'width="{(width - 50) / len(d.hours) - 1:.1f}" height="{y(0) - y(p):.1f}" fill="#f0b429">'
        f"<title>{h}:00 {p:.0f} 人/小时 at the busiest segment</title></rect>"
        for h, p in zip(d.hours.tolist(), peak.tolist(), strict=True)
    )

    def steps(values: list[float], cls: str) -> str:
        pts = []
        for h, v in zip(d.hours.tolist(), values, strict=True):
            pts.append(f"{_x(h * HOUR, t0, t1, width):.1f},{y(v):.1f}")
            pts.append(f"{_x((h + 1) * HOUR, t0, t1, width):.1f},{y(v):.1f}")
        return f'<polyline class="{cls}" fill="none" stroke-width="1.5" points="{" ".join(pts)}"/>'

    ticks_old = "".join(
        f'<line class="old" x1="{_x(t, t0, t1, width):.1f}" x2="{_x(t, t0, t1, width):.1f}" '
        f'y1="{height - 32}" y2="{height - 24}"/>'
        for t in r.current_departures
    )
    ticks_new = "".join(
        f'<line class="new" x1="{_x(t, t0, t1, width):.1f}" x2="{_x(t, t0, t1, width):.1f}" '
        f'y1="{height - 20}" y2="{height - 12}"/>'
        for t in r.plan.departures
    )
    hours = "".join(
        f'<text x="{_x(h * HOUR, t0, t1, width):.1f}" y="{height - 1}">{h}</text>'
        for h in d.hours.tolist()
        if h % 3 == 0
    )
    caption = html.escape(
        f"{r.plan.route_id} 路 方向 {r.plan.direction_id}: {len(r.current_departures)} → "
        f"{len(r.plan.departures)} 班; 候车 {r.before.expected_wait_s / 60:.1f} → "
        f"{r.after.expected_wait_s / 60:.1f} 分"
    )
    return (
        f'<figure><svg role="img" aria-label="{caption}" width="{width}" height="{height}">'
        f"{bars}{steps(before, 'old')}{steps(after, 'new')}{ticks_old}{ticks_new}{hours}</svg>"
        f"<figcaption class=small>{caption}</figcaption></figure>"
    )


def _fleet_chart(before: list[RouteBlocks] | None, after: list[RouteBlocks] | None) -> str:
    if before is None or after is None:
        return ""
    width, height = 760, 200
    t0, t1 = 4 * HOUR, 25 * HOUR

    def in_service(plans: list[RouteBlocks]) -> tuple[np.ndarray, np.ndarray]:
        grid = np.arange(t0, t1, 300.0)
        count = np.zeros_like(grid)
        for r in plans:
            by_id = {t.trip_id: t for t in r.trips_list}
            for ids in r.day.blocks:
                a, b = by_id[ids[0]].start_s, by_id[ids[-1]].end_s
                count += (grid >= a) & (grid <= b)
        return grid, count

    g, c_old = in_service(before)
    _, c_new = in_service(after)
    top = max(float(c_old.max()), float(c_new.max()), 1.0)

    def path(count: np.ndarray, cls: str) -> str:
        pts = " ".join(
            f"{_x(t, t0, t1, width):.1f},{10 + (1 - v / top) * (height - 40):.1f}"
            for t, v in zip(g, count, strict=True)
        )
        return f'<polyline class="{cls}" fill="none" stroke-width="1.5" points="{pts}"/>'

    lb_old = sum(r.day.lower_bound for r in before)
    lb_new = sum(r.day.lower_bound for r in after)
    hours = "".join(
        f'<text x="{_x(h * HOUR, t0, t1, width):.1f}" y="{height - 5}">{h}:00</text>'
        for h in range(4, 25, 2)
    )
    return f"""
<h2>在营车辆 Buses in service over the day</h2>
<p class=small>灰：现行时刻表 current ({sum(r.day.fleet for r in before)} 辆, 下界 lower bound
{lb_old})；红：新时刻表 new ({sum(r.day.fleet for r in after)} 辆, 下界 {lb_new})。
每条线路单独编排路牌（最少车辆，其次最少空驶与停站时间）。</p>
<svg role="img" aria-label="buses in service" width="{width}" height="{height}">
{path(c_old, "old")}{path(c_new, "new")}{hours}</svg>
"""


def _time_space(r: LineResult) -> str:
    width, height = 760, 260
    lengths = r.demand.lengths_m
    dist = np.concatenate([[0.0], np.cumsum(lengths)])
    total = float(dist[-1]) or 1.0
    t0 = min(r.plan.departures) - 600
    t1 = max(float(a[-1]) for a in r.plan.arrivals) + 600
    lines = []
    for arr, dep in zip(r.plan.arrivals, r.plan.departures_at, strict=True):
        pts = []
        for k in range(len(dist)):
            for t in (arr[k], dep[k]):
                pts.append(f"{_x(t, t0, t1, width):.1f},{10 + dist[k] / total * (height - 40):.1f}")
        lines.append(
            f'<polyline class="new" fill="none" stroke-width="0.8" points="{" ".join(pts)}"/>'
        )
    hours = "".join(
        f'<text x="{_x(h * HOUR, t0, t1, width):.1f}" y="{height - 5}">{h}:00</text>'
        for h in range(int(t0 // HOUR) + 1, int(t1 // HOUR) + 1, 2)
    )
    return f"""
<h2>时空图 Time-space diagram: line {html.escape(r.plan.route_id)},
direction {r.plan.direction_id}</h2>
<p class=small>横轴时间，纵轴沿线距离（{total / 1000:.1f} 公里）；每条线为新时刻表的一个班次。</p>
<svg role="img" aria-label="time-space diagram" width="{width}" height="{height}">
{"".join(lines)}{hours}</svg>
"""


def write_report(
    path: Path,
    lines: list[LineResult],
    before: list[RouteBlocks] | None,
    after: list[RouteBlocks] | None,
    policy: Policy,
    day: dt.date,
) -> Path:
    trips_old = sum(r.before.trips for r in lines)
    trips_new = sum(r.after.trips for r in lines)
    vh_old = sum(r.before.vehicle_hours for r in lines)
    vh_new = sum(r.after.vehicle_hours for r in lines)

    def mean(attr: str, when: str) -> float:
        w = [float(r.demand.boardings.sum()) for r in lines]
        v = [getattr(getattr(r, when), attr) for r in lines]
        return float(np.average(np.asarray(v, dtype=float), weights=w)) if sum(w) else 0.0

    crowd_old = sum(r.before.crowded_share * r.before.trips for r in lines) / max(trips_old, 1)
    crowd_new = sum(r.after.crowded_share * r.after.trips for r in lines) / max(trips_new, 1)
    fleet = (
        f"<tr><td>车辆 buses (blocks)</td><td>{sum(r.day.fleet for r in before)}</td>"
        f"<td>{sum(r.day.fleet for r in after)}</td></tr>"
        if before is not None and after is not None
        else ""
    )
    summary = f"""
<table><tr><th></th><th>现行 current</th><th>新 new</th></tr>
<tr><td>班次 trips</td><td>{trips_old:,}</td><td>{trips_new:,}</td></tr>
<tr><td>车小时 vehicle-hours</td><td>{vh_old:,.0f}</td><td>{vh_new:,.0f}</td></tr>
<tr><td>拥挤班次占比 trips above the crowding standard
({policy.crowding_peak:.0%} / {policy.crowding_offpeak:.0%})</td><td>{crowd_old:.1%}</td>
<td>{crowd_new:.1%}</td></tr>
<tr><td>平均候车 expected wait (min)</td><td>{mean("expected_wait_s", "before") / 60:.1f}</td>
<td>{mean("expected_wait_s", "after") / 60:.1f}</td></tr>{fleet}</table>
<p class=small>方法 Ceder method {int(policy.method)}, {policy.spacing.value};
车容量 {policy.capacity:.0f}; 设计满载率 高峰 {policy.peak_load_factor:.0%} /
平峰 {policy.offpeak_load_factor:.0%}; 发车间隔 {policy.min_headway_s / 60:.0f}–
{policy.max_headway_s / 60:.0f} 分; 需求 {day} 起的客流。</p>
"""
    busiest = max(lines, key=lambda r: float(r.demand.loads.sum()))
    charts = "".join(_line_chart(r, policy) for r in lines)
    body = (
        "<h1>车次计划 Timetable plan</h1>"
        + summary
        + _fleet_chart(before, after)
        + "<h2>客流与运力 Riders at the busiest point vs places offered, by hour</h2>"
        + "<p class=small>黄柱：最大断面客流（人/小时）；灰线/刻度：现行运力与发车；"
        + "红线/刻度：新时刻表。</p>"
        + f"<div class=grid>{charts}</div>"
        + _time_space(busiest)
    )
    return write_page(path, "车次计划", body, CSS)
