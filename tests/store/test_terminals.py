"""Terminal registry and command outbox, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from busbrain.domain.terminals import (
    CommandKind,
    CommandStatus,
    RegisterResult,
    TerminalRecord,
    normalise_phone,
)
from busbrain.store.ports import TerminalInfo
from busbrain.wiring import Store, open_store

NOW = dt.datetime(2026, 11, 29, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def test_phone_numbers_are_normalised() -> None:
    assert (
        normalise_phone("013912345678") == normalise_phone("00000000013912345678") == "13912345678"
    )
    with pytest.raises(ValueError):
        normalise_phone("13a")


def test_unknown_terminal_is_refused_unless_registration_is_open(store: Store) -> None:
    reg = store.terminals
    info = TerminalInfo(plate="辽G12345", plate_colour=1, maker="M", model="X", terminal_id="T1")
    assert reg.register("13900000001", info, auth_code="a1", now=NOW, open_registration=False) is (
        RegisterResult.TERMINAL_NOT_IN_DATABASE
    )
    assert reg.find_terminal("13900000001") is None
    assert (
        reg.register("13900000001", info, auth_code="a1", now=NOW, open_registration=True)
        is RegisterResult.OK
    )
    rec = reg.find_terminal("13900000001")
    assert rec is not None and rec.plate == "辽G12345" and rec.registered_at == NOW


def test_reregistration_rotates_the_auth_code_and_unregister_forgets_it(store: Store) -> None:
    reg = store.terminals
    reg.upsert_terminals(
        [TerminalRecord("13900000002", "辽G00002", 1, "2002", "北站场", None, None)]
    )
    info = TerminalInfo()
    assert (
        reg.register("13900000002", info, auth_code="old", now=NOW, open_registration=False)
        is RegisterResult.OK
    )
    assert reg.authenticate("13900000002", "old")
    reg.register("13900000002", info, auth_code="new", now=NOW, open_registration=False)
    assert not reg.authenticate("13900000002", "old") and reg.authenticate("13900000002", "new")
    rec = reg.find_terminal("13900000002")
    assert rec is not None and rec.vehicle_id == "2002" and rec.depot == "北站场"
    reg.unregister("13900000002")
    assert not reg.authenticate("13900000002", "new")
    assert not reg.authenticate("nobody", "x")


def test_outbox_lifecycle(store: Store) -> None:
    box = store.outbox
    a = box.enqueue("139", CommandKind.TEXT, {"text": "请注意安全"}, NOW)
    b = box.enqueue("138", CommandKind.LOCATION_QUERY, {}, NOW)
    assert [c.command_id for c in box.pending()] == [a, b]
    assert [c.command_id for c in box.pending({"138"})] == [b]
    assert box.pending(set()) == []
    box.mark_sent(a, serial=77, now=NOW)
    box.finish(a, CommandStatus.ACKED, NOW + dt.timedelta(seconds=2))
    got = box.get(a)
    assert got is not None and got.status is CommandStatus.ACKED and got.serial == 77
    assert got.payload == {"text": "请注意安全"} and got.done_at == NOW + dt.timedelta(seconds=2)
    assert [c.command_id for c in box.pending()] == [b]
    assert box.get(9999) is None


def test_a_quick_answer_is_not_overwritten_by_the_late_send_record(store: Store) -> None:
    box = store.outbox
    cid = box.enqueue("139", CommandKind.LOCATION_QUERY, {}, NOW)
    box.finish(cid, CommandStatus.ACKED, NOW)
    box.mark_sent(cid, serial=5, now=NOW)
    got = box.get(cid)
    assert got is not None and got.status is CommandStatus.ACKED and got.serial == 5


def test_phones_of_vehicles_and_recent_commands_of_a_kind(store: Store) -> None:
    store.terminals.upsert_terminals(
        [
            TerminalRecord("13900000031", "辽G1", 1, "V1", None, None, None),
            TerminalRecord("13900000032", "辽G2", 1, "V2", None, None, None),
            TerminalRecord("13900000033", None, None, None, None, None, None),
        ]
    )
    assert store.terminals.phones_of({"V1", "V2", "V9"}) == {
        "V1": "13900000031",
        "V2": "13900000032",
    }
    assert store.terminals.phones_of(set()) == {}
    box = store.outbox
    first = box.enqueue("13900000031", CommandKind.TEXT, {"text": "一"}, NOW)
    box.enqueue("13900000031", CommandKind.LOCATION_QUERY, {}, NOW)
    second = box.enqueue("13900000032", CommandKind.TEXT, {"text": "二"}, NOW)
    box.finish(first, CommandStatus.ACKED, NOW)
    texts = box.recent(CommandKind.TEXT)
    assert [c.command_id for c in texts] == [second, first]
    assert texts[1].status is CommandStatus.ACKED
    assert [c.command_id for c in box.recent(CommandKind.TEXT, limit=1)] == [second]


def test_commands_and_their_audit_entry_are_written_together(store: Store) -> None:
    from busbrain.access.records import AuditAction, AuditEntry
    from busbrain.domain.errors import BadInputError

    box = store.outbox
    commands = [
        ("139", CommandKind.TEXT, {"text": "前方拥堵"}),
        ("138", CommandKind.TEXT, {"text": "前方拥堵"}),
    ]

    def audit(ids: list[int]) -> AuditEntry:
        return AuditEntry(NOW, "wang", AuditAction.MESSAGE_SENT, "1", {"command_ids": ids})

    ids = box.enqueue_audited(commands, NOW, audit)
    assert [c.command_id for c in box.pending()] == ids
    (entry,) = store.users.audit_log()
    assert entry.detail["command_ids"] == ids and entry.username == "wang"

    def bad_audit(ids: list[int]) -> AuditEntry:  # a naive time: the log refuses it
        return AuditEntry(NOW.replace(tzinfo=None), "wang", AuditAction.MESSAGE_SENT, "1", {})

    with pytest.raises(BadInputError):
        box.enqueue_audited(commands, NOW, bad_audit)
    assert [c.command_id for c in box.pending()] == ids  # nothing queued unrecorded
    assert len(store.users.audit_log()) == 1
