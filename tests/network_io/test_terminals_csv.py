"""`busbrain terminals import`: the registry from an operator's CSV."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from busbrain.cli import app
from busbrain.network_io.terminals_csv import read_terminals
from busbrain.wiring import open_store

runner = CliRunner()
GOOD = (
    "\ufeffphone,plate,plate_colour,vehicle_id,depot\n"
    "013900000001,辽G10001,1,1001,北站场\n"
    "13900000002,辽G10002,,1002,\n"
)


def test_reads_rows_and_normalises_phones(tmp_path: Path) -> None:
    f = tmp_path / "t.csv"
    f.write_text(GOOD, encoding="utf-8")
    records, notices = read_terminals(f)
    assert notices == []
    assert [(r.phone, r.plate, r.plate_colour, r.vehicle_id, r.depot) for r in records] == [
        ("13900000001", "辽G10001", 1, "1001", "北站场"),
        ("13900000002", "辽G10002", None, "1002", None),
    ]


def test_bad_rows_are_named_and_nothing_is_imported(tmp_path: Path) -> None:
    f = tmp_path / "t.csv"
    f.write_text(
        GOOD + "13x,辽G1,1,,\n13900000003,辽G3,7,,\n013900000001,dup,1,,\n", encoding="utf-8"
    )
    db = f"sqlite:///{tmp_path / 'r.db'}"
    r = runner.invoke(app, ["--db", db, "terminals", "import", str(f)])
    assert r.exit_code == 2
    assert "terminals:4 [phone]" in r.output and "terminals:5 [plate_colour]" in r.output
    assert "terminals:6 [phone]" in r.output
    store = open_store(db)
    assert store.terminals.find_terminal("13900000001") is None
    r = runner.invoke(app, ["--db", db, "terminals", "import", "--skip-bad-rows", str(f)])
    assert r.exit_code == 0, r.output
    assert store.terminals.find_terminal("13900000001") is not None
    store.close()
