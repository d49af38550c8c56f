"""安全监管's rules on hand-made positions: speeding against the limit where the bus is,
harsh braking and acceleration, distance, the weekly score, severities and the moves of
an alarm through the queue."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import polars as pl
import pytest

from busbrain.oversight.safety import (
    Alarm,
    AlarmAction,
    AlarmStatus,
    AlarmTransitionError,
    DrivingEvent,
    Severity,
    SpeedLimits,
    SpeedZone,
    behaviour_scores,
    distance_km,
    harsh_events,
    next_status,
    severity_of,
    speeding_episodes,
    week_bounds,
)

T0 = dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.UTC)
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _track(
    speeds: list[float], *, step_s: float = 1.0, vehicle: str = "V1", route: str | None = "R1",
    lat0: float = 41.12, lat_step: float = 0.0,
) -> pl.DataFrame:  # fmt: skip
    n = len(speeds)
    return pl.DataFrame(
        {
            "vehicle_id": [vehicle] * n,
            "ts_utc": [T0 + dt.timedelta(seconds=step_s * k) for k in range(n)],
            "lat": [lat0 + lat_step * k for k in range(n)],
            "lon": [121.14] * n,
            "speed_kmh": speeds,
            "route_id": [route] * n,
        },
        schema_overrides={"ts_utc": pl.Datetime("us", "UTC"), "route_id": pl.String},
    )


def test_speeding_needs_the_limit_broken_for_ten_seconds() -> None:
    # 10 s apart: 70 km/h for 20 s (three positions) on a 60 km/h road
    frame = _track([50, 70, 72, 71, 55, 65, 50], step_s=10)
    (episode,) = speeding_episodes(frame)
    assert episode.kind == "speeding" and episode.limit_kmh == 60.0 and episode.peak == 72
    assert episode.start_utc == T0 + dt.timedelta(seconds=10)
    assert episode.end_utc == T0 + dt.timedelta(seconds=30)  # the lone 65 is one position: no


def test_the_route_limit_and_a_zone_override_the_default() -> None:
    frame = _track([55, 55, 55], step_s=10)
    assert speeding_episodes(frame) == []
    assert len(speeding_episodes(frame, SpeedLimits(by_route={"R1": 50.0}))) == 1
    school = SpeedZone("学校", 41.0, 121.0, 41.2, 121.2, 30.0)
    (episode,) = speeding_episodes(
        _track([45, 45, 45], step_s=10, route=None), SpeedLimits(zones=(school,))
    )
    assert episode.limit_kmh == 30.0
    outside = _track([45, 45, 45], step_s=10, lat0=42.0)
    assert speeding_episodes(outside, SpeedLimits(zones=(school,))) == []


def test_a_long_gap_splits_speeding_and_two_buses_stay_apart() -> None:
    a = _track([70, 70], step_s=60)  # 60 s apart: not one episode
    b = _track([70, 70, 70], step_s=10, vehicle="V2")
    assert [e.vehicle_id for e in speeding_episodes(pl.concat([a, b]))] == ["V2"]


def test_harsh_braking_and_acceleration_from_second_by_second_speeds() -> None:
    # 40 → 25 → 12 km/h in two seconds: -4.2 and -3.6 m/s², one braking
    frame = _track([40, 40, 25, 12, 12, 12, 22, 30, 34])
    braking, accel = harsh_events(frame)
    assert braking.kind == "harsh_braking" and braking.peak == pytest.approx(4.17, abs=0.01)
    assert braking.start_utc == T0 + dt.timedelta(seconds=1)
    assert braking.end_utc == T0 + dt.timedelta(seconds=3)
    assert accel.kind == "harsh_acceleration" and accel.peak == pytest.approx(2.78, abs=0.01)


def test_gentle_driving_and_sparse_positions_are_not_harsh() -> None:
    assert harsh_events(_track([40, 36, 32, 28, 24])) == []  # 1.1 m/s²
    assert harsh_events(_track([60, 20, 60], step_s=10)) == []  # 10 s apart: cannot tell


def test_distance_leaves_out_standing_still() -> None:
    moving = _track([36, 36, 36], step_s=10, lat_step=0.0009)  # ~100 m per step
    standing = _track([0, 0, 0], step_s=10, vehicle="V2", lat_step=0.0001)
    km = distance_km(pl.concat([moving, standing]))
    assert km["V1"] == pytest.approx(0.2, abs=0.002) and "V2" not in km


def _alarm(kind: str, level: int | None, vehicle: str = "V1") -> Alarm:
    return Alarm(
        1, "k", "139", vehicle, kind, level, severity_of(kind, level), T0, None, None, None,
        None, {}, AlarmStatus.OPEN, None, None, None, None,
    )  # fmt: skip


def test_the_score_is_100_minus_two_per_point_per_100_km() -> None:
    brake = DrivingEvent("V1", "harsh_braking", T0, T0, 4.0, 41.0, 121.0)
    speeding = DrivingEvent("V1", "speeding", T0, T0, 70.0, 41.0, 121.0, 60.0)
    alarms = [
        _alarm("dms.phone_call", 2),  # high: 3 points
        _alarm("adas.lane_departure", 1),  # medium: 1 point
        _alarm("gnss_module_fault", None),  # a device fault: not the driver's
        _alarm("overspeed", None),  # counted through the positions' speeding instead
    ]
    scores = behaviour_scores({"V1": 200.0, "V2": 300.0, "V3": 5.0}, [brake, speeding], alarms)
    by_vehicle = {s.vehicle_id: s for s in scores}
    v1 = by_vehicle["V1"]
    assert v1.points == 3 + 2 + 3 + 1
    assert v1.score == pytest.approx(100 - 2 * 9 * 100 / 200)  # 91.0
    assert v1.events == {
        "harsh_braking": 1, "speeding": 1, "dms.phone_call": 1, "adas.lane_departure": 1,
    }  # fmt: skip
    assert by_vehicle["V2"].score == 100.0 and by_vehicle["V3"].score is None
    assert [s.vehicle_id for s in scores] == ["V1", "V2", "V3"]  # worst first, unscored last


def test_severity_from_level_or_kind() -> None:
    assert severity_of("adas.forward_collision", 2) is Severity.HIGH
    assert severity_of("dms.smoking", 1) is Severity.MEDIUM
    assert severity_of("emergency", None) is Severity.HIGH
    assert severity_of("overspeed", None) is Severity.MEDIUM
    assert severity_of("camera_fault", None) is Severity.LOW


def test_the_moves_of_an_alarm() -> None:
    assert next_status(AlarmStatus.OPEN, AlarmAction.ACKNOWLEDGE) is AlarmStatus.ACKNOWLEDGED
    assert next_status(AlarmStatus.OPEN, AlarmAction.ASSIGN) is AlarmStatus.ASSIGNED
    assert next_status(AlarmStatus.ASSIGNED, AlarmAction.ASSIGN) is AlarmStatus.ASSIGNED
    assert next_status(AlarmStatus.ACKNOWLEDGED, AlarmAction.RESOLVE) is AlarmStatus.RESOLVED
    with pytest.raises(AlarmTransitionError, match="assigned already"):
        next_status(AlarmStatus.ASSIGNED, AlarmAction.ACKNOWLEDGE)
    for action in AlarmAction:
        with pytest.raises(AlarmTransitionError, match="resolved already"):
            next_status(AlarmStatus.RESOLVED, action)


def test_a_week_runs_monday_to_monday_in_local_time() -> None:
    start, end = week_bounds(dt.date(2026, 12, 3), SHANGHAI)  # a Thursday
    assert start == dt.datetime(2026, 11, 29, 16, 0, tzinfo=dt.UTC)  # Monday 00:00 +08
    assert end - start == dt.timedelta(days=7)


def test_every_alarm_decision_is_an_audit_action() -> None:
    from busbrain.access.records import AuditAction
    from busbrain.oversight.safety import AlarmAction

    assert {a.value for a in AlarmAction} <= {a.value for a in AuditAction}
