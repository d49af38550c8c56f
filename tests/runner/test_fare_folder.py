"""Fare batches dropped in a folder reach the store: each new file once, a changed file
again, a bad file reported while the next goes on."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
from pathlib import Path

from busbrain.network_io.importer import import_feed
from busbrain.planning.jobs.taps import TapLoader
from busbrain.runner.fare_folder import watch_fare_folder
from busbrain.wiring import open_store
from tests.tinyfeed import TinyFeed

NOW = dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.UTC)
HEAD = b"txn_id,reader_time,vehicle_id,reader_id,channel,card_id,fare_fen\n"
DAY = dt.date(2026, 12, 1)


def _drop(path: Path, body: bytes) -> None:
    path.write_bytes(body)
    old = time.time() - 10  # settled: written a while ago
    os.utime(path, (old, old))


def test_batches_in_the_folder_are_loaded_once_each(tmp_path: Path, tiny: TinyFeed) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'fares.db'}")
    import_feed(tiny.folder(), store.network, now=NOW)
    loader = TapLoader(store, bytes(32), now=lambda: NOW)
    reports: list[dict[str, object]] = []

    def load(data: bytes, name: str) -> dict[str, object]:
        report = loader.load_bytes(data, name)[0].as_dict()
        reports.append(report)
        return report

    folder = tmp_path / "drop"
    folder.mkdir()
    _drop(folder / "b1.csv", HEAD + b"t1,2026-12-01T06:01:10+08:00,V1,R1,ic_card,31000001,90\n")
    _drop(folder / "broken.csv", b"\x00\x01 not a fare batch")
    _drop(folder / "notes.txt", b"ignored: not a batch")

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(watch_fare_folder(folder, load, every_s=0.05, stop=stop))
        await asyncio.sleep(0.3)
        assert store.fares.taps(DAY, DAY).height == 1
        # a second batch arrives; one still being written waits until it settles
        _drop(folder / "b2.csv", HEAD + b"t2,2026-12-01T06:03:10+08:00,V1,R1,wechat,31000002,90\n")
        (folder / "b3.csv").write_bytes(HEAD + b"t3,2026-12-01T06:04:10+08:00,V1,R1,")
        await asyncio.sleep(0.3)
        stop.set()
        await task

    asyncio.run(main())
    assert store.fares.taps(DAY, DAY).height == 2
    names = [r["source"] for r in reports]
    assert sorted(names) == ["b1.csv", "b2.csv", "broken.csv"]  # each once; b3 not settled
    assert next(r for r in reports if r["source"] == "broken.csv")["error"]
    store.close()
