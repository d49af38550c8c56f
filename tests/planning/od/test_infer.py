"""OD inference on hand-made days whose answer is known: chaining, the last ride of the
day, transfers, the walking limit, cash, taps far from any stop, reader clocks, loads."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from busbrain.planning.od.infer import infer_od
from busbrain.planning.od.params import OdParams

DAY = dt.date(2026, 12, 1)
T0 = 1_796_054_400.0  # 2026-12-01 00:00 +08:00, the service day's start (unix s)
HOP_S = 120.0
DWELL_S = 20.0

# Line A runs east along y = 0 (stops every 500 m) and back along y = 30; line B runs
# north from beside A's last stop.
STOPS = {
    **{f"A{i}": (500.0 * (i - 1), 0.0) for i in range(1, 6)},
    **{f"A{i}r": (500.0 * (i - 1), 30.0) for i in range(1, 6)},
    **{f"B{i}": (2050.0, 600.0 * (i - 1)) for i in range(1, 5)},
}


def stops_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "stop_id": list(STOPS),
            "x": [p[0] for p in STOPS.values()],
            "y": [p[1] for p in STOPS.values()],
            "zone": [f"Z{int(p[0] // 1000)}_{int(p[1] // 1000)}" for p in STOPS.values()],
        }
    )


def trip(
    vehicle: str, trip_id: str, route: str, direction: int, stops: list[str], start_h: float
) -> list[dict[str, object]]:
    """Calls every HOP_S seconds from `start_h` (hours after the day's start), dwelling."""
    out = []
    for k, stop in enumerate(stops):
        arr = T0 + start_h * 3600 + k * HOP_S
        out.append(
            {
                "service_date": DAY,
                "vehicle_id": vehicle,
                "trip_id": trip_id,
                "route_id": route,
                "direction_id": direction,
                "seq": k + 1,
                "stop_id": stop,
                "arr": arr,
                "dep": arr + DWELL_S,
                "stopped": True,
            }
        )
    return out


def visits() -> pl.DataFrame:
    rows = (
        trip("VA", "A_out", "A", 0, [f"A{i}" for i in range(1, 6)], 7.0)
        + trip("VA", "A_back", "A", 1, [f"A{i}r" for i in range(5, 0, -1)], 8.0)
        + trip("VB", "B_out", "B", 0, [f"B{i}" for i in range(1, 5)], 7.2)
    )
    return pl.DataFrame(rows)


def at(trip_start_h: float, k: int, after_s: float = 5.0) -> float:
    """A tap `after_s` into the dwell at the k-th call (0-based) of a trip."""
    return T0 + trip_start_h * 3600 + k * HOP_S + after_s


TAPS = [
    # card c1: out on A from A1, back on A from A4r in the evening (last ride of the day)
    (1, "VA", "c1", at(7.0, 0)),
    (2, "VA", "c1", at(8.0, 1)),
    # cash at A1 on the same trip: no card, but counted through c1's ride
    (3, "VA", None, at(7.0, 0, 8.0)),
    # card c2: A from A2, then B from B1 a few minutes after A reaches A5 (a transfer);
    # its last ride chains back to A2, which no stop of B is near (walking limit)
    (4, "VA", "c2", at(7.0, 1)),
    (5, "VB", "c2", at(7.2, 0)),
    # card c3: one ride only
    (6, "VB", "c3", at(7.2, 1)),
    # card c4: a tap when VA is nowhere near a stop call
    (7, "VA", "c4", T0 + 6.0 * 3600),
]


def taps_frame(taps: list[tuple[int, str, str | None, float]] = TAPS) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "tap_id": [t[0] for t in taps],
            "service_date": [DAY] * len(taps),
            "t": [t[3] for t in taps],
            "vehicle_id": [t[1] for t in taps],
            "card_hash": [t[2] for t in taps],
            "channel": ["cash" if t[2] is None else "ic_card" for t in taps],
        },
        schema_overrides={"card_hash": pl.String()},
    )


def days_frame() -> pl.DataFrame:
    return pl.DataFrame({"service_date": [DAY], "day_start": [T0]})


@pytest.fixture(scope="module")
def rides() -> pl.DataFrame:
    result = infer_od(taps_frame(), visits(), stops_frame(), days_frame())
    return result.rides


def ride(rides: pl.DataFrame, tap_id: int) -> dict[str, object]:
    return rides.filter(pl.col("tap_id") == tap_id).row(0, named=True)


def test_boarding_stop_is_the_call_holding_the_tap(rides: pl.DataFrame) -> None:
    assert ride(rides, 1)["board_stop_id"] == "A1"
    assert ride(rides, 4)["board_stop_id"] == "A2"
    assert ride(rides, 5)["board_stop_id"] == "B1"
    assert ride(rides, 2)["trip_id"] == "A_back"


def test_a_ride_alights_nearest_the_next_boarding(rides: pl.DataFrame) -> None:
    r = ride(rides, 1)
    assert r["alight_stop_id"] == "A4"  # A4 is 30 m from A4r, where c1 boards next
    assert r["chained"] is True
    assert r["walk_m"] == pytest.approx(30.0)


def test_the_last_ride_of_the_day_chains_back_to_the_first_origin(rides: pl.DataFrame) -> None:
    r = ride(rides, 2)
    assert r["alight_stop_id"] == "A1r"  # beside A1, where the day began
    assert r["transfer_next"] is False


