"""The JT/T 808 package stays sans-I/O: no sockets, event loops, files, clocks,
randomness or logging set-up, by import or by call. (tests/test_purity.py and the
import-linter contract cover the wider pure core; this is the stricter local rule.)"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "src" / "busbrain" / "protocol" / "jt808"
FORBIDDEN_MODULES = {
    "asyncio", "socket", "selectors", "select", "ssl", "threading", "multiprocessing",
    "subprocess", "time", "os", "io", "pathlib", "shutil", "tempfile", "logging", "random",
    "secrets", "zoneinfo", "sqlite3", "http", "urllib",
}  # fmt: skip
FORBIDDEN_CALLS = {"open", "print", "input", "now", "utcnow", "today", "time", "monotonic"}


def _violations(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        found += [f"import {n}" for n in names if n.split(".")[0] in FORBIDDEN_MODULES]
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in FORBIDDEN_CALLS:
                found.append(f"call {name}() at line {node.lineno}")
    return [f"{path.relative_to(PACKAGE)}: {v}" for v in found]


def test_jt808_does_no_io_and_reads_no_clock() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 30
    assert [v for f in files for v in _violations(f)] == []
