"""调度指挥's trip changes on SQLite and PostgreSQL: stored with their audit entry in one
transaction, a contradicting or malformed change writes neither, revoking is recorded
(once), and a day's list keeps revoked changes only when asked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from busbrain.access.records import AuditAction, AuditEntry
from busbrain.domain.errors import BadInputError
from busbrain.domain.tripchanges import ChangeKind, TripChange, TripChangeConflict
from busbrain.store.ports import TripChanges
from busbrain.wiring import Store, open_store

DAY = dt.date(2026, 12, 1)
T0 = dt.datetime(2026, 12, 1, 0, 30, tzinfo=dt.UTC)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    st = open_store(store_url)
    yield st
    st.close()


def _audit(action: AuditAction, target: str) -> AuditEntry:
    return AuditEntry(T0, "diaodu", action, target, {"why": "test"}, "10.0.0.9")


def test_every_kind_round_trips_with_its_audit_entry(store: Store) -> None:
    changes: TripChanges = store.trip_changes
    made = [
        TripChange(ChangeKind.CANCEL, DAY, "diaodu", T0, trip_id="O3", note="车辆故障"),
        TripChange(
            ChangeKind.SHORT_TURN, DAY, "diaodu", T0, trip_id="O4",
            from_stop_sequence=1, to_stop_sequence=3,
        ),
        TripChange(
            ChangeKind.EXTRA, DAY, "diaodu", T0, trip_id="O1", start_time_s=30900,
            new_trip_id="O1+x0835", vehicle_id="V5",
        ),
        TripChange(
            ChangeKind.HOLD, DAY, "diaodu", T0, vehicle_id="V1", stop_id="C1",
            until_utc=T0 + dt.timedelta(minutes=3),
        ),
        TripChange(
            ChangeKind.SWAP, DAY, "diaodu", T0, vehicle_id="V1", to_vehicle_id="V3",
            trip_id="O2", block_id="B7",
        ),
    ]  # fmt: skip
    stored = [changes.add(c, audit=_audit(AuditAction.TRIP_CANCELLED, c.target())) for c in made]
    ids = [c.change_id for c in stored]
    assert all(i is not None for i in ids) and ids == sorted(ids)
    for given, got in zip(made, stored, strict=True):
        assert got == TripChange(**{**_fields(given), "change_id": got.change_id})
    assert changes.changes_on(DAY) == stored
    assert changes.changes_on(DAY + dt.timedelta(days=1)) == []
    log = store.users.audit_log()
    assert [e.detail["change_id"] for e in reversed(log)] == ids
    assert log[0].detail["why"] == "test" and log[0].client == "10.0.0.9"


def _fields(c: TripChange) -> dict[str, object]:
    return {f: getattr(c, f) for f in TripChange.__slots__}  # type: ignore[attr-defined]


def test_a_contradicting_or_malformed_change_writes_nothing(store: Store) -> None:
    changes = store.trip_changes
    cancel = TripChange(ChangeKind.CANCEL, DAY, "diaodu", T0, trip_id="O3")
    changes.add(cancel, audit=_audit(AuditAction.TRIP_CANCELLED, "trip/O3"))
    with pytest.raises(TripChangeConflict, match="already cancelled"):
        changes.add(cancel, audit=_audit(AuditAction.TRIP_CANCELLED, "trip/O3"))
    bad = TripChange(
        ChangeKind.SHORT_TURN, DAY, "diaodu", T0, trip_id="O4",
        from_stop_sequence=3, to_stop_sequence=1,
    )  # fmt: skip
    with pytest.raises(BadInputError, match="to_stop_sequence"):
        changes.add(bad, audit=_audit(AuditAction.TRIP_SHORT_TURNED, "trip/O4"))
    assert len(changes.changes_on(DAY)) == 1
    assert len(store.users.audit_log()) == 1


def test_revoking_is_recorded_once_and_frees_the_trip(store: Store) -> None:
    changes = store.trip_changes
    cancel = TripChange(ChangeKind.CANCEL, DAY, "diaodu", T0, trip_id="O3")
    stored = changes.add(cancel, audit=_audit(AuditAction.TRIP_CANCELLED, "trip/O3"))
    assert stored.change_id is not None
    later = T0 + dt.timedelta(minutes=5)
    revoke = _audit(AuditAction.TRIP_CHANGE_REVOKED, "trip/O3")
    done = changes.revoke(stored.change_id, "zhang", later, audit=revoke)
    assert done is not None and (done.revoked_by, done.revoked_utc, done.active) == (
        "zhang",
        later,
        False,
    )
    with pytest.raises(TripChangeConflict, match="already revoked"):
        changes.revoke(stored.change_id, "zhang", later, audit=revoke)
    assert changes.revoke(stored.change_id + 99, "zhang", later, audit=revoke) is None
    assert changes.changes_on(DAY) == []
    assert changes.changes_on(DAY, include_revoked=True) == [done]
    assert changes.change(stored.change_id) == done
    # the trip may be cancelled again
    changes.add(cancel, audit=_audit(AuditAction.TRIP_CANCELLED, "trip/O3"))
    assert [e.action for e in store.users.audit_log()] == [
        "trip_cancelled",
        "trip_change_revoked",
        "trip_cancelled",
    ]
