"""设备监管's rules on hand-made events with known truth: a jump, a stuck fix, a clock
120 s behind, a passenger counter silent 40 min, a terminal silent 5 min on a trip, the
online rate of a line and a depot, fix and satellite shares, sessions and card readers,
device faults from the alarm word (rising, staying, clearing; blind-area reports ignored)."""

from __future__ import annotations

import datetime as dt

from busbrain.domain.events import (
    PassengerCount,
    TerminalOffline,
    TerminalOnline,
    VehicleLocation,
)
from busbrain.oversight.equipment import (
    CARD_LAG_S,
    DEVICE_FAULT_MASK,
    DEVICE_FAULTS,
    Equipment,
    Problem,
    TerminalHealth,
    service_day,
)
from busbrain.protocol.jt808.messages.location_flags import AlarmFlag

T0 = dt.datetime(2026, 12, 1, 0, 30, tzinfo=dt.UTC)  # 08:30 in Jinzhou
U0 = T0.timestamp()
LAT, LON = 41.12, 121.14
DEG_PER_M = 1 / 111_195  # metres to degrees of latitude


def loc(
    vid: str,
    after_s: float,
    *,
    north_m: float = 0.0,
    speed: float = 30.0,
    skew_s: float = 0.0,
    valid: bool = True,
    sats: int | None = 12,
    blind: bool = False,
    received_after_s: float | None = None,
    alarm: int = 0,
) -> VehicleLocation:
    """A fix of bus `vid` `after_s` after T0 by the platform's clock, `north_m` north of
    the start; its terminal's clock is `skew_s` behind (received − device = skew_s)."""
    received = T0 + dt.timedelta(seconds=after_s if received_after_s is None else received_after_s)
    return VehicleLocation(
        phone=f"139{vid[1:]:0>8}",
        vehicle=vid,
        ts_utc=T0 + dt.timedelta(seconds=after_s - skew_s),
        lat_deg=LAT + north_m * DEG_PER_M,
        lon_deg=LON,
        speed_kmh=speed,
        heading_deg=0.0,
        altitude_m=20.0,
        received_utc=received,
        alarm_bits=alarm,
        status_bits=0b11 if valid else 0b01,
        blind_area=blind,
        extra={} if sats is None else {"gnss_satellites": sats},
    )


def feed(eq: Equipment, events: list[VehicleLocation]) -> None:
    for e in events:
        eq.observe(e, e.received_utc.timestamp())


def moving(
    vid: str, start_s: float, end_s: float, every_s: float = 10.0, **kw: object
) -> list[VehicleLocation]:
    """A bus driving north at 36 km/h (10 m/s), reporting every `every_s`."""
    out = []
    t = start_s
    while t <= end_s:
        out.append(loc(vid, t, north_m=10.0 * t, speed=36.0, **kw))  # type: ignore[arg-type]
        t += every_s
    return out


def health(eq: Equipment, now_after_s: float) -> dict[str, TerminalHealth]:
    return {r.vehicle_id: r for r in eq.report(U0 + now_after_s).terminals}


def test_a_jump_is_found_and_ordinary_driving_is_not() -> None:
    eq = Equipment()
    feed(eq, moving("V1", 0, 100))
    jumpy = moving("V2", 0, 100)
    # one fix 1.2 km off (ten seconds: 430 km/h), then back on the track
    jumpy[5] = loc("V2", 50, north_m=500 + 1200, speed=36.0)
    feed(eq, jumpy)
    got = health(eq, 101)
    assert got["V1"].jumps == 0 and Problem.JUMPS not in got["V1"].problems
    assert got["V2"].jumps == 2  # away and back
    assert Problem.JUMPS in got["V2"].problems


def test_a_stuck_fix_repeats_the_coordinates_while_moving() -> None:
    eq = Equipment()
    fixes = moving("V1", 0, 60)
    fixes.insert(3, loc("V1", 25, north_m=200.0, speed=36.0))  # same place as at 20 s
    feed(eq, fixes)
    standing = [loc("V2", t, speed=0.0) for t in range(0, 70, 10)]  # standing at a stop
    feed(eq, standing)
    got = health(eq, 61)
    assert got["V1"].stuck == 1 and Problem.STUCK in got["V1"].problems
    assert got["V2"].stuck == 0 and got["V2"].problems == ()


def test_a_clock_120_s_behind_is_flagged_and_5_s_is_not() -> None:
    eq = Equipment()
    feed(eq, moving("V1", 0, 200, skew_s=120.0))
    feed(eq, moving("V2", 0, 200, skew_s=5.0))
    late = moving("V3", 0, 200)
    late[4] = loc("V3", 40, north_m=400, speed=36.0, received_after_s=95)  # one slow report
    feed(eq, late)
    got = health(eq, 201)
    assert got["V1"].clock_skew_s == 120.0
    assert Problem.CLOCK_SKEW in got["V1"].problems
    assert got["V2"].clock_skew_s == 5.0 and Problem.CLOCK_SKEW not in got["V2"].problems
    assert got["V3"].clock_skew_s == 0.0  # the median ignores one report 55 s late


