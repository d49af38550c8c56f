"""Benchmark: JT/T 808 0x0200 location frames decoded and encoded per second, one core.

    .venv/bin/python bench/jt808_codec.py [--frames 20000] [--seconds 2] [--json PATH]

The frames are the reports of a bus fleet: 1,000 terminals, 80 % 2013 and 20 % 2019
headers, each with the typical additional items (0x01 mileage, 0x02 fuel, 0x03 recorder
speed, 0x30 signal, 0x31 GNSS satellites) and one in ten with a su-biao 0x64 ADAS item.
They are generated from a fixed seed, so every run measures the same bytes.

Measured, each in the same process, pinned to one CPU when the OS allows:
  decode           wire frame -> Location     (decode_frame + decode_body, all items typed)
  encode           Location -> wire frame     (encode_message)
  session receive  a byte stream in 4 KiB chunks -> MessageReceived events (Jt808Session)
  baseline naive   a straightforward decoder: per-byte unescape loop, XOR loop,
                   one struct.unpack per field, strptime for the time, items as dicts
  baseline basic   busbrain decode skipping the additional items (the 28-byte block only)
Throughput is frames over wall time for repeated passes lasting at least --seconds;
latency is p50 / p99 of per-frame times (perf_counter_ns around each call, so it
includes ~50-100 ns of timer overhead).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import struct
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import busbrain.protocol.jt808 as j
from busbrain.protocol.jt808.messages.m0200_location import decode_location

GOAL_DECODE_PER_S = 150_000
CHUNK = 4096


# -- workload ------------------------------------------------------------------------------


def _ident(rnd: random.Random, when: datetime) -> j.AlarmIdentification:
    return j.AlarmIdentification(f"T{rnd.randrange(10**6):06d}", when, 0, rnd.randrange(4))


def _adas(rnd: random.Random, loc: j.Location) -> j.AdasAlarm:
    return j.AdasAlarm(
        alarm_id=rnd.randrange(1 << 31),
        flag_status=1,
        alarm_type=rnd.choice([1, 2, 3, 4]),
        level=rnd.choice([1, 2]),
        front_speed_kmh=rnd.randrange(80),
        front_distance_100ms=rnd.randrange(50),
        departure_type=rnd.choice([0, 1, 2]),
        road_sign_type=0,
        road_sign_value=0,
        speed_kmh=int(loc.speed_kmh),
        altitude_m=loc.altitude_m,
        lat_deg=loc.lat_deg,
        lon_deg=loc.lon_deg,
        time=loc.device_time,
        vehicle_status=1,
        identification=_ident(rnd, loc.device_time),
    )


def make_location(rnd: random.Random, when: datetime) -> j.Location:
    """One report of a bus in Suzhou-sized surroundings, with the usual items."""
    loc = j.Location(
        alarm_flags=rnd.choice([0, 0, 0, 2, 1 << 13]),
        status_flags=0x000C0003 | rnd.choice([0, 1 << 13]),
        lat_deg=round(31.2 + rnd.random() * 0.2, 6),
        lon_deg=round(120.5 + rnd.random() * 0.3, 6),
        altitude_m=rnd.randrange(0, 60),
        speed_kmh=rnd.randrange(0, 700) / 10,
        heading_deg=rnd.randrange(360),
        device_time=when,
        items=(
            j.Mileage(rnd.randrange(10**7) / 10),
            j.Fuel(rnd.randrange(3000) / 10),
            j.RecorderSpeed(rnd.randrange(700) / 10),
            j.SignalStrength(rnd.randrange(32)),
            j.GnssSatellites(rnd.randrange(4, 30)),
        ),
    )
    if rnd.random() < 0.1:
        loc = j.Location(**{**_fields(loc), "items": (*loc.items, _adas(rnd, loc))})
    return loc


def _fields(loc: j.Location) -> dict[str, Any]:
    return {name: getattr(loc, name) for name in loc.__struct_fields__}


def workload(count: int, seed: int = 808) -> list[tuple[j.Location, str, j.ProtocolVersion]]:
    rnd = random.Random(seed)
    start = datetime(2025, 5, 1, 6, 0, 0, tzinfo=j.CHINA_TZ)
    out = []
    for n in range(count):
        phone = f"139{rnd.randrange(1000):08d}"
        version = j.ProtocolVersion.V2019 if rnd.random() < 0.2 else j.ProtocolVersion.V2013
        out.append((make_location(rnd, start + timedelta(seconds=n)), phone, version))
    return out


# -- naive baseline ------------------------------------------------------------------------


def naive_decode(wire: bytes) -> dict[str, Any]:
    """A first, straightforward decoder, as a comparison point (not used elsewhere)."""
    content = bytearray()
    i, end = 1, len(wire) - 1
    while i < end:
        b = wire[i]
        if b == 0x7D:
            content.append(0x7D if wire[i + 1] == 1 else 0x7E)
            i += 2
        else:
            content.append(b)
            i += 1
    check = 0
    for b in content[:-1]:
        check ^= b
    if check != content[-1]:
        raise ValueError("check code")
    msg_id = struct.unpack(">H", content[0:2])[0]
    attr = struct.unpack(">H", content[2:4])[0]
    if attr & 0x4000:
        phone = "".join(f"{b >> 4}{b & 15}" for b in content[5:15])
        serial = struct.unpack(">H", content[15:17])[0]
        start = 17
    else:
        phone = "".join(f"{b >> 4}{b & 15}" for b in content[4:10])
        serial = struct.unpack(">H", content[10:12])[0]
        start = 12
    body = bytes(content[start : start + (attr & 0x3FF)])
    status = struct.unpack(">I", body[4:8])[0]
    msg = {
        "msg_id": msg_id,
        "phone": phone,
        "serial": serial,
        "alarm": struct.unpack(">I", body[0:4])[0],
        "status": status,
        "lat": struct.unpack(">I", body[8:12])[0] / 1e6 * (-1 if status & 4 else 1),
        "lon": struct.unpack(">I", body[12:16])[0] / 1e6 * (-1 if status & 8 else 1),
        "altitude": struct.unpack(">H", body[16:18])[0],
        "speed": struct.unpack(">H", body[18:20])[0] / 10,
        "heading": struct.unpack(">H", body[20:22])[0],
        "time": datetime.strptime(body[22:28].hex(), "%y%m%d%H%M%S"),
        "items": {},
    }
    p = 28
    while p + 2 <= len(body):
        item_id, length = body[p], body[p + 1]
        value = body[p + 2 : p + 2 + length]
        if item_id == 0x01:
            msg["items"]["mileage_km"] = struct.unpack(">I", value)[0] / 10
        elif item_id == 0x02:
            msg["items"]["fuel_l"] = struct.unpack(">H", value)[0] / 10
        elif item_id == 0x03:
            msg["items"]["speed_kmh"] = struct.unpack(">H", value)[0] / 10
        elif item_id in (0x30, 0x31):
            msg["items"][hex(item_id)] = value[0]
        else:
            msg["items"][hex(item_id)] = value
        p += 2 + length
    return msg


# -- measuring -----------------------------------------------------------------------------


def throughput(run_pass: Callable[[], int], seconds: float) -> float:
    """Items per second over repeated passes lasting at least `seconds`."""
    run_pass()  # warm-up
    done, t0 = 0, time.perf_counter()
    while True:
        done += run_pass()
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            return done / elapsed


def latencies_us(call: Callable[[Any], object], items: Sequence[Any]) -> tuple[float, float]:
    """p50 and p99 of single calls, in microseconds."""
    clock = time.perf_counter_ns
    samples = []
    for item in items:
        t0 = clock()
        call(item)
        samples.append(clock() - t0)
    cuts = statistics.quantiles(samples, n=100)
    return cuts[49] / 1000, cuts[98] / 1000


def _decode(wire: bytes) -> j.Message:
    frame = j.decode_frame(wire)
    return j.decode_body(frame.header, frame.body)


def _decode_basic(wire: bytes) -> j.Location:
    return decode_location(j.decode_frame(wire).body, with_items=False)


def _session_pass(stream: bytes, expected: int) -> Callable[[], int]:
    def run() -> int:
        session = j.Jt808Session()
        got = 0
        for at in range(0, len(stream), CHUNK):
            session.receive_data(stream[at : at + CHUNK])
            for event in session.events():
                if isinstance(event, j.MessageReceived):
                    got += 1
        assert got == expected, (got, expected)
        return got

    return run


def _session_frame(session: j.Jt808Session) -> Callable[[bytes], None]:
    def feed(wire: bytes) -> None:
        session.receive_data(wire)
        for _ in session.events():
            pass

    return feed


def _pin_one_cpu() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = sorted(os.sched_getaffinity(0))[0]
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned"


def run(count: int, seconds: float) -> dict[str, Any]:
    pinned = _pin_one_cpu()
    reports = workload(count)
    frames = [
        j.encode_message(loc, phone=phone, serial=n & 0xFFFF, version=version)
        for n, (loc, phone, version) in enumerate(reports)
    ]
    stream = b"".join(frames)
    assert [_decode(f) for f in frames] == [loc for loc, _, _ in reports]  # sanity

    def decode_pass() -> int:
        for wire in frames:
            _decode(wire)
        return len(frames)

    def encode_pass() -> int:
        for n, (loc, phone, version) in enumerate(reports):
            j.encode_message(loc, phone=phone, serial=n & 0xFFFF, version=version)
        return len(reports)

    def naive_pass() -> int:
        for wire in frames:
            naive_decode(wire)
        return len(frames)

    def basic_pass() -> int:
        for wire in frames:
            _decode_basic(wire)
        return len(frames)

    rows: dict[str, Any] = {}
    rows["decode"] = (throughput(decode_pass, seconds), latencies_us(_decode, frames))
    rows["encode"] = (
        throughput(encode_pass, seconds),
        latencies_us(lambda r: j.encode_message(r[0], phone=r[1], serial=1, version=r[2]), reports),
    )
    rows["session receive"] = (
        throughput(_session_pass(stream, len(frames)), seconds),
        latencies_us(_session_frame(j.Jt808Session()), frames),
    )
    rows["baseline naive decode"] = (
        throughput(naive_pass, seconds),
        latencies_us(naive_decode, frames),
    )
    rows["baseline basic block only"] = (
        throughput(basic_pass, seconds),
        latencies_us(_decode_basic, frames),
    )
    return {
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "cpu": pinned,
        "frames": len(frames),
        "mean_frame_bytes": round(len(stream) / len(frames), 1),
        "with_adas_item": sum(1 for loc, _, _ in reports if len(loc.items) > 5),
        "gc_enabled": gc.isenabled(),
        "results": {
            name: {"frames_per_s": round(rate), "p50_us": round(p50, 2), "p99_us": round(p99, 2)}
            for name, (rate, (p50, p99)) in rows.items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=2.0, help="minimum time per figure")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    report = run(args.frames, args.seconds)
    print(
        f"JT/T 808 0x0200 codec — Python {report['python']} on {report['processor']}, "
        f"{report['cpu']}, {report['frames']} frames (mean {report['mean_frame_bytes']} B, "
        f"{report['with_adas_item']} with ADAS)"
    )
    print(f"{'':28}{'frames/s':>12}{'p50 µs':>10}{'p99 µs':>10}")
    for name, r in report["results"].items():
        print(f"{name:28}{r['frames_per_s']:>12,}{r['p50_us']:>10.2f}{r['p99_us']:>10.2f}")
    decode_rate = report["results"]["decode"]["frames_per_s"]
    verdict = "met" if decode_rate >= GOAL_DECODE_PER_S else "NOT met"
    print(f"goal {GOAL_DECODE_PER_S:,} decoded/s per core: {verdict}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
