"""`busbrain demo` end to end: the real command builds, imports and serves the demo city.

The test runs the command as an operator would (its own process, a fresh folder, a free
port), waits until it answers, and looks at the page in headless Chromium.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .cdp import chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow]
BUSBRAIN = str(Path(sys.executable).parent / "busbrain")
SCREENSHOTS = os.environ.get("BUSBRAIN_SCREENSHOTS")  # a folder to keep screenshots in


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo")


@pytest.fixture(scope="module")
def demo(demo_dir: Path) -> Iterator[tuple[str, int]]:
    cwd = demo_dir
    port, gateway_port = _free_port(), _free_port()
    proc = subprocess.Popen(
        # a morning, whenever the test runs: at night few buses are out
        [
            BUSBRAIN,
            "demo",
            "--port",
            str(port),
            "--gateway-port",
            str(gateway_port),
            "--clock",
            "08:00",
        ],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, (
                f"busbrain demo exited: {proc.stdout.read() if proc.stdout else ''}"
            )
            try:
                if _get(url + "/healthz")["status"] == "ok":
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            assert time.monotonic() < deadline, "busbrain demo did not answer within 120 s"
            time.sleep(0.5)
        assert (cwd / "var" / "demo.db").exists()
        yield url, gateway_port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_demo_serves_a_jinzhou_like_city(demo: tuple[str, int]) -> None:
    url, _ = demo
    summary = _get(url + "/api/v1/network/summary")
    assert 40 <= summary["routes"] <= 60
    stops = _get(url + "/api/v1/network/stops.geojson")["features"]
    poles = [s for s in stops if s["properties"]["kind"] == "stop"]
    assert 800 <= len(poles) <= 1500
    lon = sum(s["geometry"]["coordinates"][0] for s in poles) / len(poles)
    lat = sum(s["geometry"]["coordinates"][1] for s in poles) / len(poles)
    assert abs(lat - 41.12) < 0.1 and abs(lon - 121.13) < 0.15
    assert all(s["properties"]["name_pinyin"] for s in poles)
    assert any("锦州" in s["properties"]["name"] for s in stops)


def test_demo_page_draws_the_network_from_its_own_shapes(demo: tuple[str, int]) -> None:
    url, _ = demo
    lines = _get(url + "/api/v1/network/routes.geojson")["features"]
    with chromium() as browser:
        page = browser.new_page()
        page.set_viewport(1280, 800)
        page.goto(url + "/map")
        page.wait_for("document.body.dataset.mapReady || document.body.dataset.mapError")
        data = page.evaluate("({...document.body.dataset})")
        assert data.get("mapError") is None, data
        assert data["routesDrawn"] == str(len(lines))
        assert data["tileLayers"] == "0"
        outside = [u for u in page.log.requests if not u.startswith((url + "/", "data:"))]
        assert outside == []
        assert page.log.errors == []


def test_demo_gateway_takes_a_terminal(demo: tuple[str, int]) -> None:
    """The demo's in-process gateway accepts a terminal (open registration) and acks its report."""
    import asyncio

    from busbrain.protocol import jt808 as j
    from tests.gateway.terminal import Terminal, location

    _, gateway_port = demo

    async def scenario() -> None:
        t = await Terminal("13912340001").connect(gateway_port)
        await t.login("辽G00001")
        serial = await t.send(location())
        assert (await t.recv()).message == j.PlatformGeneralResponse(serial, 0x0200, 0)
        await t.close()

    asyncio.run(scenario())


def test_demo_simulated_buses_log_in_and_drop_fares(demo: tuple[str, int], demo_dir: Path) -> None:
    """The demo's simulator registers its fleet with the in-process gateway and writes
    the day's truth; its fare batches land as clearing delivers them."""
    db = demo_dir / "var" / "demo.db"
    sim = demo_dir / "var" / "demo" / "sim"
    deadline = time.monotonic() + 150
    logged_in = 0
    while time.monotonic() < deadline:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            logged_in = conn.execute(
                "SELECT count(*) FROM terminal WHERE vehicle_id LIKE 'V%' AND auth_code IS NOT NULL"
                " AND registered_at IS NOT NULL"
            ).fetchone()[0]
        if logged_in >= 20 and (sim / "scenario.json").exists():
            break
        time.sleep(1.0)
    assert logged_in >= 20, "simulated buses registered with the demo's gateway"
    meta = json.loads((sim / "scenario.json").read_text(encoding="utf-8"))
    assert meta["buses"] >= 300  # weekend service runs about half the weekday fleet
    assert (sim / "fares").is_dir()
    for batch in (sim / "fares").glob("fares_*.csv"):  # those delivered by now
        assert batch.read_text(encoding="utf-8").startswith("txn_id,reader_time,vehicle_id")