def test_blind_area_reports_count_as_reports_but_not_for_skew_or_jumps() -> None:
    eq = Equipment()
    feed(eq, moving("V1", 0, 100))
    feed(eq, [loc("V1", 30 - 600, north_m=-5000, blind=True, received_after_s=110)])
    got = health(eq, 111)["V1"]
    assert got.last_report_age_s == 1.0
    assert got.clock_skew_s == 0.0 and got.jumps == 0


def test_fix_and_satellite_shares() -> None:
    eq = Equipment()
    fixes = moving("V1", 0, 390)  # 40 fixes
    for k in range(0, 40, 4):  # every 4th without a fix: 25 %
        fixes[k] = loc("V1", 10 * k, north_m=100.0 * k, valid=False, sats=3)
    feed(eq, fixes)
    feed(eq, moving("V2", 0, 390, sats=None))  # no satellite count given
    got = health(eq, 391)
    assert got["V1"].fixes == 40
    assert got["V1"].invalid_fix_share == 0.25
    assert got["V1"].low_satellite_share == 0.25
    assert got["V1"].satellites == 12
    assert {Problem.NO_FIX, Problem.LOW_SATELLITES} <= set(got["V1"].problems)
    assert got["V2"].low_satellite_share is None and got["V2"].problems == ()


def test_a_counter_silent_40_min_in_service_is_flagged() -> None:
    eq = Equipment()
    for vid in ("V1", "V2"):
        feed(eq, moving(vid, 0, 2400, every_s=30.0))
    for vid, at in (("V1", 0.0), ("V2", 35 * 60.0)):
        count = PassengerCount(
            phone=f"139{vid[1:]:0>8}",
            vehicle=vid,
            ts_utc=T0 + dt.timedelta(seconds=at),
            start_utc=T0 + dt.timedelta(seconds=at - 20),
            boarded=3,
            alighted=1,
        )
        eq.observe(count, U0 + at)
    eq.note_service([("V1", "R1", "O1"), ("V2", "R1", "O2")], U0 + 2400)
    got = health(eq, 2400)
    assert got["V1"].counter_age_s == 2400.0
    assert Problem.COUNTER_SILENT in got["V1"].problems
    assert got["V2"].counter_age_s == 300.0
    assert Problem.COUNTER_SILENT not in got["V2"].problems


def test_a_terminal_silent_5_min_on_a_trip_raises_the_alarm() -> None:
    eq = Equipment()
    feed(eq, moving("V1", 0, 100))  # on a trip, then silent from 100 s
    feed(eq, moving("V2", 0, 300))  # on a trip, reporting
    feed(eq, moving("V3", 0, 100))  # silent too, but not on a trip (parked)
    eq.note_service([("V1", "R1", "O1"), ("V2", "R1", "O2"), ("V3", None, None)], U0 + 300)
    report = eq.report(U0 + 400)
    assert [(a.vehicle_id, a.age_s, a.since_unix, a.route_id) for a in report.alarms] == [
        ("V1", 300.0, U0 + 100, "R1")
    ]
    assert report.problems[Problem.SILENT] == 1
    # 100 s later V1 is back: no alarm
    feed(eq, [loc("V1", 410, north_m=4100)])
    assert eq.report(U0 + 420).alarms == ()


def test_a_silent_bus_stays_in_service_after_the_live_picture_drops_it() -> None:
    eq = Equipment()
    feed(eq, moving("V1", 0, 100))
    eq.note_service([("V1", "R1", "O1")], U0 + 100)
    eq.note_service([], U0 + 1200)  # the live picture dropped it (silent 15 min)
    report = eq.report(U0 + 1300)
    assert [a.vehicle_id for a in report.alarms] == ["V1"]
    assert eq.report(U0 + 100 + 2 * 3600 + 1).alarms == ()  # past SILENT_KEEP_S


