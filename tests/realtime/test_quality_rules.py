"""Each quality rule: a case that triggers it and a near miss that does not."""

from __future__ import annotations

import ast
import importlib
import math
from pathlib import Path

import pytest

from busbrain.domain.notices import Notice, Severity
from busbrain.realtime.fixes import Fix
from busbrain.realtime.quality import RULES, QualityCounters, QualityState, Verdict, check
from busbrain.realtime.quality.model import DUPLICATE_MEMORY_FIXES, SKEW_WINDOW_FIXES
from tests.realtime.quality_helpers import LAT0, LON0, T0, codes, fix, run
from tests.test_purity import FORBIDDEN

PKG = Path(__file__).resolve().parents[2] / "src" / "busbrain" / "realtime" / "quality"


def after(first: Fix, second: Fix, now: float | None = None) -> tuple[Verdict, tuple[Notice, ...]]:
    """The verdict and notices on `second` once `first` was accepted."""
    state, verdict, _ = check(None, first, first.t)
    assert verdict is Verdict.KEEP
    _, verdict, notices = check(state, second, second.t if now is None else now)
    return verdict, notices


# --- invalid_fix ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (Fix("bus-1", T0, LAT0, LON0, T0, valid=False), "valid"),
        (Fix("bus-1", T0, 90.5, LON0, T0), "position"),
        (Fix("bus-1", T0, LAT0, -180.01, T0), "position"),
        (Fix("bus-1", T0, math.nan, LON0, T0), "position"),
        (Fix("bus-1", T0, LAT0, math.inf, T0), "position"),
        (Fix("bus-1", T0, 0.0, 0.0, T0), "position"),
        (Fix("bus-1", math.nan, LAT0, LON0, T0), "t"),
    ],
)
def test_invalid_fix_is_dropped_as_error(bad: Fix, field: str) -> None:
    state, verdict, notices = check(None, bad, T0)
    assert verdict is Verdict.DROP
    assert [(n.code, n.severity, n.field) for n in notices] == [
        ("invalid_fix", Severity.ERROR, field)
    ]
    assert state == QualityState("bus-1")


@pytest.mark.parametrize(
    ("lat", "lon"), [(90.0, 180.0), (-90.0, -180.0), (0.0, 0.000001), (0.0, 121.0)]
)
def test_near_miss_valid_edges_of_range_are_kept(lat: float, lon: float) -> None:
    _, verdict, notices = check(None, Fix("bus-1", T0, lat, lon, T0), T0)
    assert (verdict, notices) == (Verdict.KEEP, ())


# --- duplicate -----------------------------------------------------------------------


def test_same_fix_twice_is_dropped_as_duplicate() -> None:
    f = fix(0, speed_kmh=20)
    state, verdict, _ = check(None, f, T0)
    again, verdict, notices = check(state, f, T0 + 5)
    assert verdict is Verdict.DROP
    assert [(n.code, n.severity, n.field) for n in notices] == [
        ("duplicate_fix", Severity.INFO, "t")
    ]
    assert again is state


def test_duplicate_of_an_older_accepted_fix_is_caught_before_out_of_order() -> None:
    state, _ = run([fix(0), fix(10, 50), fix(20, 100)])
    _, verdict, notices = check(state, fix(0), T0 + 30)
    assert (verdict, codes(notices)) == (Verdict.DROP, ["duplicate_fix"])


def test_near_miss_same_time_other_position_or_same_position_other_time() -> None:
    assert after(fix(0), fix(0, 2.0)) == (Verdict.KEEP, ())
    assert after(fix(0), fix(1)) == (Verdict.KEEP, ())


def test_duplicate_memory_is_bounded() -> None:
    state, _ = run([fix(10 * i, 20 * i) for i in range(3 * DUPLICATE_MEMORY_FIXES)])
    assert state is not None
    assert len(state.recent_keys) == DUPLICATE_MEMORY_FIXES


# --- out_of_order --------------------------------------------------------------------


def test_late_fix_within_budget_is_kept_with_info_and_does_not_become_newest() -> None:
    state, _ = run([fix(0), fix(200, 300)])
    assert state is not None
    new, verdict, notices = check(state, fix(100, 150, delay_s=100), T0 + 200)
    assert verdict is Verdict.KEEP
    assert [(n.code, n.severity) for n in notices] == [("out_of_order", Severity.INFO)]
    assert new.last == state.last
    assert len(new.recent_keys) == 3


