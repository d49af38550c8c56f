"""One terminal's TCP connection: bytes in through the session, answers and events out.

The session (protocol package) turns bytes into messages; this class decides what each
message means for the platform: registration and authentication against the registry,
reports onto the bus, answers to commands, and a general response (0x8001) with the
terminal's serial for everything that needs one. Nothing a terminal sends can crash it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from busbrain.domain.events import (
    AlarmAttachment,
    Event,
    OfflineReason,
    TerminalOffline,
    TerminalOnline,
)
from busbrain.domain.terminals import RegisterResult, normalise_phone
from busbrain.gateway import attachments, translate
from busbrain.gateway.context import GatewayContext
from busbrain.protocol import jt808 as j
from busbrain.store.ports import TerminalInfo

OK, FAILURE, MESSAGE_ERROR, NOT_SUPPORTED = 0, 1, 2, 3
READ_SIZE = 65536
_RESPONSES = (j.TerminalGeneralResponse, j.LocationQueryResponse, j.ParametersResponse)
_OFFLINE_REASONS: dict[str, OfflineReason] = {
    "idle_timeout": "idle_timeout",
    "replaced": "replaced",
    "unregistered": "unregistered",
}


class TerminalConnection:
    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        ctx: GatewayContext,
        responses: ResponseHandler,
    ) -> None:
        self.reader, self.writer, self.ctx = reader, writer, ctx
        self.responses = responses
        cfg = ctx.config
        self.session = j.Jt808Session(
            j.SessionConfig(
                max_frame_bytes=cfg.max_frame_bytes, reassembly_timeout_s=cfg.reassembly_timeout_s
            )
        )
        self.phone: str | None = None
        self.who: translate.Identity | None = None
        self.alarm_bits = 0
        self.upload: attachments.Upload | None = None
        """Set when the connection is a 苏标 attachment upload (it opened with 0x1210)."""
        self._splitter: attachments.StreamSplitter | None = None
        self._first: bytes | None = b""  # the opening bytes until the kind is known
        self._close_reason: str | None = None
        self._loop = asyncio.get_running_loop()

    # -- life cycle ---------------------------------------------------------------------

    def close_soon(self, reason: str) -> None:
        """Close from outside (replaced by a newer connection, gateway stopping)."""
        self._close_reason = self._close_reason or reason
        self.writer.close()

    async def run(self) -> None:
        m = self.ctx.metrics
        m.accepted.inc()
        m.connections.inc()
        reason = "closed"
        try:
            reason = await self._read_loop()
        except (ConnectionError, OSError):
            reason = "closed"
        finally:
            m.connections.dec()
            reason = self._close_reason or reason
            m.closed.labels(reason).inc()
            await self._went_offline(reason)
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()

    async def _read_loop(self) -> str:
        idle = self.ctx.config.idle_timeout_s
        while self._close_reason is None:
            try:
                async with asyncio.timeout(idle):  # cheaper than wait_for: no extra task
                    data = await self.reader.read(READ_SIZE)
            except TimeoutError:
                return "idle_timeout"
            if not data:
                return "closed"
            t0 = self._loop.time()
            if self._first is not None:
                data = self._first + data
                kind = attachments.is_attachment_stream(data)
                if kind is None:
                    self._first = data
                    continue
                self._first = None
                if kind:
                    self._start_upload()
            if self._splitter is not None:
                if not await self._receive_upload(data, t0):
                    return "closed"
                continue
            self.session.receive_data(data, now=t0)
            for event in self.session.events():
                await self._on_event(event, t0)
            if self.writer.transport.get_write_buffer_size() > READ_SIZE:
                await self.writer.drain()
        return self._close_reason

    def _start_upload(self) -> None:
        cfg = self.ctx.config
        self.upload = attachments.Upload(Path(cfg.attachments_dir), cfg.attachment_max_bytes)
        self._splitter = attachments.StreamSplitter(cfg.max_frame_bytes)

    async def _receive_upload(self, data: bytes, t0: float) -> bool:
        """Frames to the session, data blocks to the files; False when the stream cannot
        be followed (the connection is then closed)."""
        assert self._splitter is not None and self.upload is not None
        try:
            parts = self._splitter.feed(data)
        except attachments.StreamError:
            self.ctx.metrics.rejected.labels("attachment_stream").inc()
            return False
        for part in parts:
            if isinstance(part, bytes):
                self.session.receive_data(part, now=t0)
                for event in self.session.events():
                    await self._on_event(event, t0)
            elif not await asyncio.to_thread(self.upload.write, part):
                self.ctx.metrics.refused.labels("attachment_block").inc()
        return True

    async def _went_offline(self, reason: str) -> None:
        if self.phone is None or self.who is None:
            return
        if not self.ctx.table.detach(self.phone, self):
            return  # replaced: the newer connection owns the terminal now
        self.ctx.metrics.online.dec()
        event = TerminalOffline(
            phone=self.phone,
            vehicle=self.who.vehicle,
            ts_utc=self.ctx.clock(),
            reason=_OFFLINE_REASONS.get(reason, "closed"),
        )
        with contextlib.suppress(Exception):
            await self.ctx.sink.put([event])

    # -- sending ------------------------------------------------------------------------

    def send(self, message: j.Message) -> int:
        """Write `message` to the terminal; returns the serial it went out with."""
        serial = self.session.next_serial
        self.writer.write(self.session.send(message))
        return serial

    def _answer(self, header: j.Header, result: int, t0: float) -> None:
        self.send(j.PlatformGeneralResponse(header.serial, header.msg_id, result))
        self.ctx.metrics.ack_seconds.observe(self._loop.time() - t0)

    def _refuse(self, header: j.Header, reason: str, t0: float, result: int = FAILURE) -> None:
        self.ctx.metrics.refused.labels(reason).inc()
        self._answer(header, result, t0)

    # -- receiving ----------------------------------------------------------------------

    async def _on_event(self, event: j.Event, t0: float) -> None:
        m = self.ctx.metrics
        if isinstance(event, j.FrameRejected):
            m.rejected.labels(type(event.error).__name__).inc()
            if event.header is not None and isinstance(event.error, j.MessageDecodeError):
                self._answer(event.header, MESSAGE_ERROR, t0)
            return
        if isinstance(event, j.ReassemblyAbandoned):
            m.rejected.labels(f"reassembly_{event.reason}").inc()
            if self.phone is not None:
                self.send(j.RetransmitRequest(event.original_serial, event.missing))
            return
        header, message = event.header, event.message
        m.message(header.msg_id)
        try:
            await self._dispatch(header, message, t0)
        except Exception:  # a bug or a store failure must not kill the connection
            m.refused.labels("internal_error").inc()
            self._answer(header, FAILURE, t0)

    async def _dispatch(self, header: j.Header, message: j.Message, t0: float) -> None:
        if isinstance(message, j.Register):
            await self._register(header, message, t0)
        elif isinstance(message, j.Authentication):
            await self._authenticate(header, message, t0)
        elif self.upload is not None:
            await self._attachment_message(header, message, t0)
        elif self.who is None:
            if not isinstance(message, _RESPONSES):
                self._refuse(header, "unauthenticated", t0)
        elif isinstance(message, j.Heartbeat):
            self._answer(header, OK, t0)
        elif isinstance(message, j.Location):
            await self._locations(header, [message], t0, blind_area=False)
        elif isinstance(message, j.BatchLocation):
            await self._locations(
                header, list(message.locations), t0, blind_area=message.batch_type == 1
            )
        elif isinstance(message, j.PassengerFlow):
            await self.ctx.sink.put([translate.passenger_count(self.who, message)])
            self._answer(header, OK, t0)
        elif isinstance(message, j.DriverIdentity):
            await self.ctx.sink.put([translate.driver_identity(self.who, message)])
            self._answer(header, OK, t0)
        elif isinstance(message, j.Unregister):
            await asyncio.to_thread(self.ctx.registry.unregister, self._phone_of(header))
            self._answer(header, OK, t0)
            self.close_soon("unregistered")
        elif isinstance(message, _RESPONSES):
            self.responses.on_response(self._phone_of(header), message, self.ctx.clock())
        elif isinstance(message, j.RawMessage):
            self._refuse(header, "not_supported", t0, NOT_SUPPORTED)
        else:
            self._answer(header, OK, t0)

    async def _attachment_message(self, header: j.Header, message: j.Message, t0: float) -> None:
        """0x1210 / 0x1211 / 0x1212 on an attachment connection; nothing else is taken."""
        assert self.upload is not None
        phone = self._phone_of(header)
        if isinstance(message, j.AlarmAttachmentInfo):
            known = await asyncio.to_thread(self.ctx.registry.find_terminal, phone)
            if known is None or not self.upload.start(phone, message):
                self._refuse(header, "attachment_unknown_alarm", t0)
                return
            self._answer(header, OK, t0)
        elif isinstance(message, j.AttachmentFileInfo):
            if self.upload.announce(message) is None:
                self._refuse(header, "attachment_refused", t0)
                return
            self._answer(header, OK, t0)
        elif isinstance(message, j.AttachmentUploadFinished):
            await self._upload_finished(header, message)
        elif isinstance(message, j.Heartbeat):
            self._answer(header, OK, t0)
        elif not isinstance(message, _RESPONSES):
            self._refuse(header, "attachment_connection", t0)

    async def _upload_finished(self, header: j.Header, done: j.AttachmentUploadFinished) -> None:
        """Publish the file (complete or not), then answer 0x9212 with what is missing."""
        assert self.upload is not None
        incoming, missing = self.upload.finish(done)
        if incoming is not None and self.upload.alarm_id is not None:
            event = AlarmAttachment(
                phone=self._phone_of(header),
                ts_utc=self.ctx.clock(),
                alarm_id=self.upload.alarm_id,
                file_name=incoming.name,
                file_type=incoming.file_type,
                size_bytes=incoming.size_bytes,
                path=incoming.relative_path,
                complete=not missing,
            )
            await self.ctx.sink.put([event])
        self.send(attachments.upload_result(done.name, done.file_type, missing))

    def _request_attachments(self, loc: j.Location) -> None:
        """Ask for the files the 苏标 items of `loc` announce (0x9208), naming this
        connection's own address unless the config names an attachment server."""
        assert self.phone is not None
        items = [
            item
            for item in loc.items
            if isinstance(item, j.AdasAlarm | j.DmsAlarm)
            and item.identification.attachment_count > 0
            and item.flag_status != translate.FLAG_END
        ]
        if not items:
            return
        cfg = self.ctx.config
        here = self.writer.get_extra_info("sockname") or ("127.0.0.1", 0)
        host = cfg.attachment_host or str(here[0])
        port = cfg.attachment_port or int(here[1])
        for item in items:
            self.send(attachments.upload_request(item, self.phone, host, port))

    @staticmethod
    def _phone_of(header: j.Header) -> str:
        return normalise_phone(header.phone)

    async def _register(self, header: j.Header, reg: j.Register, t0: float) -> None:
        phone = self._phone_of(header)
        info = TerminalInfo(
            plate=reg.plate or None,
            plate_colour=reg.plate_color,
            maker=reg.maker_id,
            model=reg.model,
            terminal_id=reg.terminal_id,
        )
        code = secrets.token_hex(8)
        result = await asyncio.to_thread(
            self.ctx.registry.register,
            phone,
            info,
            auth_code=code,
            now=self.ctx.clock(),
            open_registration=self.ctx.config.open_registration,
        )
        self.ctx.metrics.registrations.labels(result.name.lower()).inc()
        ok = result is RegisterResult.OK
        self.send(j.RegisterResponse(header.serial, int(result), code if ok else ""))
        self.ctx.metrics.ack_seconds.observe(self._loop.time() - t0)

    async def _authenticate(self, header: j.Header, auth: j.Authentication, t0: float) -> None:
        phone = self._phone_of(header)
        registry = self.ctx.registry
        ok = await asyncio.to_thread(registry.authenticate, phone, auth.auth_code)
        if not ok:
            self._refuse(header, "auth_failed", t0)
            return
        record = await asyncio.to_thread(registry.find_terminal, phone)
        vehicle = record.vehicle_id or record.plate if record is not None else None
        first = self.who is None
        self.phone, self.who = phone, translate.Identity(phone, vehicle)
        if first:
            self.ctx.table.attach(phone, self)
            self.ctx.metrics.online.inc()
            await self.ctx.sink.put(
                [TerminalOnline(phone=phone, vehicle=vehicle, ts_utc=self.ctx.clock())]
            )
        self._answer(header, OK, t0)

    async def _locations(
        self, header: j.Header, locations: Sequence[j.Location], t0: float, *, blind_area: bool
    ) -> None:
        assert self.who is not None
        received = self.ctx.clock()
        events: list[Event] = []
        for loc in locations:
            try:
                events.append(
                    translate.vehicle_location(self.who, loc, received, blind_area=blind_area)
                )
            except ValueError:
                self.ctx.metrics.refused.labels("bad_position").inc()
                continue
            if not blind_area:
                events += translate.flag_changes(self.who, loc, self.alarm_bits)
                self.alarm_bits = loc.alarm_flags
            events += translate.safety_alarms(self.who, loc)
        if not events:
            self._answer(header, MESSAGE_ERROR, t0)
            return
        await self.ctx.sink.put(events)
        m = self.ctx.metrics
        (m.blind_locations if blind_area else m.live_locations).inc(
            sum(1 for e in events if e.TYPE == "vehicle_location")
        )
        self._answer(header, OK, t0)
        for loc in locations:
            if loc.items:
                self._request_attachments(loc)


class ResponseHandler(Protocol):
    """Where terminals' answers to commands go (the command dispatcher)."""

    def on_response(self, phone: str, message: j.Message, now: dt.datetime) -> None: ...
