"""Capture files: written from scripts, read back, and replayed to a fresh real gateway."""

from __future__ import annotations

import asyncio
import struct
from pathlib import Path

import pytest
from isal import igzip

from busbrain.protocol import jt808 as j
from busbrain.sim.capture import (
    MAGIC,
    CaptureFormatError,
    CaptureRecord,
    CaptureStats,
    read_capture,
    terminal_metadata,
    terminals_from_metadata,
    write_capture,
)
from busbrain.sim.replay import ReplayStats, replay_capture
from busbrain.sim.script import ActionKind
from tests.gateway.terminal import gateway
from tests.sim.test_live import city, locations, run

C, R, A, S, X = (
    ActionKind.CONNECT,
    ActionKind.REGISTER,
    ActionKind.AUTHENTICATE,
    ActionKind.SEND,
    ActionKind.CLOSE,
)


def messages(record: CaptureRecord) -> list[j.MessageReceived]:
    session = j.Jt808Session()
    session.receive_data(record.data)
    events = list(session.events())
    assert all(isinstance(e, j.MessageReceived) for e in events), events
    return [e for e in events if isinstance(e, j.MessageReceived)]


def test_capture_round_trips_metadata_and_records(tmp_path: Path) -> None:
    scripts, _, (a, b, c) = city()
    path = tmp_path / "city.bbcap"
    seen: list[int] = []
    stats = write_capture(
        path, scripts, {"scenario": "unit", "城市": "葫芦岛"}, progress=seen.append
    )
    assert stats == CaptureStats(
        records=23, frames=15, locations=9, blind_batches=1, dropped=1, data_bytes=stats.data_bytes
    )
    assert seen  # called at the end at least
    assert sorted(p.name for p in tmp_path.iterdir()) == ["city.bbcap"]  # no temp file left
    meta, records = read_capture(path)
    assert meta["scenario"] == "unit" and meta["城市"] == "葫芦岛"
    assert meta["terminals"] == [terminal_metadata(t) for t in (a, b, c)]
    assert terminals_from_metadata(meta) == {101: a, 102: b, 103: c}
    got = list(records)
    assert len(got) == stats.records
    assert [r.t for r in got] == sorted(r.t for r in got)
    by_terminal = {i: [r for r in got if r.terminal == i] for i in (101, 102, 103)}
    assert [r.kind for r in by_terminal[101]] == [C, R, A, S, S, S, X, C, A, S, S, X]
    assert [r.kind for r in by_terminal[102]] == [C, R, A, S, S, S, X]
    assert [r.kind for r in by_terminal[103]] == [C, A, S, X]
    assert all((r.data == b"") == (r.kind in (C, X)) for r in got)
    for index, term in ((101, a), (102, b), (103, c)):
        sent = [m for r in by_terminal[index] if r.data for m in messages(r)]
        assert [m.header.serial for m in sent] == list(range(len(sent)))  # as a terminal would
        assert {m.header.version for m in sent} == {term.version}
        assert {j.normalise_phone(m.header.phone) for m in sent} == {term.phone}
        auths = [m.message for m in sent if isinstance(m.message, j.Authentication)]
        assert auths and all(m.auth_code == "PLACEHOLDER" for m in auths)
    (batch,) = [m.message for r in got for m in messages(r) if m.header.msg_id == 0x0704]
    assert isinstance(batch, j.BatchLocation) and batch.is_blind_area
    assert len(batch.locations) == 2
    # the blind-area batch follows A's second authentication, before its next position
    assert [r.kind for r in by_terminal[101][8:10]] == [A, S]
    assert messages(by_terminal[101][9])[0].message == batch


def test_replay_to_a_fresh_gateway_substitutes_the_auth_code(tmp_path: Path) -> None:
    async def scenario() -> None:
        scripts, expected, _ = city()
        path = tmp_path / "city.bbcap"
        write_capture(path, scripts, {})
        async with gateway(tmp_path, open_registration=True) as h:
            seen: list[ReplayStats] = []
            stats = await replay_capture(
                path, "127.0.0.1", h.gateway.port, speed=float("inf"), progress=seen.append
            )
            assert await locations(h, len(expected)) == expected
        assert seen and seen[-1] is stats
        assert (stats.records, stats.terminals, stats.dropped) == (23, 3, 0)
        assert (stats.auth_substituted, stats.auth_failures) == (3, 1)  # C never registered
        assert (stats.connected, stats.connect_failures, stats.errors) == (0, 0, 0)
        assert stats.frames_sent == 15

    run(scenario())


def test_replay_keeps_the_recorded_pace_and_can_be_stopped(tmp_path: Path) -> None:
    async def scenario() -> None:
        scripts, expected, _ = city()
        path = tmp_path / "city.bbcap"
        write_capture(path, scripts, {})
        async with gateway(tmp_path, open_registration=True) as h:
            stats = await replay_capture(path, "127.0.0.1", h.gateway.port, speed=50.0)
            assert await locations(h, len(expected)) == expected
            assert stats.auth_failures == 1
            stop = asyncio.Event()
            stop.set()
            stopped = await replay_capture(path, "127.0.0.1", h.gateway.port, speed=1.0, stop=stop)
            assert stopped.connected == 0 and stopped.records < 23

    run(scenario())


def test_bad_files_are_refused(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.bbcap"
    with igzip.open(wrong, "wb") as f:  # type: ignore[no-untyped-call]
        f.write(b"NOTCAP\n{}\n")
    with pytest.raises(CaptureFormatError):
        read_capture(wrong)
    truncated = tmp_path / "truncated.bbcap"
    with igzip.open(truncated, "wb") as f:  # type: ignore[no-untyped-call]
        f.write(MAGIC + b'{"terminals":[]}\n' + struct.pack("<dIBI", 1.0, 1, 3, 10) + b"abc")
    meta, records = read_capture(truncated)
    assert meta == {"terminals": []}
    with pytest.raises(CaptureFormatError):
        list(records)