def test_a_quick_change_of_line_is_a_transfer_in_one_journey(rides: pl.DataFrame) -> None:
    first, second = ride(rides, 4), ride(rides, 5)
    assert first["alight_stop_id"] == "A5"
    assert first["transfer_next"] is True
    assert second["transfer_from_prev"] is True
    assert first["journey_no"] == second["journey_no"]
    # c1's two rides on line A are an hour apart and on the same line: two journeys
    assert ride(rides, 1)["transfer_next"] is False
    assert ride(rides, 1)["journey_no"] != ride(rides, 2)["journey_no"]


def test_no_stop_within_walking_distance_leaves_the_ride_unchained(rides: pl.DataFrame) -> None:
    r = ride(rides, 5)
    assert r["chained"] is False
    assert r["unchained_reason"] == "beyond_walk_limit"
    assert r["alight_stop_id"] is not None  # the nearest is known, but too far
    wider = infer_od(
        taps_frame(), visits(), stops_frame(), days_frame(), OdParams(walk_limit_m=5000)
    ).rides
    assert ride(wider, 5)["chained"] is True


def test_unchained_rides_say_why(rides: pl.DataFrame) -> None:
    assert ride(rides, 3)["unchained_reason"] == "no_card"
    assert ride(rides, 6)["unchained_reason"] == "single_ride"
    assert ride(rides, 7)["unchained_reason"] == "no_boarding_stop"
    assert ride(rides, 7)["board_stop_id"] is None


def test_expansion_counts_the_cash_rider_through_the_chained_one(rides: pl.DataFrame) -> None:
    assert ride(rides, 1)["weight"] == pytest.approx(2.0)
    assert ride(rides, 4)["weight"] == pytest.approx(1.0)
    assert ride(rides, 3)["weight"] == 0.0


def test_segment_loads_follow_boardings_and_alightings() -> None:
    result = infer_od(taps_frame(), visits(), stops_frame(), days_frame())
    seg = result.segment_loads.filter(pl.col("trip_id") == "A_out").sort("from_seq")
    # A1: c1 + cash board (2); A2: c2 boards; A4: c1 and the cash rider get off; A5: c2
    assert seg.get_column("load").to_list() == pytest.approx([2.0, 3.0, 3.0, 1.0])
    od = result.od_stop.filter(pl.col("origin_stop_id") == "A1")
    assert od.row(0, named=True)["destination_stop_id"] == "A4"
    assert od.row(0, named=True)["trips"] == pytest.approx(2.0)
    flows = result.transfers.row(0, named=True)
    assert (flows["from_route_id"], flows["to_route_id"]) == ("A", "B")


def test_a_reader_clock_that_is_off_is_found_and_corrected() -> None:
    # Bus VA's reader runs 40 s fast: every tap on it reads 40 s late.
    taps = []
    for k in range(5):
        for j in range(8):
            taps.append((100 + k * 10 + j, "VA", f"x{k}{j}", at(7.0, k, 2.0 + j) + 40.0))
    result = infer_od(taps_frame(taps), visits(), stops_frame(), days_frame())
    clock = result.clocks.filter(pl.col("vehicle_id") == "VA").row(0, named=True)
    assert clock["offset_s"] == pytest.approx(-40.0, abs=10.0)
    boards = result.rides.sort("tap_id").get_column("board_stop_id").to_list()
    assert boards == [f"A{k + 1}" for k in range(5) for _ in range(8)]


def test_missing_columns_are_named() -> None:
    with pytest.raises(ValueError, match="taps lacks the columns card_hash"):
        infer_od(taps_frame().drop("card_hash"), visits(), stops_frame(), days_frame())


def test_passenger_counts_scale_each_trips_boardings() -> None:
    apc = pl.DataFrame(
        {
            "service_date": [DAY, DAY, DAY],
            "vehicle_id": ["VA", "VA", "VA"],
            "t": [at(7.0, 0, 1.0), at(7.0, 1, 1.0), at(7.0, 3, 1.0)],
            "boarded": [4, 2, 0],  # six boarded A_out where three tapped
        }
    )
    result = infer_od(taps_frame(), visits(), stops_frame(), days_frame(), apc=apc)
    assert ride(result.rides, 1)["weight"] == pytest.approx(4.0)
    assert ride(result.rides, 4)["weight"] == pytest.approx(2.0)
    assert result.rates["apc_boardings_per_tap"] == pytest.approx(6 / 3)
    with pytest.raises(ValueError, match="apc lacks the columns boarded"):
        infer_od(taps_frame(), visits(), stops_frame(), days_frame(), apc=apc.drop("boarded"))


def test_a_second_tap_of_the_card_pays_for_a_companion() -> None:
    taps = [
        (1, "VA", "c9", at(7.0, 0)),
        (2, "VA", "c9", at(7.0, 0, 12.0)),  # the same card again: a companion
        (3, "VA", "c9", at(8.0, 1)),  # later, back from A4r
    ]
    rides = infer_od(taps_frame(taps), visits(), stops_frame(), days_frame()).rides
    payer, companion = ride(rides, 1), ride(rides, 2)
    assert companion["companion"] is True and payer["companion"] is False
    assert payer["alight_stop_id"] == companion["alight_stop_id"] == "A4"
    assert companion["chained"] is True and companion["transfer_next"] is False
    assert payer["journey_no"] == companion["journey_no"]
    # Without the companion rule the second tap would be a ride ending at its own stop.
    assert ride(rides, 3)["alight_stop_id"] == "A1r"
