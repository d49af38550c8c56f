"""The canonical GTFS validator finds nothing wrong with the demo feed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from busbrain.democity import write_demo_feed

ALLOWED_WARNINGS: set[str] = set()
"""Warning codes accepted from the validator (none at present)."""


def _validator() -> str:
    beside = Path(sys.executable).with_name("gtfs-validator")
    found = str(beside) if beside.exists() else shutil.which("gtfs-validator")
    assert found is not None, "gtfs-validator is not installed (scripts/setup --test installs it)"
    return found


@pytest.mark.slow
def test_validator_reports_no_errors(tmp_path: Path) -> None:
    feed = write_demo_feed(tmp_path / "demo.zip")
    out = tmp_path / "report"
    cmd = [_validator(), "-i", str(feed), "-o", str(out), "-c", "CN", "-d", "2026-12-01", "-t", "2"]
    subprocess.run(cmd, check=True, capture_output=True, timeout=540)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    by_severity: dict[str, list[str]] = {}
    for notice in report["notices"]:
        by_severity.setdefault(notice["severity"], []).append(
            f"{notice['code']} x{notice['totalNotices']}"
        )
    assert by_severity.get("ERROR", []) == []
    warnings = {code.split(" ")[0] for code in by_severity.get("WARNING", [])}
    assert warnings <= ALLOWED_WARNINGS, by_severity["WARNING"]
    system_errors = json.loads((out / "system_errors.json").read_text(encoding="utf-8"))
    assert system_errors["notices"] == []