def test_live_fix_beyond_budget_is_dropped_with_warning() -> None:
    state, _ = run([fix(0), fix(400, 300)])
    _, verdict, notices = check(state, fix(50, 30, delay_s=350), T0 + 400)
    assert verdict is Verdict.DROP
    assert [(n.code, n.severity, n.field) for n in notices] == [
        ("out_of_order_too_late", Severity.WARNING, "t")
    ]


def test_blind_area_fix_is_kept_at_any_age() -> None:
    state, _ = run([fix(0), fix(3600, 300)])
    _, verdict, notices = check(state, fix(60, 30, delay_s=3540, blind_area=True), T0 + 3600)
    assert (verdict, codes(notices)) == (Verdict.KEEP, ["out_of_order"])


def test_lateness_budget_is_a_parameter() -> None:
    state, _ = run([fix(0), fix(400, 300)])
    late = fix(50, 30, delay_s=None)
    _, verdict, notices = check(state, late, T0 + 400, lateness_s=600)
    assert (verdict, codes(notices)) == (Verdict.KEEP, ["out_of_order", "stale_fix"])


def test_near_miss_exactly_at_budget_or_same_time() -> None:
    state, _ = run([fix(0), fix(300, 300)])
    _, verdict, notices = check(state, fix(0, 0, 5), T0 + 300)
    assert (verdict, codes(notices)) == (Verdict.KEEP, ["out_of_order"])
    assert after(fix(0), fix(0, 5)) == (Verdict.KEEP, ())


# --- impossible_speed ----------------------------------------------------------------


def test_move_faster_than_limit_is_dropped_as_error() -> None:
    state, _, _ = check(None, fix(0), T0)
    new, verdict, notices = check(state, fix(10, 500), T0 + 10)  # 180 km/h
    assert verdict is Verdict.DROP
    assert [(n.code, n.severity, n.field) for n in notices] == [
        ("impossible_speed", Severity.ERROR, "position")
    ]
    assert "180 km/h" in notices[0].message
    assert new is state


def test_same_time_far_apart_is_impossible() -> None:
    verdict, notices = after(fix(0), fix(0, 40))
    assert (verdict, codes(notices)) == (Verdict.DROP, ["impossible_speed"])


def test_late_fix_far_from_newest_is_impossible_too() -> None:
    state, _ = run([fix(0), fix(100, 500)])
    _, verdict, notices = check(state, fix(90, -5000, delay_s=10), T0 + 100)
    assert (verdict, codes(notices)) == (Verdict.DROP, ["out_of_order", "impossible_speed"])


def test_near_miss_below_limit_and_same_time_within_tolerance() -> None:
    assert after(fix(0), fix(10, 410)) == (Verdict.KEEP, ())  # 147.6 km/h
    assert after(fix(0), fix(0, 25)) == (Verdict.KEEP, ())


# --- gps_jump ------------------------------------------------------------------------


def test_long_move_the_reported_speed_cannot_explain_is_a_kept_warning() -> None:
    state, _, _ = check(None, fix(0), T0)
    jump = fix(60, 1500, speed_kmh=10)  # 90 km/h average; 10 km/h allows 700 m
    new, verdict, notices = check(state, jump, T0 + 60)
    assert verdict is Verdict.KEEP
    assert [(n.code, n.severity, n.field) for n in notices] == [
        ("gps_jump", Severity.WARNING, "position")
    ]
    assert new.last == jump


def test_near_miss_speed_explains_it_or_no_speed_or_short_move() -> None:
    assert after(fix(0), fix(60, 1500, speed_kmh=30)) == (Verdict.KEEP, ())  # allows 1700 m
    assert after(fix(0), fix(60, 1500)) == (Verdict.KEEP, ())
    assert after(fix(0), fix(60, 480, speed_kmh=0)) == (Verdict.KEEP, ())


# --- stale_fix -----------------------------------------------------------------------


def test_live_fix_received_late_is_stale() -> None:
    _, verdict, notices = check(None, fix(0, delay_s=121), T0 + 121)
    assert verdict is Verdict.KEEP
    assert [(n.code, n.severity, n.field) for n in notices] == [
        ("stale_fix", Severity.WARNING, "t")
    ]


