"""The console's day-figure answers, kept for a few seconds and shared by every screen.

Why: 运营监管, 服务监管 and 数据分析 compute their figures over the whole day's record,
and a control room has several screens asking for the same figures every 15–30 s. An
answer (its encoded body, so it is not serialised again) is kept for `max_age_s`, keyed
by the path and query; while one request rebuilds a stale answer the others get the one
before it rather than wait or rebuild it too. Figures are at most `max_age_s` (plus one
build) old, which a day's figures can be; with `max_age_s` 0 nothing is kept.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar, cast

from fastapi import Request, Response
from fastapi.encoders import jsonable_encoder

from busbrain.api.cache import EncodedBody
from busbrain.api.jsonenc import dumps
from busbrain.api.responses import encoded_response

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")
LIVE_ANSWER_S = 1.0
"""How long a live view's answer is kept (the live picture is made every second)."""
KEPT = 256
"""Answers kept at most (the least recently asked go first)."""


@dataclass
class _Entry:
    value: Any = None
    made: float = -1e18
    lock: threading.Lock = field(default_factory=threading.Lock)


class Answers:
    """Answers by key, each good for `max_age_s` seconds of `clock` (monotonic). With
    `background`, a stale answer is rebuilt in a thread of its own while the request
    that found it stale gets it as it was: only the very first ask of a key waits."""

    def __init__(
        self,
        max_age_s: float,
        clock: Callable[[], float] = time.monotonic,
        *,
        background: bool = True,
    ) -> None:
        self.max_age_s = max_age_s
        self.clock = clock
        self.background = background
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.builds = 0
        """How many answers were built (for tests and the benchmark)."""

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        if self.max_age_s <= 0:
            self.builds += 1
            return build()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry()
                while len(self._entries) > KEPT:
                    self._entries.popitem(last=False)
            else:
                self._entries.move_to_end(key)
        if self.clock() - entry.made < self.max_age_s:
            return entry.value
        has_one = entry.made > -1e18
        if not entry.lock.acquire(blocking=not has_one):
            return entry.value  # being rebuilt by another request: the one before
        if has_one and self.background:
            threading.Thread(
                target=self._rebuild, args=(entry, build), name="answer", daemon=True
            ).start()
            return entry.value
        try:
            if self.clock() - entry.made >= self.max_age_s:
                started = self.clock()
                entry.value = build()
                self.builds += 1
                entry.made = started
            return entry.value
        finally:
            entry.lock.release()

    def _rebuild(self, entry: _Entry, build: Callable[[], Any]) -> None:
        """Rebuild `entry` (its lock held by the caller, released here); on failure the
        old answer stays and is tried again once it is due."""
        try:
            started = self.clock()
            entry.value = build()
            self.builds += 1
            entry.made = started
        except Exception:
            log.exception("rebuilding a kept answer failed; the one before stays")
            entry.made = self.clock()
        finally:
            entry.lock.release()


def kept_answer(handler: Callable[P, R]) -> Callable[P, R]:
    """Keep a console handler's answer in `app.state.answers` (see the module's why).

    The handler must take `request: Request`; its answer is a JSON-able value (sent
    pre-encoded, with an ETag and gzip) or a Response (a CSV download), kept as is.
    """
    return _kept(handler, "answers")


def kept_live_answer(handler: Callable[P, R]) -> Callable[P, R]:
    """As `kept_answer`, in `app.state.live_answers`: a live view every screen asks
    for (the live picture changes each second; one build a second serves them all)."""
    return _kept(handler, "live_answers")


def _kept(handler: Callable[P, R], state: str) -> Callable[P, R]:
    @functools.wraps(handler)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        request = kwargs["request"]
        assert isinstance(request, Request)
        answers: Answers | None = getattr(request.app.state, state, None)
        if answers is None:
            return handler(*args, **kwargs)
        key = (request.url.path, tuple(sorted(request.query_params.multi_items())))

        def build() -> Any:
            answer = handler(*args, **kwargs)
            if isinstance(answer, Response):
                return answer
            try:
                return EncodedBody(dumps(answer))
            except TypeError:  # a value orjson does not know (timedelta, ...)
                return EncodedBody(dumps(jsonable_encoder(answer)))

        kept = answers.get(key, build)
        if isinstance(kept, EncodedBody):
            out = encoded_response(kept, request, "application/json")
            out.headers["Cache-Control"] = "no-store"  # about people: as no_store says
            return cast(R, out)
        return cast(R, kept)

    return wrapper
