"""The busbrain command: help everywhere, meaningful exit codes, the store chosen by --db or env."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from busbrain.cli import app
from busbrain.wiring import open_store
from tests.tinyfeed import TinyFeed

runner = CliRunner()
BUSBRAIN = str(Path(sys.executable).parent / "busbrain")


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["gtfs"],
        ["gtfs", "import"],
        ["gtfs", "export"],
        ["gtfs", "validate"],
        ["gtfs", "convert-cn"],
        ["db"],
        ["db", "upgrade"],
        ["db", "status"],
        ["terminals"],
        ["terminals", "import"],
        ["serve"],
        ["demo"],
        ["simulate"],
        ["capture"],
        ["capture", "replay"],
    ],
)
def test_every_command_has_help(args: list[str]) -> None:
    result = runner.invoke(app, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_unknown_command_is_bad_usage() -> None:
    assert runner.invoke(app, ["gtfs", "bogus"]).exit_code == 2


def _summary(url: str) -> tuple[int, int]:
    store = open_store(url)
    s = store.queries.summary()
    store.close()
    return s.stops, s.stop_times


def test_import_export_validate(tiny: TinyFeed, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    r = runner.invoke(app, ["--db", db, "gtfs", "import", str(tiny.zip())])
    assert r.exit_code == 0, r.output
    assert _summary(db) == (8, 14)
    out = tmp_path / "out.zip"
    r = runner.invoke(app, ["--db", db, "gtfs", "export", str(out)])
    assert r.exit_code == 0 and out.exists()
    r = runner.invoke(app, ["gtfs", "validate", str(out)])
    assert r.exit_code == 0 and "no notices" in r.output


def test_a_feed_with_errors_is_refused_and_the_store_is_unchanged(
    tiny: TinyFeed, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert runner.invoke(app, ["--db", db, "gtfs", "import", str(tiny.folder())]).exit_code == 0
    bad = TinyFeed(tmp_path / "bad")
    bad.append("stop_times.txt", "T4,07:15:00,07:15:00,NOPE,4")
    bad.append("stops.txt", "X1,,新站,41.13,121.13,0,")
    report = tmp_path / "notices.json"
    r = runner.invoke(app, ["--db", db, "gtfs", "import", str(bad.folder()), "--json", str(report)])
    assert r.exit_code == 2
    assert "foreign_key_violation" in r.output and "stop_times.txt:16" in r.output
    assert _summary(db) == (8, 14)
    data = json.loads(report.read_text())
    (n,) = [n for n in data["notices"] if n["code"] == "foreign_key_violation"]
    assert (n["file"], n["line"], n["field"], n["value"]) == (
        "stop_times.txt",
        16,
        "stop_id",
        "NOPE",
    )


def test_skip_bad_rows_imports_the_rest(tiny: TinyFeed, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    tiny.append("stop_times.txt", "T4,07:15:00,07:15:00,NOPE,4")
    tiny.append("stops.txt", "X1,,新站,41.13,121.13,0,")
    r = runner.invoke(app, ["--db", db, "gtfs", "import", "--skip-bad-rows", str(tiny.folder())])
    assert r.exit_code == 0, r.output
    assert "skipped bad rows" in r.output
    assert _summary(db) == (9, 14)


def test_validate_a_broken_feed_exits_2(tiny: TinyFeed) -> None:
    tiny.append("routes.txt", "R3,JZ,,,3,")
    r = runner.invoke(app, ["gtfs", "validate", str(tiny.folder())])
    assert r.exit_code == 2
    assert "route_both_short_and_long_name_missing" in r.output


def test_missing_file_exits_2_with_a_message(tmp_path: Path) -> None:
    r = runner.invoke(app, ["gtfs", "validate", str(tmp_path / "none.zip")])
    assert r.exit_code == 2
    assert "no such file" in " ".join(r.output.split())  # long paths wrap


def test_the_database_comes_from_the_environment(tiny: TinyFeed, tmp_path: Path) -> None:
    db = tmp_path / "env.db"
    env = {**os.environ, "BUSBRAIN_DB": f"sqlite:///{db}"}
    proc = subprocess.run(
        [BUSBRAIN, "gtfs", "import", str(tiny.zip())],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert db.exists()
    proc = subprocess.run(
        [BUSBRAIN, "db", "status"], env=env, capture_output=True, text=True, timeout=120
    )
    assert "8 stops" in proc.stdout


def test_default_database_is_a_sqlite_file_under_var(tiny: TinyFeed, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "BUSBRAIN_DB"}
    proc = subprocess.run(
        [BUSBRAIN, "gtfs", "import", str(tiny.zip())],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "var" / "busbrain.db").exists()


def test_postgres_url_works_from_the_cli(tiny: TinyFeed, pg_url: str) -> None:
    r = runner.invoke(app, ["--db", pg_url, "gtfs", "import", str(tiny.zip())])
    assert r.exit_code == 0, r.output
    assert _summary(pg_url) == (8, 14)
