"""What each bus's terminal reports, with a real fleet's faults, and its script.

From the bus's true track: sample instants (every N seconds with the ignition on, every
minute parked, plus a report at each safety alarm and a 1 Hz burst while braking
hard), then the faults: GPS noise and outliers, spells without a fix, lost links whose
reports come later in 0x0704 blind-area batches, power losses whose reports are gone,
duplicated and swapped reports, skewed clocks, and device faults in the alarm word (a
camera broken for a spell, the GNSS antenna cut during some spells without a fix).
`script` turns that into the timed actions the players send. Times are seconds after the
service day's start unless named unix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from busbrain.domain.daynet import F64, I64, Frame
from busbrain.protocol import jt808 as j
from busbrain.protocol.jt808.extensions.adas_0x64 import AdasAlarm
from busbrain.protocol.jt808.extensions.common import AlarmIdentification
from busbrain.protocol.jt808.extensions.dms_0x65 import DmsAlarm
from busbrain.protocol.jt808.messages.location_flags import AlarmFlag, StatusFlag
from busbrain.sim.alarms import AlarmTruth
from busbrain.sim.apc import StopFlow
from busbrain.sim.drivers import AUTHORITY, Driver, driver_card
from busbrain.sim.engine import BusDay
from busbrain.sim.sample import Sampler, Track, report_times
from busbrain.sim.scenario import Scenario
from busbrain.sim.script import Action, ActionKind, SimTerminal

GMT8 = dt.timezone(dt.timedelta(hours=8))
BATCH_MAX = 20
"""Locations per 0x0704 batch (keeps a frame near 1 KB)."""
LINK_DROP_S = (60.0, 420.0)
OFFLINE_S = (600.0, 2400.0)
GPS_OUTAGE_S = (30.0, 180.0)
CAMERA_FAULT_S = (3600.0, 4 * 3600.0)


@dataclass(frozen=True, slots=True)
class Observed:
    """A terminal's reports in the order it samples them (arrays of one length), the
    alarm item to attach per report, and its connection gaps."""

    track: Track
    lat: F64
    lon: F64
    speed_kmh: F64
    fix: F64
    device_t: F64
    delivery: F64
    """0 sent live, 1 buffered for a blind-area batch, 2 lost (terminal off)."""
    duplicate: F64
    swap: F64
    alarm: dict[int, AlarmTruth]
    gaps: tuple[tuple[float, float, bool], ...]
    """(start, end, lost?) of each link loss: lost means the terminal lost power."""
    clock_skew_s: float
    device_faults: I64
    """Device-fault bits of the alarm word per report (AlarmFlag values, 0 for none)."""


def _spells(
    rng: np.random.Generator, start: float, end: float, per_h: float, span: tuple[float, float]
) -> list[tuple[float, float]]:
    n = int(rng.poisson(per_h * max(end - start, 0.0) / 3600.0))
    out: list[tuple[float, float]] = []
    for a in np.sort(rng.uniform(start, end, n)):
        b = min(float(a) + float(rng.uniform(*span)), end - 60.0)
        if b > a and (not out or a > out[-1][1] + 60.0):
            out.append((float(a), b))
    return out


def observe(
    day: BusDay,
    sampler: Sampler,
    frame: Frame,
    scenario: Scenario,
    alarms: list[AlarmTruth],
    rng: np.random.Generator,
) -> Observed:
    f = scenario.faults
    times = report_times(
        day, scenario.report_interval_s, scenario.parked_interval_s, int(rng.integers(0, 60))
    )
    extra = [round(a.t) for a in alarms if a.category in ("adas", "dms")]
    for a in alarms:
        if a.category == "harsh_braking":
            extra.extend(range(round(a.t) - 2, round(a.end) + 3))
    all_t = np.unique(np.concatenate([times, np.array(extra, dtype=np.float64)]))
    all_t = all_t[(all_t >= day.power_on) & (all_t <= day.power_off)]
    track = sampler.track(day, all_t)
    n = len(all_t)
    x = track.x + rng.normal(0.0, f.gps_sigma_m, n) if f.gps_sigma_m else track.x.copy()
    y = track.y + rng.normal(0.0, f.gps_sigma_m, n) if f.gps_sigma_m else track.y.copy()
    outlier = rng.random(n) < f.gps_outlier_share
    if outlier.any():
        r = rng.uniform(15.0, 60.0, int(outlier.sum()))
        angle = rng.uniform(0, 2 * np.pi, int(outlier.sum()))
        x[outlier] += r * np.cos(angle)
        y[outlier] += r * np.sin(angle)
    fix = np.ones(n)
    speed = np.maximum(track.speed * 3.6 + (rng.normal(0.0, 0.8, n) if f.gps_sigma_m else 0.0), 0.0)
    speed[track.speed <= 0] = 0.0
    outages = []  # the reports of each spell without a fix
    for a_, b_ in _spells(rng, day.power_on, day.power_off, f.gps_outage_per_h, GPS_OUTAGE_S):
        inside = np.flatnonzero((all_t >= a_) & (all_t < b_))
        if len(inside) and inside[0] > 0:
            outages.append(inside)
            last = inside[0] - 1
            x[inside], y[inside] = x[last], y[last]
            fix[inside] = 0.0
            speed[inside] = 0.0
    lat, lon = frame.to_latlon(x, y)
    delivery = np.zeros(n)
    gaps: list[tuple[float, float, bool]] = []
    spells = [
        (a_, b_, False)
        for a_, b_ in _spells(
            rng, day.power_on + 300, day.power_off, f.link_drop_per_h, LINK_DROP_S
        )
    ]
    hours = (day.power_off - day.power_on) / 3600.0
    spells += [
        (a_, b_, True)
        for a_, b_ in _spells(
            rng, day.power_on + 300, day.power_off, f.offline_per_day / max(hours, 1.0), OFFLINE_S
        )
    ]
    spells.sort()
    for a_, b_, lost in spells:
        if gaps and a_ <= gaps[-1][1] + 60.0:
            continue
        gaps.append((a_, b_, lost))
        delivery[(all_t >= a_) & (all_t < b_)] = 2.0 if lost else 1.0
    skew = 0.0
    if rng.random() < f.skewed_clock_share:
        skew = float(rng.choice([-1, 1])) * (
            float(rng.uniform(60, 600)) if rng.random() < 0.2 else float(rng.uniform(1, 30))
        )
    duplicate = (rng.random(n) < f.duplicate_share).astype(np.float64)
    swap = (rng.random(n) < f.reorder_share).astype(np.float64)
    # device faults, drawn last: the draws above stay as they were before there were any
    device = np.zeros(n, dtype=np.int64)
    for inside in outages:
        if rng.random() < f.antenna_cut_share:
            device[inside] |= int(AlarmFlag.GNSS_ANTENNA_DISCONNECTED)
    if rng.random() < f.camera_fault_share:
        a_ = float(rng.uniform(day.power_on, day.power_off))
        b_ = a_ + float(rng.uniform(*CAMERA_FAULT_S))
        device[(all_t >= a_) & (all_t < b_)] |= int(AlarmFlag.CAMERA_FAULT)
    return Observed(
        track,
        lat,
        lon,
        speed,
        fix,
        all_t + round(skew),
        delivery,
        duplicate,
        swap,
        {
            int(np.searchsorted(all_t, round(a.t))): a
            for a in alarms
            if a.category in ("adas", "dms")
        },
        tuple(gaps),
        skew,
        device,
    )


def make_terminal(index: int, version_2019: bool, rng: np.random.Generator) -> SimTerminal:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    plate = (
        "辽G" + letters[int(rng.integers(0, len(letters)))] + f"{int(rng.integers(0, 10000)):04d}"
    )
    return SimTerminal(
        index=index,
        phone=f"{14100000000 + index + 1}",
        vehicle_id=f"V{index + 1:04d}",
        plate=plate,
        version=j.ProtocolVersion.V2019 if version_2019 else j.ProtocolVersion.V2013,
        terminal_id=f"S{index + 1:06d}",
        placeholder_auth_code=f"sim{index + 1:06d}",
    )


def _alarm_item(
    a: AlarmTruth, terminal: SimTerminal, when: dt.datetime, lat: float, lon: float, seq: int
) -> j.AdditionalItem:
    # 1–3 attachments (a photo, more photos or a short clip: responder.alarm_files),
    # varied without drawing from the world's random stream
    files = 1 + (seq + terminal.index) % 3
    ident = AlarmIdentification(terminal.terminal_id[-7:], when, 0, files)
    if a.category == "adas":
        return AdasAlarm(
            seq,
            0,
            a.code,
            a.level,
            int(a.speed_kmh * 0.8) if a.code == 1 else 0,
            12 if a.code == 1 else 0,
            1 if a.code == 2 else 0,
            0,
            0,
            min(int(a.speed_kmh), 255),
            20,
            abs(lat),
            abs(lon),
            when,
            1 | 1 << 10,
            ident,
        )
    return DmsAlarm(
        seq,
        0,
        a.code,
        a.level,
        3 if a.code == 1 else 0,
        b"\x00" * 4,
        min(int(a.speed_kmh), 255),
        20,
        abs(lat),
        abs(lon),
        when,
        1 | 1 << 10,
        ident,
    )


def location_at(
    obs: Observed, terminal: SimTerminal, day_start_unix: float, limit_kmh: float, i: int
) -> j.Location:
    """The 0x0200 body of sampled report `i`."""
    track = obs.track
    when = dt.datetime.fromtimestamp(day_start_unix + float(obs.device_t[i]), GMT8)
    status = (StatusFlag.ACC_ON if track.acc_on[i] else 0) | (
        StatusFlag.POSITIONED if obs.fix[i] else 0
    )
    alarm_bits = int(obs.device_faults[i]) | (
        AlarmFlag.OVERSPEED if obs.speed_kmh[i] > limit_kmh + 10 else 0
    )
    lat, lon = float(obs.lat[i]), float(obs.lon[i])
    items: tuple[j.AdditionalItem, ...] = (
        j.Mileage(round(float(track.odometer_m[i]) / 1000 + 10_000 + terminal.index * 37, 1)),
        j.GnssSatellites(12 if obs.fix[i] else 2),
    )
    alarm = obs.alarm.get(i)
    if alarm is not None:
        items = (*items, _alarm_item(alarm, terminal, when, lat, lon, i + 1))
    return j.Location(
        int(alarm_bits), int(status), round(lat, 6), round(lon, 6), 20,
        round(float(obs.speed_kmh[i]), 1), int(track.heading[i]) % 360, when, items,
    )  # fmt: skip


def script(
    obs: Observed,
    terminal: SimTerminal,
    day_start_unix: float,
    scenario: Scenario,
    *,
    before: float = float("-inf"),
) -> Iterator[Action]:
    """The terminal's actions in time order (unix seconds). Reports sent live before
    unix time `before` come without their message (a player clips them off)."""
    u = day_start_unix
    limit = scenario.speed_limit_kmh
    t_all = obs.track.t
    first = float(t_all[0]) if len(t_all) else 0.0
    yield Action(u + first - 2, ActionKind.CONNECT)
    yield Action(u + first - 2, ActionKind.REGISTER, terminal.register_message())
    yield Action(
        u + first - 1, ActionKind.AUTHENTICATE, j.Authentication(terminal.placeholder_auth_code)
    )
    gaps = list(obs.gaps)
    buffered: list[j.Location] = []
    last_sent = first - 1
    held: Action | None = None
    closed = False
    for i in range(len(t_all)):
        t = float(t_all[i])
        while gaps and t >= gaps[0][0]:
            a_, b_, _ = gaps[0]
            if not closed:
                if held is not None:
                    yield held
                    held = None
                yield Action(u + a_, ActionKind.CLOSE)
                closed = True
            if t < b_:
                break
            gaps.pop(0)
            closed = False
            yield Action(u + b_, ActionKind.CONNECT)
            yield Action(
                u + b_, ActionKind.AUTHENTICATE, j.Authentication(terminal.placeholder_auth_code)
            )
            for k in range(0, len(buffered), BATCH_MAX):
                batch = j.BatchLocation(1, tuple(buffered[k : k + BATCH_MAX]))
                yield Action(u + b_ + 1, ActionKind.SEND, batch)
            buffered.clear()
            last_sent = b_ + 1
        if closed:
            if obs.delivery[i] == 1:
                buffered.append(location_at(obs, terminal, u, limit, i))
            continue
        loc = None if u + t < before - 2 else location_at(obs, terminal, u, limit, i)
        while t - last_sent > scenario.heartbeat_s:
            last_sent += scenario.heartbeat_s
            yield Action(u + last_sent, ActionKind.SEND, j.Heartbeat())
        action = Action(u + t, ActionKind.SEND, loc)
        if held is not None:
            yield action
            yield Action(u + t, ActionKind.SEND, held.message)
            held = None
        elif obs.swap[i]:
            held = action
        else:
            yield action
        if obs.duplicate[i]:
            yield Action(u + t + 1, ActionKind.SEND, loc)
        last_sent = t
    if held is not None:
        yield held
    end = u + float(t_all[-1]) + 5 if len(t_all) else u
    if not closed:
        yield Action(end, ActionKind.CLOSE)


def flow_actions(
    flows: list[StopFlow], obs: Observed, day_start_unix: float, *, before: float = float("-inf")
) -> Iterator[Action]:
    """The passenger counter's 0x1005 messages, sent as the doors close (unix seconds),
    stamped with the terminal's clock. None is sent while the link is down: terminals
    re-send positions after a loss (0x0704) but not counts, so those are lost."""
    u = day_start_unix
    skew = round(obs.clock_skew_s)
    for f in flows:
        if any(a <= f.closed_s < b for a, b, _ in obs.gaps):
            continue
        t = u + f.closed_s
        message = (
            None
            if t < before - 2
            else j.PassengerFlow(
                dt.datetime.fromtimestamp(u + f.opened_s + skew, GMT8),
                dt.datetime.fromtimestamp(t + skew, GMT8),
                min(f.boarded, 0xFFFF),
                min(f.alighted, 0xFFFF),
            )
        )
        yield Action(t, ActionKind.SEND, message)


CARD_DELAY_S = 30.0
"""A driver inserts their card this long after the terminal comes on (or after taking
over the bus) and pulls it this long before handing over (or powering off), seconds."""


def card_actions(
    drivers: list[Driver],
    obs: Observed,
    day_start_unix: float,
    seed: int,
    *,
    before: float = float("-inf"),
) -> Iterator[Action]:
    """The drivers' IC card sign-ins and sign-outs (0x0702) on this bus (unix seconds):
    each driver signs in at the start of their piece of the duty (power-on, or the relief
    point where the previous driver handed over) and out at its end, stamped with the
    terminal's clock. A card moved while the link is down is reported when it is back
    (with the time the card moved). Clipped to `before`, a driver still signed in then
    reports their sign-in at `before` (the terminal repeats it on connecting), so a run
    started mid-day knows who drives."""
    t_all = obs.track.t
    if not len(t_all) or not drivers:
        return
    u = day_start_unix
    skew = round(obs.clock_skew_s)
    first, last = float(t_all[0]), float(t_all[-1])
    moves: list[tuple[float, j.DriverIdentity]] = []
    for d in drivers:
        start = max(d.start, first) + CARD_DELAY_S
        end = min(d.end, last) - CARD_DELAY_S
        if end <= start:
            continue
        card = driver_card(seed, d.driver_id)
        y, mo, da = card.valid_until
        moves.append(
            (
                start,
                j.DriverIdentity(
                    1,
                    dt.datetime.fromtimestamp(u + start + skew, GMT8),
                    0,
                    card.name,
                    card.certificate,
                    AUTHORITY,
                    dt.date(y, mo, da),
                ),
            )
        )
        moves.append((end, j.DriverIdentity(2, dt.datetime.fromtimestamp(u + end + skew, GMT8))))
    sent: list[tuple[float, j.DriverIdentity]] = []
    for i, (t, message) in enumerate(moves):
        at = u + t
        for a, b, _ in obs.gaps:
            if a <= t < b:
                at = u + b + 2  # after the reconnect and the blind-area batches
        if at < before:
            later = moves[i + 1][0] if i + 1 < len(moves) else last
            if message.status != 1 or u + later <= before:
                continue  # the card moved before the run: only a sign-in still on counts
            at = before
        sent.append((at, message))
    for at, message in sorted(sent, key=lambda m: m[0]):
        yield Action(at, ActionKind.SEND, message)