def test_online_rate_per_line_and_depot() -> None:
    eq = Equipment()
    for vid in ("V1", "V2", "V3"):
        feed(eq, moving(vid, 0, 300))
    feed(eq, moving("V4", 0, 200))  # last report 100 s before now: not reporting
    feed(eq, moving("V5", 0, 300))  # on line 2
    feed(eq, moving("V6", 0, 300))  # parked at the depot
    eq.note_registry(
        {
            "13900000001": ("一车队", "辽G00001"),
            "13900000002": ("一车队", None),
            "13900000003": ("二车队", None),
            "13900000004": ("二车队", None),
            "13900000005": ("二车队", None),
            "13900000006": ("二车队", None),
        }
    )
    service = [(f"V{k}", "R1", f"O{k}") for k in range(1, 5)] + [("V5", "R2", "T5")]
    eq.note_service([*service, ("V6", None, None)], U0 + 300)
    report = eq.report(U0 + 300)
    lines = {g.key: g for g in report.lines}
    assert (lines["R1"].in_service, lines["R1"].reporting, lines["R1"].rate) == (4, 3, 0.75)
    assert (lines["R2"].in_service, lines["R2"].reporting, lines["R2"].rate) == (1, 1, 1.0)
    depots = {g.key: g for g in report.depots}
    assert (depots["一车队"].in_service, depots["一车队"].rate) == (2, 1.0)
    assert (depots["二车队"].in_service, depots["二车队"].reporting) == (3, 2)
    assert depots["二车队"].terminals == 4 and depots["二车队"].online == 4
    assert (report.totals.in_service, report.totals.reporting) == (5, 4)
    assert report.totals.day_samples == 5 and report.totals.day_reporting == 4
    assert health(eq, 300)["V1"].plate == "辽G00001"


def test_the_day_rate_samples_once_a_minute_and_restarts_with_the_day() -> None:
    eq = Equipment()
    feed(eq, moving("V1", 0, 600))  # fed first: every sample up to 600 s sees it
    for t in range(0, 1200, 10):  # 20 minutes of service; silent after 600 s
        eq.note_service([("V1", "R1", "O1")], U0 + t)
    day = eq.report(U0 + 1200).totals
    assert day.day_samples == 20
    assert day.day_reporting == 12  # samples at 0, 60, ..., 660 s: last report (600 s) ≤ 60 s old
    next_day = dt.datetime(2026, 12, 1, 19, 30, tzinfo=dt.UTC).timestamp()  # 03:30 local
    assert service_day(next_day) == dt.date(2026, 12, 2)
    eq.note_service([("V1", "R1", "O9")], next_day)
    assert eq.report(next_day).totals.day_samples == 1
    eq.note_service([("V1", "R1", "O9")], next_day - 600)  # a clock set back samples too
    assert eq.report(next_day - 600).totals.day_samples == 2


def test_sessions_decide_online() -> None:
    eq = Equipment()
    phone = "13900000001"
    eq.observe(TerminalOnline(phone=phone, vehicle="V1", ts_utc=T0), U0)
    assert health(eq, 1000)["V1"].online  # session open, nothing reported
    eq.observe(
        TerminalOffline(
            phone=phone, vehicle="V1", ts_utc=T0 + dt.timedelta(seconds=5), reason="idle_timeout"
        ),
        U0 + 5,
    )
    assert not health(eq, 10)["V1"].online
    feed(eq, [loc("V1", 20)])  # a report after: it is back
    assert health(eq, 21)["V1"].online
    feed(eq, [loc("V2", 0)])  # no session event seen: online while reporting
    assert health(eq, 300)["V2"].online and not health(eq, 400)["V2"].online


def test_card_reader_silent_after_an_hour_of_settled_service() -> None:
    eq = Equipment()
    start = U0 - 5 * 3600
    for vid in ("V1", "V2", "V3"):
        feed(eq, [loc(vid, -5 * 3600)])
    for t in range(0, 5 * 3600 + 1, 60):  # five hours in service, until now
        eq.note_service([("V1", "R1", "O1"), ("V2", "R1", "O2"), ("V3", "R1", "O3")], start + t)
    assert eq.report(U0).terminals[0].unticketed_service_s is None  # taps not read yet
    # V1: no tap at all; V2: last tap 30 min into the settled part; V3: a tap 20 min
    # before the lag (settled service since: 20 min)
    settled = U0 - CARD_LAG_S
    eq.note_taps({"V2": start + 1800, "V3": settled - 1200}, U0)
    got = health(eq, 0)
    assert got["V1"].unticketed_service_s == 3 * 3600
    assert Problem.CARD_SILENT in got["V1"].problems
    assert got["V2"].unticketed_service_s == 3 * 3600 - 1800
    assert Problem.CARD_SILENT in got["V2"].problems
    assert got["V3"].unticketed_service_s == 1200
    assert Problem.CARD_SILENT not in got["V3"].problems


CAMERA, ANTENNA = int(AlarmFlag.CAMERA_FAULT), int(AlarmFlag.GNSS_ANTENNA_DISCONNECTED)


