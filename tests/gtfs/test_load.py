"""The loader: a crashing rule doesn't stop the others; --skip-bad-rows drops exactly the bad."""

from __future__ import annotations

import types

from busbrain.domain.notices import Severity
from busbrain.gtfs.feed import GtfsFeed
from busbrain.gtfs.findings import Findings
from busbrain.gtfs.load import drop_bad_rows, run_rules
from busbrain.gtfs.rules import route_names
from tests.gtfs.helpers import load, notices
from tests.tinyfeed import TinyFeed


def _broken_check(feed: GtfsFeed, findings: Findings) -> None:
    raise ZeroDivisionError("boom")


def test_a_crashing_rule_becomes_a_notice_and_the_rest_run(tiny: TinyFeed) -> None:
    feed, _ = load(tiny.append("routes.txt", "R3,JZ,,,3,").folder())
    broken = types.ModuleType("busbrain.gtfs.rules.broken")
    broken.check = _broken_check  # type: ignore[attr-defined]
    findings = Findings()
    run_rules(feed, findings, rules=(broken, route_names))
    (crash,) = notices(findings, "rule_crashed")
    assert (
        crash.severity is Severity.ERROR and "broken" in crash.message and "boom" in crash.message
    )
    assert len(notices(findings, "route_both_short_and_long_name_missing")) == 1


def test_dropping_bad_rows_cascades_to_dependents(tiny: TinyFeed) -> None:
    # A stop with an impossible latitude: its row goes, and so do the stop times at it.
    tiny.append("stops.txt", "X1,,远方,141.2,121.1,0,")
    tiny.append("stop_times.txt", "T4,07:15:00,07:15:00,X1,4")
    feed, findings = load(tiny.folder())
    assert findings.notices.has_errors
    dropped = drop_bad_rows(feed, findings)
    assert dropped == {"stops.txt": 1, "stop_times.txt": 1}
    assert "X1" not in feed.tables["stops.txt"]["stop_id"].to_list()
    assert feed.height("stop_times.txt") == 14
    assert feed.height("trips.txt") == 4
