"""Stop search latency: the NYC bus feed's stops (the issue's goal: p99 under 5 ms per
query) and Hangzhou's 5,588 Chinese stop names (characters, pinyin, initials, typos).

    .venv/bin/python bench/search.py [--queries 3000]

Queries are made from the stops' own names: the whole name, its first half, a typo (a
character dropped or two swapped), lower case; for Chinese names also full pinyin, pinyin
initials and a mix (characters then initials). Each is timed alone; the figures are
p50/p99/max per query, the share of queries whose intended stop is in the top 5, the
index's build time and memory, and, in the same run, a plain rapidfuzz scan over every
name (the obvious peer) on the same queries. Output: stdout and bench/out/search.json.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402

from busbrain.domain.names import pinyin_of  # noqa: E402
from busbrain.domain.network import Stop  # noqa: E402
from busbrain.finder.search import SearchIndex, fold  # noqa: E402
from busbrain.finder.stations import group_stations  # noqa: E402

SHARED = REPO.parent / "shared" / "data" / "gtfs"


def nyc_stops() -> list[Stop]:
    with zipfile.ZipFile(SHARED / "nyc-mta-bus-2026" / "gtfs.zip") as zf:
        frame = pl.read_csv(io.BytesIO(zf.read("stops.txt")), infer_schema=False)
    return [
        Stop(r["stop_id"], r["stop_name"], "", float(r["stop_lat"]), float(r["stop_lon"]))
        for r in frame.iter_rows(named=True)
    ]


def hangzhou_stops() -> list[Stop]:
    out = []
    text = (SHARED / "cn-hangzhou-bus-2015" / "Busstop.csv").read_text(encoding="utf-8")
    for line in text.splitlines():
        f = line.split(";")
        try:
            lat, lon = float(f[3]), float(f[2])
        except (IndexError, ValueError):
            continue  # a row without coordinates
        if f[1]:
            out.append(Stop(f[0], f[1], "", lat, lon))
    return out


def typo(s: str, rng: random.Random) -> str:
    if len(s) < 4:
        return s
    k = rng.randrange(1, len(s) - 1)
    if rng.random() < 0.5:
        return s[:k] + s[k + 1 :]
    return s[: k - 1] + s[k] + s[k - 1] + s[k + 1 :]


def queries(
    names: list[str], n: int, chinese: bool, rng: random.Random
) -> list[tuple[str, str, str]]:
    """(kind, query, intended name)."""
    out = []
    for name in rng.sample(names, min(n, len(names))):
        kinds = ["whole", "half", "typo", "lower"]
        if chinese:
            kinds += ["pinyin", "initials", "mixed", "pinyin_typo"]
        kind = rng.choice(kinds)
        py = "".join(pinyin_of(name).split())
        q = {
            "whole": name,
            "half": name[: max(1, len(name) // 2)],
            "typo": typo(name, rng),
            "lower": name.lower(),
            "pinyin": py,
            "initials": "".join(s[:1] for s in pinyin_of(name).split()),
            "mixed": name[: max(1, len(name) // 2)]
            + "".join(s[:1] for s in pinyin_of(name[max(1, len(name) // 2) :]).split()),
            "pinyin_typo": typo(py, rng),
        }[kind]
        out.append((kind, q, name))
    return out


def run(label: str, stops: list[Stop], n: int, chinese: bool) -> dict[str, Any]:
    rng = random.Random(7)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    stations = group_stations(stops, {})
    index = SearchIndex.build(stations)
    build_s = time.perf_counter() - t0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    names = sorted({s.name for s in stations})
    qs = queries(names, n, chinese, rng)
    for _k, q, _ in qs[:50]:  # warm up
        index.search(q, limit=5)
    ours, hits = [], []
    for _kind, q, want in qs:
        t = time.perf_counter()
        res = index.search(q, limit=5)
        ours.append((time.perf_counter() - t) * 1000)
        hits.append(any(h.entry.name == want for h in res))
    # The peer: rapidfuzz over every name (folded), WRatio, top 5.
    folded = [fold(s.name) for s in stations]
    peer, peer_hits = [], []
    for _kind, q, want in qs:
        t = time.perf_counter()
        res = process.extract(fold(q), folded, scorer=fuzz.WRatio, limit=5)
        peer.append((time.perf_counter() - t) * 1000)
        peer_hits.append(any(stations[i].name == want for _n, _s, i in res))
    by_kind: dict[str, list[bool]] = {}
    for (kind, _q, _w), ok in zip(qs, hits, strict=True):
        by_kind.setdefault(kind, []).append(ok)
    a, b = np.array(ours), np.array(peer)
    return {
        "set": label,
        "stops": len(stops),
        "stations": len(stations),
        "queries": len(qs),
        "build_s": round(build_s, 2),
        "index_mb": round((rss1 - rss0) / 1024, 1),
        "p50_ms": round(float(np.percentile(a, 50)), 3),
        "p99_ms": round(float(np.percentile(a, 99)), 3),
        "max_ms": round(float(a.max()), 3),
        "top5": round(float(np.mean(hits)), 4),
        "top5_by_kind": {k: round(float(np.mean(v)), 3) for k, v in sorted(by_kind.items())},
        "peer_p50_ms": round(float(np.percentile(b, 50)), 3),
        "peer_p99_ms": round(float(np.percentile(b, 99)), 3),
        "peer_top5": round(float(np.mean(peer_hits)), 4),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--queries", type=int, default=3000)
    args = ap.parse_args()
    results = [
        run("nyc-mta-bus-2026", nyc_stops(), args.queries, chinese=False),
        run("cn-hangzhou-bus-2015", hangzhou_stops(), args.queries, chinese=True),
    ]
    print(
        "| set | stations | build s | p50 ms | p99 ms | max ms | top-5 "
        + "| peer p50 | peer p99 | peer top-5 |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['set']} | {r['stations']:,} | {r['build_s']} | {r['p50_ms']} | {r['p99_ms']} | "
            f"{r['max_ms']} | {r['top5']:.1%} | {r['peer_p50_ms']} | {r['peer_p99_ms']} | "
            f"{r['peer_top5']:.1%} |"
        )
        print(f"  top-5 by kind: {r['top5_by_kind']}")
    dest = REPO / "bench" / "out" / "search.json"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
