"""Predictions reach past the layover into the block's next trip."""

from __future__ import annotations

import numpy as np

from busbrain.realtime.fixes import Fix
from busbrain.realtime.predict import LAYOVER_MIN_S, SegmentPredictor
from busbrain.realtime.replay import replay
from busbrain.realtime.rtnet import RtNetwork
from busbrain.sim.world import World


def _fixes(world: World, buses: int) -> list[Fix]:
    u = world.day_start_unix
    out = []
    for term, obs in list(zip(world.terminals, world.observed, strict=True))[:buses]:
        keep = obs.delivery == 0
        for t, la, lo, v in zip(
            obs.device_t[keep], obs.lat[keep], obs.lon[keep], obs.speed_kmh[keep], strict=True
        ):
            out.append(Fix(term.vehicle_id, u + float(t), float(la), float(lo), speed_kmh=float(v)))
    return out


def test_the_next_trip_of_the_block_is_predicted_after_a_layover(world: World) -> None:
    rt = RtNetwork.build(world.net, world.day_start_unix)
    plan = {t.vehicle_id: d.block_id for t, d in zip(world.terminals, world.duties, strict=True)}
    predictor = SegmentPredictor(rt, ("kalman", "schedule"), through_block=True)
    result = replay(rt, _fixes(world, 4), predictor=predictor, planned_block=plan)
    by_time: dict[tuple[str, float], list] = {}
    for p in result.predictions:
        by_time.setdefault((p.vehicle_id, p.made_at), []).append(p)
    checked = 0
    for group in by_time.values():
        for nxt in group:
            current = [
                p
                for p in group
                if rt.next_in_block.get(p.trip) == nxt.trip and p.method == nxt.method
            ]
            if not current:
                continue
            p = current[0]
            assert nxt.k0 == 1
            assert np.all(np.diff(nxt.times) >= 0)
            if nxt.method == "kalman":
                # it leaves no earlier than a layover after arriving, nor before its time
                dep0 = float(rt.net.trips[nxt.trip].departure_s[0])
                assert nxt.times[0] > max(float(p.times[-1]) + LAYOVER_MIN_S, dep0)
                checked += 1
    assert checked > 20
