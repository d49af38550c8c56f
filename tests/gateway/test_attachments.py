"""苏标 alarm attachments over real TCP: an ADAS alarm announcing a file gets a 0x9208,
the terminal uploads on a second connection (0x1210, 0x1211, data blocks, 0x1212) and
gets 0x9212; the file lands in attachments_dir, an AlarmAttachment goes on the bus, the
alarm consumer links it to the alarm and the API lists and serves it."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from fastapi.testclient import TestClient

from busbrain.access.roles import Role
from busbrain.api import create_app
from busbrain.domain.events import AlarmAttachment, AlarmRaised
from busbrain.gateway import attachments as att
from busbrain.protocol import jt808 as j
from busbrain.protocol.jt808.extensions.common import AlarmIdentification
from busbrain.runner.alarms import consume_alarms
from tests.api.dispatch_helpers import BASE, Clock, add_user, cheap_passwords, empty_network
from tests.api.dispatch_helpers import login as api_login
from tests.gateway.terminal import BEIJING, Harness, Terminal, gateway, location

PHONE = "13900000021"
WHEN = dt.datetime(2026, 11, 29, 8, 30, 0, tzinfo=BEIJING)
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4 + b"\xff\xd9"  # 1030 bytes, JPEG-like


def run(coro: object) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]


def adas(alarm_id: int = 77, files: int = 1) -> j.AdasAlarm:
    return j.AdasAlarm(
        alarm_id=alarm_id, flag_status=0, alarm_type=1, level=2, front_speed_kmh=30,
        front_distance_100ms=8, departure_type=0, road_sign_type=0, road_sign_value=0,
        speed_kmh=31, altitude_m=20, lat_deg=41.12, lon_deg=121.13, time=WHEN,
        vehicle_status=1, identification=AlarmIdentification("T000001", WHEN, 0, files),
    )  # fmt: skip


async def alarm_and_request(
    h: Harness, t: Terminal, alarm_id: int = 77
) -> j.AlarmAttachmentRequest:
    """Report an ADAS alarm with one attachment; the 0x9208 the gateway sends back."""
    await t.send(location(items=(adas(alarm_id),)))
    replies = [(await t.recv()).message, (await t.recv()).message]
    assert isinstance(replies[0], j.PlatformGeneralResponse) and replies[0].result == 0
    request = replies[1]
    assert isinstance(request, j.AlarmAttachmentRequest), replies
    return request


async def upload(
    port: int, request: j.AlarmAttachmentRequest, name: str, data: bytes, *, size: int
) -> tuple[str, int, int, list[tuple[int, int]]]:
    """A second connection: 0x1210, 0x1211, the data in 500-byte blocks, 0x1212; the
    0x9212's name, file type, result and ranges."""
    up = await Terminal(PHONE).connect(port)
    try:
        info = j.AlarmAttachmentInfo(
            "T000001", request.identification, request.alarm_number, 0,
            (j.AttachmentFile(name, size),),
        )  # fmt: skip
        ack = await up.answer(info)
        assert isinstance(ack, j.PlatformGeneralResponse) and ack.result == 0, ack
        ack = await up.answer(j.AttachmentFileInfo(name, 0, size))
        assert isinstance(ack, j.PlatformGeneralResponse) and ack.result == 0, ack
        for at in range(0, len(data), 500):
            await up.send_raw(att.data_block(name, at, data[at : at + 500]))
        done = await up.answer(j.AttachmentUploadFinished(name, 0, size))
        assert isinstance(done, j.UploadFinishedResponse), done
        return done.name, done.file_type, done.result, list(done.retransmit)
    finally:
        await up.close()


async def next_of(h: Harness, kind: type) -> object:
    async with asyncio.timeout(5):
        while True:
            for e in await h.events(1):
                if isinstance(e, kind):
                    return e


async def uploaded_and_linked(h: Harness, files_dir: Path, name: str) -> None:
    """The whole path up to the store: alarm, 0x9208, upload, event, file, link."""
    t = await Terminal(PHONE).connect(h.gateway.port)
    await t.login()
    request = await alarm_and_request(h, t)
    assert (request.server_ip, request.tcp_port) == ("127.0.0.1", h.gateway.port)
    assert request.identification.attachment_count == 1
    assert request.alarm_number == f"{PHONE}-77"
    raised = await next_of(h, AlarmRaised)
    assert isinstance(raised, AlarmRaised) and raised.alarm_id == "77"

    result = await upload(h.gateway.port, request, name, JPEG, size=len(JPEG))
    assert result == (name, 0, 0, [])
    event = await next_of(h, AlarmAttachment)
    assert isinstance(event, AlarmAttachment)
    assert (event.alarm_id, event.file_name, event.size_bytes) == ("77", name, len(JPEG))
    assert event.complete and event.path == f"{PHONE}/77/{name}"
    assert (files_dir / event.path).read_bytes() == JPEG
    async with asyncio.timeout(5):
        while not h.store.alarms.files(PHONE, "77"):
            await asyncio.sleep(0.05)
    await t.close()


