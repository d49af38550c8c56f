"""`busbrain gateway` as an operator runs it: its own process, a real port, metrics over HTTP."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from busbrain.protocol import jt808 as j
from tests.gateway.terminal import Terminal, location

BUSBRAIN = str(Path(sys.executable).parent / "busbrain")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_gateway_command_serves_terminals_and_metrics(tmp_path: Path) -> None:
    port, metrics_port = _free_port(), _free_port()
    proc = subprocess.Popen(
        [
            BUSBRAIN,
            "--db",
            f"sqlite:///{tmp_path / 'gw.db'}",
            "gateway",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--metrics-port",
            str(metrics_port),
            "--open-registration",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline, "gateway did not start"
                time.sleep(0.2)

        async def scenario() -> None:
            t = await Terminal("13911110000").connect(port)
            await t.login()
            serial = await t.send(location())
            assert (await t.recv()).message == j.PlatformGeneralResponse(serial, 0x0200, 0)

        asyncio.run(scenario())
        body = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read()
        assert 'busbrain_gateway_locations_total{source="live"} 1.0' in body.decode()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
