"""The simulated drivers sign in and out with their IC cards (0x0702) on the small world:
one sign-in per driver at the start of their piece of the duty and one sign-out at its
end (relief points included), with stable fake identities from the seed, merged into the
terminals' scripts."""

from __future__ import annotations

import datetime as dt

from busbrain.protocol import jt808 as j
from busbrain.sim.drivers import driver_card
from busbrain.sim.runner import build_scripts
from busbrain.sim.terminals import card_actions
from busbrain.sim.world import World

SPAN = (8 * 3600.0, 8 * 3600.0 + 120.0)


def test_each_driver_signs_in_and_out_once_in_order(world: World) -> None:
    u, seed = world.day_start_unix, world.scenario.seed
    relieved = 0
    certificates: set[str] = set()
    for bus, obs in zip(world.day.buses, world.observed, strict=True):
        actions = list(card_actions(bus.drivers, obs, u, seed))
        messages = [a.message for a in actions]
        assert all(isinstance(m, j.DriverIdentity) for m in messages)
        cards = [m for m in messages if isinstance(m, j.DriverIdentity)]
        assert [c.status for c in cards] == [1, 2] * len(bus.drivers)
        assert [a.t for a in actions] == sorted(a.t for a in actions)
        signed_in = [c for c in cards if c.signed_in]
        expected = [driver_card(seed, d.driver_id) for d in bus.drivers]
        assert [(c.certificate, c.driver_name) for c in signed_in] == [
            (e.certificate, e.name) for e in expected
        ]
        assert all(c.read_ok and len(c.certificate) == 18 for c in signed_in)
        times = [c.time for c in cards]
        assert times == sorted(times)  # the next driver signs in after the relief
        if len(bus.drivers) == 2:
            relieved += 1
            change = u + bus.drivers[0].end + round(obs.clock_skew_s)
            out_a, in_b = cards[1].time.timestamp(), cards[2].time.timestamp()
            assert out_a < change < in_b and in_b - out_a <= 120
        certificates.update(c.certificate for c in signed_in)
    assert relieved > 0  # the small world has long duties changing driver mid-day
    assert len(certificates) == sum(len(b.drivers) for b in world.day.buses)
    assert driver_card(seed, "D0001") == driver_card(seed, "D0001")
    assert driver_card(seed, "D0001") != driver_card(seed + 1, "D0001")


def test_a_run_started_mid_day_signs_in_the_drivers_on_the_road(world: World) -> None:
    first = world.day_start_unix + SPAN[0]
    on_road = {
        world.terminals[i].phone
        for i, obs in enumerate(world.observed)
        if len(obs.track.t) and obs.track.t[0] + 60 < SPAN[0] < obs.track.t[-1] - 60
    }
    signed: dict[str, j.DriverIdentity] = {}
    for s in build_scripts(world, SPAN):
        for a in s:
            if isinstance(a.message, j.DriverIdentity) and a.message.signed_in:
                signed[s.terminal.phone] = a.message
                assert a.t == first and a.message.time.timestamp() <= first + 600
    assert on_road and set(signed) == on_road
    assert all(
        m.valid_until is not None and m.valid_until > dt.date(2026, 1, 1) for m in signed.values()
    )
