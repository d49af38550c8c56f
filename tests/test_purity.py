"""The pure core does no I/O: no sockets, event loops, databases or HTTP in domain/,
protocol/, realtime/ and the pure planners (planning/od, scheduling, timetable).

import-linter covers third-party packages; this covers the standard library, which it
cannot see.
"""

from __future__ import annotations

import ast
from pathlib import Path

PURE = [
    "domain",
    "protocol",
    "realtime",
    "finder",
    "access",
    "planning/fares",
    "planning/od",
    "planning/scheduling",
    "planning/timetable",
]
FORBIDDEN = {
    "socket",
    "asyncio",
    "sqlite3",
    "http",
    "urllib",
    "subprocess",
    "selectors",
    "ssl",
    "shutil",
    "tempfile",
    "zipfile",
    "time",
}
SRC = Path(__file__).resolve().parents[1] / "src" / "busbrain"


def test_pure_packages_import_no_io_modules() -> None:
    bad = []
    for pkg in PURE:
        for path in (SRC / pkg).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                bad += [
                    f"{path.relative_to(SRC)}: {n}" for n in names if n.split(".")[0] in FORBIDDEN
                ]
    assert bad == []
