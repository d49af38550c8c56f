"""The OD report: one self-contained HTML page (inline SVG, no scripts, works offline).

What a planner looks at: how much of the data could be used (inference rates and why
rides were not chained), the OD heat map between zones, load profiles per line and
direction by hour, and transfer flows between lines.
"""

from __future__ import annotations

import html
from pathlib import Path

import polars as pl

from busbrain.planning.jobs.files import write_page
from busbrain.planning.jobs.od import OdInputs
from busbrain.planning.od.infer import OdResult
from busbrain.store.ports import NetworkQueries

REASONS_ZH = {
    "no_boarding_stop": "无上车站（无到站记录）",
    "no_card": "无卡号（现金）",
    "single_ride": "当日仅一次乘车",
    "no_stop_before_next_tap": "下次刷卡前无可下车站",
    "beyond_walk_limit": "换乘步行距离超限",
}


def _heat(v: float, vmax: float) -> str:
    """White to deep red, by v / vmax (0..1, square-root scaled so small flows show)."""
    f = 0.0 if vmax <= 0 else min(max(v / vmax, 0.0), 1.0) ** 0.5
    r = 255 - int(f * 75)
    g = 255 - int(f * 215)
    b = 255 - int(f * 205)
    return f"rgb({r},{g},{b})"


def _rates(result: OdResult) -> str:
    r = result.rates
    reasons = (
        result.rides.filter(pl.col("unchained_reason").is_not_null())
        .group_by("unchained_reason")
        .len()
        .sort("len", descending=True)
    )
    rows = "".join(
        f"<tr><td>{html.escape(REASONS_ZH.get(k, k))} <span class=small>{k}</span></td>"
        f"<td>{n:,}</td><td>{n / max(r['taps'], 1):.1%}</td></tr>"
        for k, n in reasons.iter_rows()
    )
    return f"""
<h2>推断率 Inference rates</h2>
<table>
<tr><td>刷卡记录 taps</td><td>{int(r["taps"]):,}</td><td></td></tr>
<tr><td>推断出上车站 with a boarding stop</td><td></td><td>{r["boarding_rate"]:.1%}</td></tr>
<tr><td>推断出下车站（占有卡号乘次）chained to an alighting stop (of card rides)</td>
<td></td><td>{r["alighting_rate"]:.1%}</td></tr>
<tr><td>推断出下车站（占全部）chained (of all taps)</td><td></td>
<td>{r["chained_of_all"]:.1%}</td></tr>
<tr><td>换乘 transfers</td><td>{int(r["transfers"]):,}</td><td></td></tr>
<tr><td>扩样覆盖的上车人次 boardings represented in the OD after expansion</td><td></td>
<td>{r.get("represented_share", 0.0):.1%}</td></tr>
</table>
<h3>未能推断下车站的原因 Why rides were not chained</h3>
<table><tr><th>原因 reason</th><th>乘次 rides</th><th>占比 share</th></tr>{rows}</table>
"""


def _od_matrix(result: OdResult, inputs: OdInputs, zone_size_m: float, top: int = 24) -> str:
    od = result.od_zone.group_by("origin_zone", "destination_zone").agg(pl.col("trips").sum())
    volume = (
        od.group_by("origin_zone")
        .agg(pl.col("trips").sum())
        .rename({"origin_zone": "zone"})
        .vstack(
            od.group_by("destination_zone")
            .agg(pl.col("trips").sum())
            .rename({"destination_zone": "zone"})
        )
        .group_by("zone")
        .agg(pl.col("trips").sum())
        .sort("trips", descending=True)
        .head(top)
    )
    zones = volume.get_column("zone").to_list()
    labels = dict(inputs.zones.select("zone", "label").iter_rows())
    cell, left, head = 22, 150, 150
    flows = {
        (o, d): v
        for o, d, v in od.filter(
            pl.col("origin_zone").is_in(zones) & pl.col("destination_zone").is_in(zones)
        ).iter_rows()
    }
    vmax = max(flows.values(), default=0.0)
    parts = []
    for i, z in enumerate(zones):
        name = html.escape(f"{labels.get(z, z)}")
        parts.append(
            f'<text x="{left - 4}" y="{head + i * cell + 15}" text-anchor="end">{name}</text>'
        )
        parts.append(
            f'<text transform="translate({left + i * cell + 15},{head - 4}) rotate(-60)">'
            f"{name}</text>"
        )
    for i, o in enumerate(zones):
        for j, d in enumerate(zones):
            v = flows.get((o, d), 0.0)
            title = html.escape(f"{labels.get(o, o)} → {labels.get(d, d)}: {v:,.0f}")
            parts.append(
                f'<rect x="{left + j * cell}" y="{head + i * cell}" width="{cell - 1}" '
                f'height="{cell - 1}" fill="{_heat(v, vmax)}"><title>{title}</title></rect>'
            )
    size = left + len(zones) * cell + 10
    return f"""
<h2>OD 热力图（按区域）OD heat map by zone</h2>
<p class=small>行：上车区域 origin，列：下车区域 destination；
{inputs.zones.height} 个区域中客流最大的 {len(zones)} 个
（边长 {zone_size_m:.0f} 米，以区内最常见站名标注），全部时段合计（扩样后乘次）。
最大格 {vmax:,.0f}。</p>
<svg role="img" aria-label="OD heat map" width="{size}" height="{head + len(zones) * cell + 10}">
{"".join(parts)}</svg>
"""


