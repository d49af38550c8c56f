"""苏标 alarm attachments from the simulated city: a bus's ADAS alarm announces files,
the real gateway asks for them (0x9208), the live player uploads them on a second
connection (0x1210, 0x1211, data blocks, 0x1212) and they land under the gateway's
attachments_dir and on the bus as `alarm_attachment` events."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from busbrain.domain.events import AlarmAttachment
from busbrain.gateway import attachments as att
from busbrain.oversight.safety import Alarm, AlarmFile
from busbrain.protocol import jt808 as j
from busbrain.runner.alarms import consume_alarms
from busbrain.sim.live import LinkCounts, upload_attachments
from busbrain.sim.responder import alarm_files
from busbrain.sim.runner import fleet_records, run_live
from busbrain.sim.world import World
from tests.gateway.terminal import gateway

PHONE = "14100000001"
SPEED = 10.0
"""Simulated seconds per wall second: a 60 s span plays in about 6 s."""


def test_simulated_bus_uploads_its_alarm_files(world: World, tmp_path: Path) -> None:
    adas = sorted(
        (a for a in world.alarms if a.category == "adas" and 7 * 3600 < a.t < 20 * 3600),
        key=lambda a: a.t,
    )
    assert adas, "the small world has no daytime ADAS alarm"
    alarm = adas[0]
    span = (alarm.t - 20.0, alarm.t + 40.0)
    phone = world.terminals[alarm.bus].phone
    files_dir = tmp_path / "attachments"
    events: list[AlarmAttachment] = []

    queued: list[Alarm] = []
    linked: list[AlarmFile] = []

    async def main() -> None:
        async with gateway(tmp_path, attachments_dir=str(files_dir)) as h:
            h.store.terminals.upsert_terminals(fleet_records(world))
            stop = asyncio.Event()
            alarms = asyncio.create_task(consume_alarms(h.store.alarms, h.bus, stop=stop))
            await asyncio.sleep(0)  # subscribed before the buses report
            stats = await run_live(world, "127.0.0.1", h.gateway.port, speed=SPEED, span_s=span)
            assert stats.attachments_uploaded >= 1 and stats.attachments_failed == 0, stats
            await asyncio.sleep(1.0)
            stop.set()
            await alarms
            queued.extend(h.store.alarms.alarms(limit=1000))
            for a in queued:
                if a.alarm_id is not None:
                    linked.extend(h.store.alarms.files(a.phone, a.alarm_id))
            async with asyncio.timeout(5):
                while True:
                    got = await h.sub.fetch(500, timeout_s=0.3)
                    if not got:
                        break
                    for d in got:
                        if isinstance(d.event, AlarmAttachment):
                            events.append(d.event)
                        await d.ack()

    asyncio.run(main())
    mine = [e for e in events if e.phone == phone]
    assert mine, [(e.phone, e.file_name) for e in events]
    assert len({e.alarm_id for e in mine}) >= 1
    for e in events:
        assert e.complete and 2048 <= e.size_bytes <= 16384 + 64
        data = (files_dir / e.path).read_bytes()
        assert len(data) == e.size_bytes
        if e.file_name.endswith(".jpg"):
            assert e.file_type == 0 and data[:3] == b"\xff\xd8\xff" and data[-2:] == b"\xff\xd9"
        else:
            assert e.file_type == 2 and data[4:8] == b"ftyp"
    first = [e for e in mine if e.file_name.startswith("00_64_64")]
    assert first, [e.file_name for e in mine]
    # 安全监管: the bus's ADAS alarm is in the queue once, on the right bus, of the right
    # kind, and the files it uploaded are linked to it
    vehicle = world.terminals[alarm.bus].vehicle_id
    ours = [a for a in queued if a.vehicle_id == vehicle and a.kind == f"adas.{alarm.kind}"]
    assert len(ours) == 1, [(a.vehicle_id, a.kind) for a in queued]
    assert {f.file_name for f in linked} >= {e.file_name for e in mine}


def test_missing_ranges_are_sent_again() -> None:
    """A small attachment server (a real TCP peer) says the first 100 bytes of each
    file are missing once: the terminal sends just those again, then 0x1212 again."""
    ident = j.AlarmIdentification("S000001", dt.datetime(2026, 12, 1, 8, tzinfo=j.CHINA_TZ), 0, 2)
    blocks: list[att.DataBlock] = []
    finished: list[str] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = j.Jt808Session(phone=PHONE)
        splitter = att.StreamSplitter(65536)
        while data := await reader.read(65536):
            for part in splitter.feed(data):
                if isinstance(part, att.DataBlock):
                    blocks.append(part)
                    continue
                session.receive_data(part)
                for event in session.events():
                    assert isinstance(event, j.MessageReceived)
                    m, h = event.message, event.header
                    if isinstance(m, j.AttachmentUploadFinished):
                        again = m.name not in finished
                        finished.append(m.name)
                        ranges = ((0, 100),) if again else ()
                        reply: j.Message = j.UploadFinishedResponse(
                            m.name, m.file_type, int(again), ranges
                        )
                    else:
                        reply = j.PlatformGeneralResponse(h.serial, h.msg_id, 0)
                    writer.write(session.send(reply))
        writer.close()

    async def main() -> LinkCounts:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        request = j.AlarmAttachmentRequest("127.0.0.1", port, 0, ident, f"{PHONE}-9")
        files = alarm_files(request, None)
        counts = LinkCounts()
        async with server:
            await upload_attachments(request, files, j.Jt808Session(phone=PHONE), counts)
        assert [f.name for f in files] == list(dict.fromkeys(finished))
        for f in files:
            got = [b for b in blocks if b.name == f.name]
            assert b"".join(b.data for b in got[:-1]) == f.data  # all of it, once
            assert (got[-1].offset, got[-1].data) == (0, f.data[:100])  # then the re-send
        return counts

    counts = asyncio.run(main())
    assert (counts.attachments_uploaded, counts.attachments_failed) == (2, 0)
    assert len(finished) == 4