def test_demo_publishes_live_buses_as_gtfs_realtime(demo: tuple[str, int]) -> None:
    """The simulated buses come out of the brain as GTFS-Realtime: positions on trips,
    and trip updates with predicted arrivals."""
    url, _ = demo
    deadline = time.monotonic() + 180
    on_trip: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        feed = _get(url + "/gtfs-rt/vehicle-positions?format=json")
        on_trip = [e for e in feed["entity"] if "trip" in e["vehicle"]]
        if len(on_trip) >= 10:
            break
        time.sleep(2.0)
    assert len(on_trip) >= 10, "buses matched to their trips"
    updates = _get(url + "/gtfs-rt/trip-updates?format=json")
    with_times = [e for e in updates["entity"] if e["trip_update"].get("stop_time_update")]
    assert len(with_times) >= 5
    made = int(updates["header"]["timestamp"])
    for e in with_times:
        times = [int(u["arrival"]["time"]) for u in e["trip_update"]["stop_time_update"]]
        assert times == sorted(times) and made - 120 <= times[0] <= made + 3 * 3600


def test_demo_rider_finds_a_stop_by_initials_and_sees_its_bus_live(demo: tuple[str, int]) -> None:
    """On a phone-sized page: type a stop's pinyin initials, open it, see the simulated
    bus heading there counting down live."""
    from busbrain.domain.names import pinyin_of

    url, _ = demo
    target: tuple[str, str] | None = None
    deadline = time.monotonic() + 180
    while target is None and time.monotonic() < deadline:
        for v in _get(url + "/api/v1/vehicles")["vehicles"]:
            if v["trip_id"] is None or v["route_id"] is None:
                continue
            calls = _get(url + f"/api/v1/trips/{v['trip_id']}")["calls"]
            ahead = [c for c in calls if c["predicted_unix"] is not None]
            if len(ahead) >= 4:  # a stop some way ahead: still ahead when the page opens
                target = (ahead[3]["name"], v["route_id"])
                break
        else:
            time.sleep(2.0)
    assert target is not None, "a live bus with predictions ahead"
    name, route_id = target
    initials = "".join(syllable[0] for syllable in pinyin_of(name).split())
    with chromium() as browser:
        page = browser.new_page()
        page.set_viewport(390, 844, mobile=True)
        page.goto(url + "/?refresh=2")
        page.wait_for("document.body.dataset.appReady")
        page.evaluate("document.getElementById('search').focus()")
        page.call("Input.insertText", {"text": initials})
        page.wait_for(f"document.body.dataset.searchDone === {json.dumps(initials)}")
        page.evaluate(
            f"""[...document.querySelectorAll('#search-results a')]
                 .find((a) => a.querySelector('.name')?.textContent === {json.dumps(name)})
                 .click()"""
        )
        page.wait_for("document.body.dataset.view === 'stop'")
        rows = (
            f".line-card[data-route-id={json.dumps(route_id)}] "
            "li.arrival:is([data-state=live], [data-state=arriving])"
        )
        live = page.wait_for(
            f"(() => {{ const row = document.querySelector({json.dumps(rows)});"
            " return row && row.textContent; })()",
            timeout_s=30,
        )
        assert "分钟" in live or "即将到站" in live
        assert page.log.errors == []
        if SCREENSHOTS:  # the pictures in docs/passenger-api.md
            folder = Path(SCREENSHOTS)
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(folder / "demo-stop.png")
            page.goto(url + f"/?refresh=2#/line/{route_id}")
            page.wait_for("document.querySelectorAll('.bus').length > 0")
            page.evaluate("document.querySelector('.bus').scrollIntoView({block: 'center'})")
            time.sleep(1.5)  # the buses glide to their places
            page.screenshot(folder / "demo-line.png")
            page.goto(url + f"/map#route={route_id}")
            page.wait_for("document.body.dataset.busesDrawn > 0")
            time.sleep(2.0)  # the map's zoom animation
            page.screenshot(folder / "demo-map.png")