def _profiles(result: OdResult, queries: NetworkQueries, limit: int = 40) -> str:
    lp = result.load_profile
    if not lp.height:
        return "<h2>断面客流 Load profiles</h2><p>无数据 no data</p>"
    names = {s.stop_id: s.name for s in queries.list_stops()}
    routes = {r.route_id: r.short_name or r.route_id for r in queries.list_routes()}
    busiest = (
        lp.group_by("route_id", "direction_id")
        .agg((pl.col("mean_load") * pl.col("trips")).sum().alias("pax"))
        .sort("pax", descending=True)
        .head(limit)
    )
    charts = []
    for route_id, direction_id, _pax in busiest.iter_rows():
        part = lp.filter(
            (pl.col("route_id") == route_id) & (pl.col("direction_id") == direction_id)
        )
        # The segments most of the line's trips run (not a variant's few).
        common = part.group_by("from_stop_id", "to_stop_id").agg(
            pl.col("segment_trips").sum().alias("n"), pl.col("from_seq").min()
        )
        top = int(common.get_column("n").max() or 0)  # type: ignore[arg-type]
        segs = (
            common.filter(pl.col("n") >= top / 2)
            .select("from_stop_id", "to_stop_id", "from_seq")
            .sort("from_seq")
        )
        part = part.join(
            segs.select("from_stop_id", "to_stop_id"), on=["from_stop_id", "to_stop_id"]
        )
        hours = sorted(set(part.get_column("hour").to_list()))
        index = {(a, b): k for k, (a, b, _s) in enumerate(segs.iter_rows())}
        vmax = float(part.get_column("mean_load").max() or 0.0)  # type: ignore[arg-type]
        w, h = 5, 9
        width = max(len(index) * w, 10) + 40
        cells = []
        for a, b, hour, load in part.select(
            "from_stop_id", "to_stop_id", "hour", "mean_load"
        ).iter_rows():
            k = index[(a, b)]
            y = hours.index(hour) * h
            title = html.escape(f"{hour}:00 {names.get(a, a)} → {names.get(b, b)}: {load:.1f}")
            cells.append(
                f'<rect x="{40 + k * w}" y="{y}" width="{w}" height="{h - 1}" '
                f'fill="{_heat(load, vmax)}"><title>{title}</title></rect>'
            )
        ticks = "".join(
            f'<text x="36" y="{i * h + 8}" text-anchor="end">{hr}</text>'
            for i, hr in enumerate(hours)
            if hr % 3 == 0
        )
        peak = part.sort("mean_load", descending=True).row(0, named=True)
        caption = html.escape(
            f"{routes.get(route_id, route_id)} 路 方向 {direction_id}：最大断面 "
            f"{peak['hour']}:00 {names.get(peak['from_stop_id'], '')}→"
            f"{names.get(peak['to_stop_id'], '')} 平均 {peak['mean_load']:.0f} 人"
        )
        charts.append(
            f'<figure><svg role="img" aria-label="{caption}" width="{width}" '
            f'height="{len(hours) * h + 4}">{ticks}{"".join(cells)}</svg>'
            f"<figcaption class=small>{caption}</figcaption></figure>"
        )
    return f"""
<h2>断面客流 Load profiles (line, direction, hour)</h2>
<p class=small>每图：横轴为线路站点顺序（区间），纵轴为小时（发车时刻），
颜色为该小时每班次平均车内人数；
客流最大的 {len(charts)} 个线路方向。Each chart: segments along the line, hours down, colour =
mean load per trip.</p>
<div class=grid>{"".join(charts)}</div>
"""


def _transfers(result: OdResult, queries: NetworkQueries, top: int = 20) -> str:
    routes = {r.route_id: r.short_name or r.route_id for r in queries.list_routes()}
    flows = (
        result.transfers.group_by("from_route_id", "to_route_id")
        .agg(pl.col("trips").sum(), pl.col("median_wait_s").median())
        .sort("trips", descending=True)
        .head(top)
    )
    vmax = float(flows.get_column("trips").max() or 1.0)  # type: ignore[arg-type]
    bars = []
    for i, (a, b, trips, wait) in enumerate(flows.iter_rows()):
        label = html.escape(f"{routes.get(a, a)} → {routes.get(b, b)}")
        length = 400 * trips / vmax
        bars.append(
            f'<text x="116" y="{i * 18 + 12}" text-anchor="end">{label}</text>'
            f'<rect x="120" y="{i * 18}" width="{length:.1f}" height="14" fill="#3a7bd5">'
            f"<title>{label}: {trips:,.0f}</title></rect>"
            f'<text x="{124 + length:.1f}" y="{i * 18 + 12}">{trips:,.0f} '
            f"（候车中位 {0 if wait is None else wait / 60:.0f} 分）</text>"
        )
    return f"""
<h2>换乘客流 Transfer flows between lines</h2>
<svg role="img" aria-label="transfer flows" width="760" height="{len(bars) * 18 + 4}">
{"".join(bars)}</svg>
"""


def write_report(
    path: Path,
    result: OdResult,
    inputs: OdInputs,
    queries: NetworkQueries,
    *,
    zone_size_m: float = 1000.0,
) -> Path:
    days = sorted(set(inputs.days.get_column("service_date").to_list()))
    span = f"{days[0]} – {days[-1]}" if days else ""
    body = (
        f"<h1>客流 OD 分析 Passenger OD report</h1><p class=small>服务日 service days {span}</p>"
        + _rates(result)
        + _od_matrix(result, inputs, zone_size_m)
        + _profiles(result, queries)
        + _transfers(result, queries)
    )
    return write_page(path, "客流 OD 分析", body)
