"""What a simulated terminal answers to the platform, and what it keeps while offline."""

from __future__ import annotations

import datetime as dt

from busbrain.protocol import jt808 as j
from busbrain.sim.responder import BlindAreaStore, TerminalState, respond

BEIJING = dt.timezone(dt.timedelta(hours=8))
PHONE = "013900000101"


def fix(second: int, lat: float = 41.1) -> j.Location:
    t = dt.datetime(2026, 11, 29, 8, 0, second, tzinfo=BEIJING)
    return j.Location(0, 0b11, lat, 121.1, 20, 30.0, 90, t, (j.Mileage(100.0),))


def received(message: j.Message, serial: int = 7) -> j.MessageReceived:
    return j.MessageReceived(j.Header(message.msg_id, PHONE, serial), message)


def test_text_and_tracking_are_acknowledged() -> None:
    state = TerminalState()
    assert respond(received(j.TextMessage(0x0C, "前方拥堵")), state) == (
        j.TerminalGeneralResponse(7, 0x8300, 0),
    )
    assert respond(received(j.TemporaryTracking(5, 600), 8), state) == (
        j.TerminalGeneralResponse(8, 0x8202, 0),
    )


def test_location_query_gets_the_last_position_sent() -> None:
    state = TerminalState()
    query = received(j.LocationQuery(), 9)
    assert respond(query, state) == (j.TerminalGeneralResponse(9, 0x8201, 1),)
    state.remember_sent(fix(1))
    assert respond(query, state) == (j.LocationQueryResponse(9, fix(1)),)
    state.remember_sent(j.BatchLocation(1, (fix(2), fix(3))))
    assert respond(query, state) == (j.LocationQueryResponse(9, fix(3)),)
    state.remember_sent(j.Heartbeat())
    assert respond(query, state) == (j.LocationQueryResponse(9, fix(3)),)


def test_location_query_decodes_remembered_frames_lazily() -> None:
    for version in (j.ProtocolVersion.V2013, j.ProtocolVersion.V2019):
        session = j.Jt808Session(phone=PHONE, version=version)
        state = TerminalState()
        state.remember_frames(session.send(fix(4, lat=41.2)))
        state.remember_frames(session.send(j.Heartbeat()))  # not a position: ignored
        (reply,) = respond(received(j.LocationQuery()), state)
        assert reply == j.LocationQueryResponse(7, fix(4, lat=41.2))
        state.remember_frames(session.send(j.BatchLocation(0, (fix(5), fix(6)))))
        assert state.last_location() == fix(6)


def test_parameters_are_stored_and_reported() -> None:
    state = TerminalState()
    new = j.Parameter.of(j.ParamId.DEFAULT_REPORT_INTERVAL_S, 5)
    assert respond(received(j.SetParameters((new,)), 3), state) == (
        j.TerminalGeneralResponse(3, 0x8103, 0),
    )
    (reply,) = respond(received(j.QueryParameters(), 4), state)
    assert isinstance(reply, j.ParametersResponse) and reply.ack_serial == 4
    params = {p.param_id: p.typed() for p in reply.params}
    assert params[j.ParamId.DEFAULT_REPORT_INTERVAL_S] == 5
    assert params[j.ParamId.HEARTBEAT_INTERVAL_S] == 60
    assert [p.param_id for p in reply.params] == sorted(params)


def test_unsupported_requests_and_platform_answers() -> None:
    state = TerminalState()
    assert respond(received(j.RawMessage(0x8105, b"\x01")), state) == (
        j.TerminalGeneralResponse(7, 0x8105, 3),
    )
    assert respond(received(j.PlatformGeneralResponse(1, 0x0200, 0)), state) == ()
    assert respond(received(j.RegisterResponse(0, 0, "code")), state) == ()
    assert respond(received(j.Heartbeat()), state) == ()


def test_blind_area_store_batches_and_bounds() -> None:
    store = BlindAreaStore(capacity=30)
    assert not store.add(j.Heartbeat())
    for second in range(25):
        assert store.add(fix(second))
    assert store.add(j.BatchLocation(0, tuple(fix(s) for s in range(25, 35))))
    assert (len(store), store.dropped) == (30, 5)
    batch = store.peek_batch()
    assert batch is not None and batch.is_blind_area and len(batch.locations) == 20
    assert batch.locations[0] == fix(5)
    assert store.peek_batch() == batch  # peeking does not remove
    store.commit(batch)
    rest = store.peek_batch()
    assert rest is not None and rest.locations == tuple(fix(s) for s in range(25, 35))
    store.commit(rest)
    assert store.peek_batch() is None and len(store) == 0