def test_alarm_attachment_uploaded_linked_listed_and_served(tmp_path: Path) -> None:
    files_dir = tmp_path / "attachments"
    name = "00_64_6401_0_a.jpg"

    async def scenario() -> None:
        async with gateway(tmp_path, open_registration=True, attachments_dir=str(files_dir)) as h:
            stop = asyncio.Event()
            consumer = asyncio.create_task(consume_alarms(h.store.alarms, h.bus, stop=stop))
            try:
                await uploaded_and_linked(h, files_dir, name)
            finally:
                stop.set()
                await consumer

        # the API: the alarm lists its file, which is served from attachments_dir
        passwords = cheap_passwords()
        add_user(h.store.users, passwords, "anquan", Role.SAFETY)
        app = create_app(
            empty_network(), clock=Clock(), users=h.store.users, passwords=passwords,
            alarms=h.store.alarms, attachments_dir=files_dir,
        )  # fmt: skip
        client = TestClient(app)
        pk = h.store.alarms.alarms()[0].alarm_pk
        assert client.get(f"{BASE}/alarms/{pk}/attachments/{name}").status_code == 401
        api_login(client, "anquan")
        body = client.get(f"{BASE}/alarms/{pk}").json()
        assert [(a["name"], a["file_type"], a["complete"]) for a in body["attachments"]] == [
            (name, "image", True)
        ]
        got = client.get(body["attachments"][0]["url"])
        assert got.status_code == 200 and got.content == JPEG
        assert got.headers["content-type"] == "image/jpeg"
        assert client.get(f"{BASE}/alarms/{pk}/attachments/other.jpg").status_code == 404
        assert client.get(f"{BASE}/alarms/999/attachments/{name}").status_code == 404

    run(scenario())


def test_short_upload_names_the_missing_range_and_paths_stay_inside(tmp_path: Path) -> None:
    files_dir = tmp_path / "attachments"

    async def scenario() -> None:
        async with gateway(tmp_path, open_registration=True, attachments_dir=str(files_dir)) as h:
            t = await Terminal(PHONE).connect(h.gateway.port)
            await t.login()
            request = await alarm_and_request(h, t, alarm_id=78)
            sneaky = "../../evil.jpg"
            result = await upload(h.gateway.port, request, sneaky, JPEG[:600], size=len(JPEG))
            assert result == (sneaky, 0, 1, [(600, len(JPEG) - 600)])
            event = await next_of(h, AlarmAttachment)
            assert isinstance(event, AlarmAttachment) and not event.complete
            stored = (files_dir / event.path).resolve()
            assert stored.is_relative_to(files_dir.resolve())
            assert stored.read_bytes() == JPEG[:600]
            assert not (tmp_path / "evil.jpg").exists()
            await t.close()

    run(scenario())


def test_an_upload_for_an_alarm_number_not_given_is_refused(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with gateway(tmp_path, open_registration=True, attachments_dir=str(tmp_path)) as h:
            t = await Terminal(PHONE).connect(h.gateway.port)
            await t.login()
            up = await Terminal(PHONE).connect(h.gateway.port)
            ident = AlarmIdentification("T000001", WHEN, 0, 1)
            info = j.AlarmAttachmentInfo("T000001", ident, "013900000099-5", 0, ())
            ack = await up.answer(info)
            assert isinstance(ack, j.PlatformGeneralResponse) and ack.result == 1
            await up.close()
            await t.close()

    run(scenario())


def test_stream_splitter_cuts_frames_and_blocks_across_reads() -> None:
    frame = j.Jt808Session(phone=PHONE).send(j.Heartbeat())
    stream = frame + att.data_block("a.jpg", 0, b"\x7e\x7d" * 10) + frame
    splitter = att.StreamSplitter(4096)
    parts: list[bytes | att.DataBlock] = []
    for i in range(len(stream)):  # one byte at a time
        parts += splitter.feed(stream[i : i + 1])
    assert parts == [frame, att.DataBlock("a.jpg", 0, b"\x7e\x7d" * 10), frame]
    assert att.safe_part("..", "x") == "x" and att.safe_part("a/b\\c", "x") == "a_b_c"
