"""The console's kept answers: shared for a few seconds, rebuilt once, never waited for."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from busbrain.api.answers import Answers
from busbrain.api.warmup import warm_up
from busbrain.wiring import Store, open_store
from tests.api import test_dispatch_operations as ops
from tests.api.command_helpers import city_store_path, load_city
from tests.api.dispatch_helpers import add_user, cheap_passwords, login
from tests.tinyfeed import TinyFeed


class Mono:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_an_answer_is_kept_for_its_age_then_rebuilt() -> None:
    mono = Mono()
    answers = Answers(10, clock=mono, background=False)
    built: list[int] = []

    def build() -> int:
        built.append(len(built))
        return len(built)

    assert answers.get("k", build) == 1
    mono.t = 9.9
    assert answers.get("k", build) == 1
    assert answers.get("other", build) == 2  # its own key
    mono.t = 10.0
    assert answers.get("k", build) == 3
    assert answers.builds == 3


def test_nothing_is_kept_with_a_zero_age() -> None:
    answers = Answers(0)
    calls = iter(range(10))
    assert [answers.get("k", lambda: next(calls)) for _ in range(3)] == [0, 1, 2]


def test_a_failed_build_keeps_nothing_and_the_next_ask_builds() -> None:
    answers = Answers(10, clock=Mono(), background=False)

    def fail() -> int:
        raise ValueError("bad date")

    with pytest.raises(ValueError, match="bad date"):
        answers.get("k", fail)
    assert answers.get("k", lambda: 7) == 7


def test_while_one_request_rebuilds_the_others_get_the_answer_before() -> None:
    mono = Mono()
    answers = Answers(10, clock=mono, background=False)
    assert answers.get("k", lambda: "old") == "old"
    mono.t = 11
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(10)
        return "new"

    got: list[str] = []
    builder = threading.Thread(target=lambda: got.append(answers.get("k", slow)))
    builder.start()
    assert started.wait(10)
    assert answers.get("k", lambda: "never built") == "old"  # not waiting, not rebuilding
    release.set()
    builder.join(10)
    assert got == ["new"] and answers.get("k", lambda: "x") == "new"
    assert answers.builds == 2


def test_the_first_ask_waits_for_the_build_in_progress() -> None:
    answers = Answers(10, clock=Mono(), background=False)
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(10)
        return "first"

    got: list[str] = []
    t = threading.Thread(target=lambda: got.append(answers.get("k", slow)))
    t.start()
    assert started.wait(10)
    second: list[str] = []
    t2 = threading.Thread(target=lambda: second.append(answers.get("k", lambda: "again")))
    t2.start()
    release.set()
    t.join(10)
    t2.join(10)
    assert got == ["first"] and second == ["first"] and answers.builds == 1


def test_in_the_background_a_stale_answer_is_served_while_its_successor_is_built() -> None:
    mono = Mono()
    answers = Answers(10, clock=mono)
    assert answers.get("k", lambda: "old") == "old"  # the first ask waits for it
    mono.t = 11
    release = threading.Event()

    def slow() -> str:
        release.wait(10)
        return "new"

    assert answers.get("k", slow) == "old"  # no wait: the build goes on in a thread
    assert answers.get("k", lambda: "never built") == "old"
    release.set()
    _until(lambda: answers.builds == 2)
    assert answers.get("k", lambda: "x") == "new"

    def broken() -> str:
        raise RuntimeError("store down")

    mono.t = 30
    assert answers.get("k", broken) == "new"
    _until(lambda: not answers._entries["k"].lock.locked())
    assert answers.get("k", lambda: "y") == "new"  # kept after a failed rebuild


def _until(done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not done():
        assert time.monotonic() < deadline, "the background build did not finish"
        time.sleep(0.01)


@pytest.fixture
def store(tmp_path: Path, tiny: TinyFeed) -> Iterator[Store]:
    st = open_store(city_store_path(tmp_path))
    load_city(st, tiny)
    add_user(st.users, cheap_passwords(), "diaodu", ops.Role.DISPATCHER)
    st.history.add_stop_events(ops._events())
    yield st
    st.close()


def test_the_console_serves_a_kept_answer_until_it_is_due(store: Store) -> None:
    app = ops._app(store)
    mono = Mono()
    app.state.answers = Answers(10, clock=mono)
    app.state.record.clock = mono
    client = TestClient(app)
    login(client, "diaodu")
    first = client.get(f"{ops.OPS}/waybills?vehicle_id=VB")
    assert first.status_code == 200 and first.headers["cache-control"] == "no-store"
    trips = first.json()["vehicles"][0]["trips"]

    # VB's last trip gets its last stop: not seen until the kept answer is due.
    last = ops._events()[-1]
    later = dataclasses.replace(
        last,
        stop_sequence=3,
        stop_id="A2",
        arrival_utc=ops._at("08:48"),
        departure_utc=ops._at("08:48"),
        recorded_utc=ops._at("08:48"),
    )
    store.history.add_stop_events([later])
    assert client.get(f"{ops.OPS}/waybills?vehicle_id=VB").content == first.content
    mono.t = 10
    builds = app.state.answers.builds
    assert client.get(f"{ops.OPS}/waybills?vehicle_id=VB").content == first.content  # stale
    _until(lambda: app.state.answers.builds > builds)  # rebuilt meanwhile
    fresh = client.get(f"{ops.OPS}/waybills?vehicle_id=VB").json()["vehicles"][0]["trips"]
    assert fresh != trips
    csv = client.get(f"{ops.OPS}/waybills?vehicle_id=VB&format=csv")
    assert csv.headers["content-type"].startswith("text/csv") and "08:48" in csv.text


def test_the_server_reads_todays_record_as_it_starts(store: Store) -> None:
    app = ops._app(store)
    record = app.state.record
    calls: list[tuple[object, ...]] = []
    reads = store.history.stop_events

    def counting(*args: object) -> object:
        calls.append(args)
        return reads(*args)  # type: ignore[arg-type]

    record._events._read = counting
    warm_up(app).join(30)
    assert len(calls) == 1  # today's stop events, read once, in the warm-up thread
    client = TestClient(app)
    login(client, "diaodu")
    assert client.get(f"{ops.OPS}/summary").status_code == 200
    assert len(calls) == 1  # the first screen found them in memory
    assert app.state.prediction_scores._days  # and the prediction counts made


def test_the_line_list_is_built_once_a_second_for_every_screen(store: Store) -> None:
    app = ops._app(store)
    mono = Mono()
    app.state.live_answers = Answers(1.0, clock=mono, background=False)
    client = TestClient(app)
    login(client, "diaodu")
    first = client.get(f"{ops.BASE}/lines")
    assert first.status_code == 200 and first.json()["lines"]
    assert client.get(f"{ops.BASE}/lines").content == first.content
    assert app.state.live_answers.builds == 1
    mono.t = 1.0
    client.get(f"{ops.BASE}/lines")
    assert app.state.live_answers.builds == 2