def test_without_received_age_is_measured_against_now() -> None:
    _, _, notices = check(None, fix(0, delay_s=None), T0 + 121)
    assert codes(notices) == ["stale_fix"]
    assert "now" in notices[0].message


def test_near_miss_at_limit_or_blind_area() -> None:
    assert check(None, fix(0, delay_s=120), T0 + 120)[1:] == (Verdict.KEEP, ())
    assert check(None, fix(0, delay_s=5000, blind_area=True), T0 + 5000)[1:] == (
        Verdict.KEEP,
        (),
    )


# --- clock_skew ----------------------------------------------------------------------


def test_fix_time_ahead_of_received_is_clock_skew() -> None:
    _, verdict, notices = check(None, fix(0, delay_s=-31), T0)
    assert verdict is Verdict.KEEP
    assert [(n.code, n.severity, n.field) for n in notices] == [
        ("clock_skew", Severity.WARNING, "t")
    ]


def test_without_received_skew_is_measured_against_now() -> None:
    assert codes(check(None, fix(0, delay_s=None), T0 - 31)[2]) == ["clock_skew"]


def test_near_miss_ahead_within_tolerance() -> None:
    assert check(None, fix(0, delay_s=-30), T0)[1:] == (Verdict.KEEP, ())


def test_skew_estimate_is_the_least_delay_of_recent_live_fixes() -> None:
    assert QualityState("bus-1").skew_s is None
    fixes = [fix(10 * i, 10 * i, delay_s=-45) for i in range(70)]
    fixes[65] = fix(650, 650, delay_s=200)  # one fix held in a queue
    fixes[66] = fix(660, 660, delay_s=900, blind_area=True)  # not counted
    state, _ = run(fixes)
    assert state is not None
    assert state.skew_s == -45
    assert len(state.skews) == SKEW_WINDOW_FIXES


def test_no_skew_estimate_without_received_times() -> None:
    state, _ = run([fix(10 * i, 10 * i, delay_s=None) for i in range(5)])
    assert state is not None
    assert state.skew_s is None


# --- check, counters, the package ----------------------------------------------------


def test_check_stops_at_the_first_drop() -> None:
    bad = fix(0, delay_s=500, valid=False)  # also stale, but dropped first
    assert codes(check(None, bad, T0 + 500)[2]) == ["invalid_fix"]


def test_keep_rules_accumulate_notices() -> None:
    state, _ = run([fix(0), fix(200, 300)])
    late = fix(60, 1500, speed_kmh=10, delay_s=140)  # late, jumped and stale
    _, verdict, notices = check(state, late, T0 + 200)
    assert verdict is Verdict.KEEP
    assert codes(notices) == ["out_of_order", "stale_fix"]  # gps_jump only forwards in time
    _, verdict, notices = check(state, fix(300, 2300, speed_kmh=10, delay_s=140), T0 + 440)
    assert (verdict, codes(notices)) == (Verdict.KEEP, ["gps_jump", "stale_fix"])


def test_state_of_another_vehicle_is_refused() -> None:
    state, _, _ = check(None, fix(0), T0)
    with pytest.raises(ValueError, match="bus-2"):
        check(state, fix(10, vehicle_id="bus-2"), T0 + 10)


def test_counters_count_by_code_and_severity() -> None:
    counters = QualityCounters()
    for _, notices in run([fix(0), fix(0), fix(10, 500), fix(20, 30, delay_s=-40)])[1]:
        counters.add(notices)
    assert counters.by_code == {"duplicate_fix": 1, "impossible_speed": 1, "clock_skew": 1}
    assert counters.by_severity == {Severity.INFO: 1, Severity.ERROR: 1, Severity.WARNING: 1}
    assert counters.counts[("clock_skew", Severity.WARNING)] == 1
    assert counters.total == 3


@pytest.mark.parametrize(("name", "_rule"), RULES)
def test_each_rule_module_documents_its_codes_and_severities(name: str, _rule: object) -> None:
    module = importlib.import_module(f"busbrain.realtime.quality.{name}")
    doc = module.__doc__ or ""
    declared = [
        (getattr(module, k), getattr(module, k.replace("CODE", "SEVERITY")))
        for k in vars(module)
        if k.startswith("CODE")
    ]
    assert declared
    for code, severity in declared:
        assert f"- {code} ({severity.name}," in doc


def test_quality_package_is_pure() -> None:
    bad = []
    for path in PKG.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            bad += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert bad == []
