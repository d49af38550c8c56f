"""Commands from the outbox to terminals over real TCP, with every outcome recorded."""

from __future__ import annotations

import asyncio
import datetime as dt
import urllib.request
from pathlib import Path

from busbrain.domain.events import CommandOutcome
from busbrain.domain.terminals import CommandKind, CommandStatus
from busbrain.protocol import jt808 as j
from tests.gateway.terminal import Harness, Terminal, gateway, location


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def run(coro: object) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]


async def _outcome(h: Harness) -> CommandOutcome:
    async with asyncio.timeout(5):
        while True:
            for e in await h.events(1):
                if isinstance(e, CommandOutcome):
                    return e


def test_text_message_is_delivered_and_acked(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with gateway(tmp_path, open_registration=True, outbox_poll_s=0.05) as h:
            t = await Terminal("13900000011").connect(h.gateway.port)
            await t.login()
            cid = h.store.outbox.enqueue(
                "13900000011", CommandKind.TEXT, {"text": "前方拥堵，请减速"}, now()
            )
            got = await t.recv()
            assert isinstance(got.message, j.TextMessage) and got.message.text == "前方拥堵，请减速"
            await t.send(j.TerminalGeneralResponse(got.header.serial, 0x8300, 0))
            outcome = await _outcome(h)
            assert (outcome.command_id, outcome.status, outcome.kind) == (str(cid), "acked", "text")
            stored = h.store.outbox.get(cid)
            assert stored is not None and stored.status is CommandStatus.ACKED
            assert stored.serial == got.header.serial

    run(scenario())


def test_location_query_answered_with_0201(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with gateway(tmp_path, open_registration=True, outbox_poll_s=0.05) as h:
            t = await Terminal("13900000012").connect(h.gateway.port)
            await t.login()
            cid = h.store.outbox.enqueue("13900000012", CommandKind.LOCATION_QUERY, {}, now())
            got = await t.recv()
            assert isinstance(got.message, j.LocationQuery)
            await t.send(j.LocationQueryResponse(got.header.serial, location()))
            outcome = await _outcome(h)
            assert outcome.status == "acked" and outcome.command_id == str(cid)

    run(scenario())


def test_refused_unsupported_timed_out_and_offline(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with gateway(
            tmp_path,
            open_registration=True,
            outbox_poll_s=0.05,
            command_timeout_s=1.0,
            command_ttl_s=60,
        ) as h:
            box = h.store.outbox
            long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
            offline = box.enqueue("13999999999", CommandKind.TEXT, {"text": "无人"}, long_ago)
            t = await Terminal("13900000013").connect(h.gateway.port)
            await t.login()
            failed = box.enqueue("13900000013", CommandKind.TEMP_TRACKING, {"interval_s": 5}, now())
            got = await t.recv()
            assert isinstance(got.message, j.TemporaryTracking) and got.message.interval_s == 5
            await t.send(j.TerminalGeneralResponse(got.header.serial, 0x8202, 3))
            silent = box.enqueue(
                "13900000013", CommandKind.SET_PARAMS, {"params": {"0x0029": 10}}, now()
            )
            got = await t.recv()
            assert isinstance(got.message, j.SetParameters)
            assert got.message.params[0].param_id == 0x0029
            statuses = {}
            async with asyncio.timeout(20):  # generous: CI machines are shared
                while len(statuses) < 3:
                    for e in await h.events(1, timeout=20):
                        if isinstance(e, CommandOutcome):
                            statuses[int(e.command_id)] = e.status
            assert statuses == {failed: "unsupported", silent: "timed_out", offline: "offline"}
            m = h.gateway.metrics.render().decode()
            assert 'busbrain_gateway_commands_total{status="timed_out"} 1.0' in m

    run(scenario())


def test_sub_packaged_batch_is_reassembled(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with gateway(tmp_path, open_registration=True) as h:
            t = await Terminal("13900000014").connect(h.gateway.port)
            await t.login()
            await h.events(1)
            t.session.config = j.SessionConfig(max_package_body=100)
            t0 = dt.datetime(2026, 11, 29, 7, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
            points = tuple(location(t=t0 + dt.timedelta(seconds=i)) for i in range(20))
            await t.send(j.BatchLocation(1, points))
            events = await h.events(20)
            assert len({e.ts_utc for e in events}) == 20

    run(scenario())


def test_metrics_endpoint_speaks_prometheus(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with gateway(tmp_path, open_registration=True) as h:
            t = await Terminal("13900000015").connect(h.gateway.port)
            await t.login()
            url = f"http://127.0.0.1:{h.gateway.metrics_port}/metrics"
            body = await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).read())
            text = body.decode()
            assert "busbrain_gateway_connections 1.0" in text
            assert 'busbrain_gateway_registrations_total{result="ok"} 1.0' in text
            assert "busbrain_gateway_ack_seconds_bucket" in text

    run(scenario())