def test_the_fault_table_is_the_protocols() -> None:
    """The pure module keeps its own copy of the bits; the codes are the gateway's alarm
    kinds (the AlarmFlag names in lower case)."""
    for f in DEVICE_FAULTS:
        flag = AlarmFlag(1 << f.bit)
        assert f.code == (flag.name or "").lower()
    wanted = (
        AlarmFlag.GNSS_MODULE_FAULT
        | AlarmFlag.GNSS_ANTENNA_DISCONNECTED
        | AlarmFlag.GNSS_ANTENNA_SHORT_CIRCUIT
        | AlarmFlag.POWER_UNDER_VOLTAGE
        | AlarmFlag.POWER_LOST
        | AlarmFlag.DISPLAY_FAULT
        | AlarmFlag.TTS_FAULT
        | AlarmFlag.CAMERA_FAULT
        | AlarmFlag.IC_CARD_MODULE_FAULT
        | AlarmFlag.VSS_FAULT
    )
    assert int(wanted) == DEVICE_FAULT_MASK


def test_a_fault_bit_rises_stays_and_clears() -> None:
    eq = Equipment()
    fixes = []
    for t in range(0, 201, 10):  # camera broken from 30 s to 80 s, again from 150 s
        bits = int(AlarmFlag.OVERSPEED) if t == 40 else 0  # not a device fault
        if 30 <= t < 90 or t >= 150:
            bits |= CAMERA
        if 60 <= t < 90:
            bits |= ANTENNA
        fixes.append(loc("V1", t, north_m=10.0 * t, speed=36.0, alarm=bits))
    feed(eq, fixes[:3])  # up to 20 s: no fault
    assert health(eq, 21)["V1"].faults == () and health(eq, 21)["V1"].problems == ()
    feed(eq, fixes[3:8])  # 30-70 s
    got = health(eq, 71)["V1"]
    assert got.faults == ("gnss_antenna_disconnected", "camera_fault")  # in bit order
    assert got.faults_since_unix == (U0 + 60, U0 + 30)  # the camera since its first fix
    assert got.problems == (Problem.DEVICE_FAULT,)
    feed(eq, fixes[8:9])  # 80 s: both still set, since unchanged
    got = health(eq, 81)["V1"]
    assert got.faults_since_unix == (U0 + 60, U0 + 30)
    feed(eq, fixes[9:10])  # 90 s: both cleared
    assert health(eq, 91)["V1"].faults == ()
    assert health(eq, 91)["V1"].problems == ()
    feed(eq, fixes[10:])  # again from 150 s: a new spell, a new since
    got = health(eq, 201)["V1"]
    assert (got.faults, got.faults_since_unix) == (("camera_fault",), (U0 + 150,))


def test_faults_come_from_live_fixes_in_device_order() -> None:
    eq = Equipment()
    feed(eq, moving("V1", 0, 100))  # no fault
    feed(eq, moving("V2", 0, 100, alarm=CAMERA))  # camera broken all along
    # catch-up reports are old: a fault in them is not a fault now, nor is a clear word
    feed(eq, [loc("V1", -500, blind=True, alarm=ANTENNA, received_after_s=105)])
    feed(eq, [loc("V2", -500, blind=True, received_after_s=105)])
    # a live report older than the latest (sent out of order) changes nothing either
    feed(eq, [loc("V1", 95, north_m=950, alarm=CAMERA, received_after_s=106)])
    got = health(eq, 110)
    assert got["V1"].faults == () and Problem.DEVICE_FAULT not in got["V1"].problems
    assert got["V2"].faults == ("camera_fault",) and got["V2"].faults_since_unix == (U0,)


def test_device_faults_filter_and_count_per_group() -> None:
    eq = Equipment()
    feed(eq, moving("V1", 0, 100, alarm=CAMERA))  # on a trip, camera broken
    feed(eq, moving("V2", 0, 100))  # on a trip, healthy
    feed(eq, moving("V3", 0, 100, alarm=CAMERA | ANTENNA))  # parked: still a fault
    eq.note_registry(
        {
            "13900000001": ("一车队", None),
            "13900000002": ("一车队", None),
            "13900000003": ("二车队", None),
        }
    )
    eq.note_service([("V1", "R1", "O1"), ("V2", "R1", "O2"), ("V3", None, None)], U0 + 100)
    report = eq.report(U0 + 100)
    broken = [r.vehicle_id for r in report.terminals if Problem.DEVICE_FAULT in r.problems]
    assert broken == ["V1", "V3"]
    assert report.problems[Problem.DEVICE_FAULT] == 2
    assert report.faults["camera_fault"] == 2 and report.faults["gnss_antenna_disconnected"] == 1
    assert report.faults["vss_fault"] == 0
    assert {g.key: g.device_faults for g in report.lines} == {"R1": 1}
    assert {g.key: g.device_faults for g in report.depots} == {"一车队": 1, "二车队": 1}
    assert report.totals.device_faults == 2
