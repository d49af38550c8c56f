"""The trip-change rules: what a change needs, which changes contradict each other, and
what the day's changes mean for a trip's stops."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from busbrain.domain.tripchanges import (
    ChangeKind,
    DayChanges,
    TripChange,
    check,
    conflict,
    extra_trip_id,
)

DAY = dt.date(2026, 12, 1)
AT = dt.datetime(2026, 12, 1, 0, 30, tzinfo=dt.UTC)


def change(kind: ChangeKind, change_id: int = 1, **kw: object) -> TripChange:
    base = TripChange(kind, DAY, "diaodu", AT, change_id=change_id)
    return dataclasses.replace(base, **kw)  # type: ignore[arg-type]


def test_an_extra_trip_is_named_after_its_source_and_start() -> None:
    assert extra_trip_id("O3", 9 * 3600 + 30 * 60) == "O3+x0930"
    assert extra_trip_id("T1", 25 * 3600 + 5 * 60 + 30) == "T1+x2505"


@pytest.mark.parametrize(
    ("bad", "names"),
    [
        (change(ChangeKind.CANCEL), "trip_id"),
        (
            change(ChangeKind.SHORT_TURN, trip_id="O3", from_stop_sequence=3, to_stop_sequence=3),
            "to_stop_sequence",
        ),
        (change(ChangeKind.SHORT_TURN, trip_id="O3", from_stop_sequence=1), "to_stop_sequence"),
        (change(ChangeKind.EXTRA, trip_id="O3", new_trip_id="O3+x0930"), "start_time"),
        (change(ChangeKind.HOLD, vehicle_id="V1", stop_id="C1"), "until"),
        (change(ChangeKind.SWAP, vehicle_id="V1", to_vehicle_id="V1"), "to_vehicle_id"),
        (change(ChangeKind.CANCEL, trip_id="O3", note="长" * 201), "note"),
    ],
)  # fmt: skip
def test_malformed_changes_are_refused_naming_the_field(bad: TripChange, names: str) -> None:
    with pytest.raises(ValueError, match=names):
        check(bad)


def test_a_trip_is_cancelled_or_short_turned_once() -> None:
    cancel = change(ChangeKind.CANCEL, trip_id="O3")
    again = change(ChangeKind.CANCEL, 2, trip_id="O3")
    short = change(ChangeKind.SHORT_TURN, 2, trip_id="O3", from_stop_sequence=1, to_stop_sequence=2)
    assert conflict(cancel, []) is None
    assert "already cancelled (change 1)" in (conflict(again, [cancel]) or "")
    assert "already cancelled" in (conflict(short, [cancel]) or "")
    assert "already short-turned" in (conflict(cancel, [short]) or "")
    # another trip, a revoked change, another day: no conflict
    assert conflict(change(ChangeKind.CANCEL, trip_id="O4"), [cancel]) is None
    revoked = dataclasses.replace(cancel, revoked_utc=AT, revoked_by="diaodu")
    assert conflict(again, [revoked]) is None
    tomorrow = dataclasses.replace(cancel, service_date=DAY + dt.timedelta(days=1))
    assert conflict(again, [tomorrow]) is None


def test_extras_holds_and_swaps_conflict_with_their_own_kind() -> None:
    extra = change(ChangeKind.EXTRA, trip_id="O3", start_time_s=30600, new_trip_id="O3+x0830")
    assert conflict(dataclasses.replace(extra, change_id=2), [extra])
    assert conflict(dataclasses.replace(extra, new_trip_id="O3+x0840"), [extra]) is None
    hold = change(ChangeKind.HOLD, vehicle_id="V1", stop_id="C1", until_utc=AT)
    assert conflict(dataclasses.replace(hold, stop_id="D1"), [hold])
    assert conflict(dataclasses.replace(hold, vehicle_id="V2"), [hold]) is None
    swap = change(ChangeKind.SWAP, vehicle_id="V1", to_vehicle_id="V3")
    assert "handed over" in (conflict(dataclasses.replace(swap, to_vehicle_id="V4"), [swap]) or "")
    assert "took over" in (conflict(dataclasses.replace(swap, vehicle_id="V2"), [swap]) or "")
    assert conflict(swap, [extra, hold]) is None


def test_the_day_says_which_stops_a_trip_still_serves() -> None:
    day = DayChanges.of(
        DAY,
        [
            change(ChangeKind.CANCEL, trip_id="O3"),
            change(
                ChangeKind.SHORT_TURN, 2, trip_id="O4", from_stop_sequence=2, to_stop_sequence=3
            ),
            change(ChangeKind.EXTRA, 3, trip_id="O1", start_time_s=30600, new_trip_id="O1+x0830"),
            dataclasses.replace(change(ChangeKind.CANCEL, 4, trip_id="O5"), revoked_utc=AT),
        ],
        version=7,
    )
    assert not day.serves("O3", 1)
    assert [day.serves("O4", k) for k in (1, 2, 3, 4)] == [False, True, True, False]
    assert day.serves("O5", 1) and day.serves("O1", 1)
    assert [day.flag_of(t) for t in ("O3", "O4", "O1+x0830", "O5", None)] == [
        "cancel",
        "short_turn",
        "extra",
        None,
        None,
    ]
    assert day.version == 7 and len(day.changes) == 3
