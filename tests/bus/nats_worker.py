"""A processor in a process of its own, for test_nats.py to kill with SIGKILL.

    python tests/bus/nats_worker.py SETTINGS_JSON GROUP EFFECTS EXPECT
        [--delay-s S] [--crash-after EVENT_ID]

It applies each event's effect at most once, the way a real processor must under
at-least-once delivery: EFFECTS (one JSON line per applied event) is its store, keyed by
event id; an event already in it is skipped and logged to EFFECTS.skips. Effect first,
ack second, so a crash in between redelivers an event whose effect is already applied,
which the check catches. --crash-after kills the process right there, once.
It exits 0 when EXPECT events have been applied and nothing more comes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
from pathlib import Path

from busbrain.bus.nats import NatsBus, NatsSettings
from busbrain.bus.ports import Delivery


def applied_ids(effects: Path) -> set[str]:
    if not effects.exists():
        return set()
    return {json.loads(line)["id"] for line in effects.read_text().splitlines()}


def record(path: Path, delivery: Delivery) -> None:
    line = {"id": delivery.event.event_id, "attempt": delivery.attempt, "pid": os.getpid()}
    with path.open("a") as f:
        f.write(json.dumps(line) + "\n")


async def process(delivery: Delivery, args: argparse.Namespace, done: set[str]) -> None:
    event_id = delivery.event.event_id
    if event_id in done:
        record(args.effects.with_suffix(".skips"), delivery)
    else:
        record(args.effects, delivery)
        done.add(event_id)
        if event_id == args.crash_after and delivery.attempt == 1:
            os.kill(os.getpid(), signal.SIGKILL)
    await delivery.ack()
    await asyncio.sleep(args.delay_s)


async def main(args: argparse.Namespace) -> None:
    settings = NatsSettings(**json.loads(args.settings))
    done = applied_ids(args.effects)
    bus = await NatsBus.connect(settings=settings)
    async with bus, await bus.subscribe(args.group) as sub:
        while True:
            batch = await sub.fetch(16, 1.0)
            if not batch and len(done) >= args.expect:
                return
            for delivery in batch:
                await process(delivery, args, done)


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser()
    p.add_argument("settings")
    p.add_argument("group")
    p.add_argument("effects", type=Path)
    p.add_argument("expect", type=int)
    p.add_argument("--delay-s", type=float, default=0.0)
    p.add_argument("--crash-after", default=None)
    return p.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
