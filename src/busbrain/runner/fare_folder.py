"""Fare batches dropped in a folder, loaded as they come.

Card clearing (or an operator's SFTP drop) delivers fare batches as files; `busbrain
serve --fares-dir DIR` (and the demo, for its simulated clearing) watches the folder and
loads each new or changed file once it has stopped growing. Loading is idempotent (taps
are keyed by reader and transaction), so a restart that loads a file again adds nothing.
A bad file is reported in the log and the next one goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SUFFIXES = (".csv", ".parquet")
SETTLE_S = 2.0
"""A file changed less than this long ago (seconds) may still be being written."""
log = logging.getLogger(__name__)


async def watch_fare_folder(
    folder: Path,
    load: Callable[[bytes, str], dict[str, Any]],
    *,
    every_s: float = 30.0,
    stop: asyncio.Event | None = None,
) -> None:
    """Every `every_s` seconds, load the batches in `folder` not loaded yet in this run
    (by name, size and modification time) with `load(data, name)`, which returns the
    batch's report (rows added, refused by kind, or an error)."""
    seen: dict[str, tuple[int, float]] = {}
    while stop is None or not stop.is_set():
        for path in sorted(folder.iterdir()) if folder.is_dir() else []:
            if path.suffix.lower() not in SUFFIXES or not path.is_file():
                continue
            st = path.stat()
            mark = (st.st_size, st.st_mtime)
            if seen.get(path.name) == mark or time.time() - st.st_mtime < SETTLE_S:
                continue
            seen[path.name] = mark
            try:
                data = await asyncio.to_thread(path.read_bytes)
                report = await asyncio.to_thread(load, data, path.name)
            except Exception:  # a store failure: try this file again next round
                log.exception("fare batch %s not loaded", path)
                seen.pop(path.name, None)
                continue
            if report.get("error"):
                log.warning("fare batch %s refused: %s", path.name, report["error"])
            else:
                log.info("fare batch %s: %s taps added", path.name, report.get("added"))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(_forever(stop), timeout=every_s)


async def _forever(stop: asyncio.Event | None) -> None:
    if stop is None:
        await asyncio.Event().wait()
    else:
        await stop.wait()
