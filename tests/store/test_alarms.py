"""安全监管's alarm queue on SQLite and PostgreSQL: an event stored once however often it
is delivered, clearing, the queue's order and filters, and decisions written with their
audit entry in one transaction (a refused decision writes neither)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import polars as pl
import pytest

from busbrain.access.records import AuditEntry
from busbrain.domain.errors import BadInputError
from busbrain.domain.history import PositionRecord
from busbrain.oversight.safety import (
    ACTIVE_STATUSES,
    AlarmAction,
    AlarmEnded,
    AlarmStatus,
    AlarmTransitionError,
    Decision,
    NewAlarm,
    Severity,
)
from busbrain.store.ports import AlarmStore
from busbrain.wiring import Store, open_store

T0 = dt.datetime(2026, 12, 1, 0, 30, tzinfo=dt.UTC)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    st = open_store(store_url)
    yield st
    st.close()


def _raised(
    kind: str = "adas.forward_collision", level: int | None = 2, minutes: float = 0, **kw: object
) -> NewAlarm:
    at = T0 + dt.timedelta(minutes=minutes)
    values: dict[str, object] = {
        "event_key": f"alarm_raised/13900000101/{kind}/{at.isoformat()}/",
        "phone": "13900000101",
        "vehicle_id": "V1",
        "kind": kind,
        "level": level,
        "raised_utc": at,
        "lat": 41.12,
        "lon": 121.14,
        "alarm_id": "7",
        "details": {"speed_kmh": 43},
    }
    values.update(kw)
    return NewAlarm(**values)  # type: ignore[arg-type]


def _audit(action: AlarmAction, pk: int) -> AuditEntry:
    return AuditEntry(T0, "anquan", action.value, f"alarm/{pk}", {"why": "test"}, "10.0.0.9")


def test_an_alarm_delivered_twice_is_stored_once(store: Store) -> None:
    alarms: AlarmStore = store.alarms
    assert alarms.add_events([_raised(), _raised()], []) == (1, 0)
    assert alarms.add_events([_raised()], []) == (0, 0)
    (a,) = alarms.alarms()
    assert (a.kind, a.level, a.severity, a.status) == (
        "adas.forward_collision",
        2,
        Severity.HIGH,
        AlarmStatus.OPEN,
    )
    assert a.raised_utc == T0 and a.alarm_id == "7" and a.details == {"speed_kmh": 43}
    assert (a.lat, a.lon, a.cleared_utc) == (41.12, 121.14, None)
    assert alarms.alarm(a.alarm_pk) == a and alarms.alarm(a.alarm_pk + 99) is None


def test_a_cleared_alarm_keeps_its_status_and_a_second_clear_changes_nothing(
    store: Store,
) -> None:
    alarms = store.alarms
    end = AlarmEnded("13900000101", "overspeed", T0 + dt.timedelta(minutes=3))
    assert alarms.add_events([_raised("overspeed", None, alarm_id=None)], [end]) == (1, 1)
    assert alarms.add_events([], [end]) == (0, 0)
    (a,) = alarms.alarms()
    assert a.cleared_utc == T0 + dt.timedelta(minutes=3) and a.status is AlarmStatus.OPEN
    assert a.severity is Severity.MEDIUM


def test_the_queue_is_most_severe_first_then_newest_and_filters(store: Store) -> None:
    alarms = store.alarms
    alarms.add_events(
        [
            _raised("gnss_module_fault", None, 5),
            _raised("dms.phone_call", 1, 1),
            _raised("dms.smoking", 1, 4),
            _raised("emergency", None, 0),
        ],
        [],
    )
    assert [a.kind for a in alarms.alarms()] == [
        "emergency",
        "dms.smoking",
        "dms.phone_call",
        "gnss_module_fault",
    ]
    assert [a.kind for a in alarms.alarms(severity=Severity.MEDIUM)] == [
        "dms.smoking",
        "dms.phone_call",
    ]
    assert [a.kind for a in alarms.alarms(limit=1)] == ["emergency"]
    first = alarms.alarms()[0]
    alarms.decide(
        first.alarm_pk,
        Decision(AlarmAction.RESOLVE, "anquan", T0, note="误报"),
        audit=_audit(AlarmAction.RESOLVE, first.alarm_pk),
    )
    assert len(alarms.alarms(statuses=ACTIVE_STATUSES)) == 3
    assert [a.kind for a in alarms.alarms(statuses=frozenset({AlarmStatus.RESOLVED}))] == [
        "emergency"
    ]


def test_decisions_move_the_status_with_their_audit_entry(store: Store) -> None:
    alarms = store.alarms
    alarms.add_events([_raised()], [])
    pk = alarms.alarms()[0].alarm_pk
    later = T0 + dt.timedelta(minutes=2)
    acked = alarms.decide(
        pk,
        Decision(AlarmAction.ACKNOWLEDGE, "anquan", later),
        audit=_audit(AlarmAction.ACKNOWLEDGE, pk),
    )
    assert acked is not None and acked.status is AlarmStatus.ACKNOWLEDGED
    assert (acked.decided_by, acked.decided_utc) == ("anquan", later)
    assigned = alarms.decide(
        pk,
        Decision(AlarmAction.ASSIGN, "anquan", later, assignee="li"),
        audit=_audit(AlarmAction.ASSIGN, pk),
    )
    assert assigned is not None and (assigned.status, assigned.assignee) == ("assigned", "li")
    resolved = alarms.decide(
        pk,
        Decision(AlarmAction.RESOLVE, "li", later, note="已提醒驾驶员"),
        audit=_audit(AlarmAction.RESOLVE, pk),
    )
    assert resolved is not None and resolved.status is AlarmStatus.RESOLVED
    assert (resolved.note, resolved.decided_by, resolved.assignee) == ("已提醒驾驶员", "li", "li")
    log = store.users.audit_log()
    assert [e.action for e in reversed(log)] == [
        "alarm_acknowledged",
        "alarm_assigned",
        "alarm_resolved",
    ]
    assert all(e.target == f"alarm/{pk}" and e.client == "10.0.0.9" for e in log)


def test_a_refused_decision_writes_neither_the_change_nor_the_audit_entry(store: Store) -> None:
    alarms = store.alarms
    alarms.add_events([_raised()], [])
    pk = alarms.alarms()[0].alarm_pk
    ack = Decision(AlarmAction.ACKNOWLEDGE, "anquan", T0)
    alarms.decide(pk, ack, audit=_audit(AlarmAction.ACKNOWLEDGE, pk))
    with pytest.raises(AlarmTransitionError, match="acknowledged already"):
        alarms.decide(pk, ack, audit=_audit(AlarmAction.ACKNOWLEDGE, pk))
    alarms.decide(
        pk,
        Decision(AlarmAction.RESOLVE, "anquan", T0, note="ok"),
        audit=_audit(AlarmAction.RESOLVE, pk),
    )
    with pytest.raises(AlarmTransitionError, match="resolved already"):
        alarms.decide(
            pk,
            Decision(AlarmAction.RESOLVE, "other", T0, note="again"),
            audit=_audit(AlarmAction.RESOLVE, pk),
        )
    after = alarms.alarm(pk)
    assert after is not None and (after.note, after.decided_by) == ("ok", "anquan")
    assert [e.action for e in store.users.audit_log()] == ["alarm_resolved", "alarm_acknowledged"]
    assert alarms.decide(999, ack, audit=_audit(AlarmAction.ACKNOWLEDGE, 999)) is None
    assert len(store.users.audit_log()) == 2


def test_a_naive_time_is_refused_before_anything_is_written(store: Store) -> None:
    with pytest.raises(BadInputError, match="naive"):
        store.alarms.add_events([_raised(), _raised("x", raised_utc=T0.replace(tzinfo=None))], [])
    assert store.alarms.alarms() == []


def test_alarms_between_and_positions_read_a_week(store: Store) -> None:
    store.alarms.add_events([_raised(minutes=0), _raised("dms.fatigue", 1, 60 * 24 * 8)], [])
    week = store.alarms.alarms_between(T0 - dt.timedelta(days=1), T0 + dt.timedelta(days=6))
    assert [a.kind for a in week] == ["adas.forward_collision"]
    store.history.add_positions(
        [
            PositionRecord("V1", T0 + dt.timedelta(seconds=10 * k), 41.12, 121.14, 30.0 + k)
            for k in range(3)
        ]
        + [PositionRecord("V2", T0, 41.0, 121.0, None)]
    )
    frame = store.alarms.positions(T0, T0 + dt.timedelta(seconds=20))
    assert frame.columns == ["vehicle_id", "ts_utc", "lat", "lon", "speed_kmh", "route_id"]
    assert frame["vehicle_id"].to_list() == ["V1", "V1", "V2"]
    assert frame["ts_utc"].dtype == pl.Datetime("us", "UTC") and frame["ts_utc"][0] == T0
    assert store.alarms.positions(T0, T0 + dt.timedelta(days=1), {"V2"}).height == 1
