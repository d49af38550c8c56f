"""The permission table: who may do what in the dispatch console."""

from __future__ import annotations

from pathlib import Path

import pytest

from busbrain.access.roles import (
    ROLE_NAMES_ZH,
    ROLE_PERMISSIONS,
    Module,
    Permission,
    Role,
    may,
    read_permission,
)


def test_every_role_has_a_chinese_name_and_permissions() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role) == set(ROLE_NAMES_ZH)
    assert ROLE_NAMES_ZH[Role.DISPATCHER] == "调度员" and ROLE_NAMES_ZH[Role.SAFETY] == "安全员"


def test_every_module_has_a_read_permission() -> None:
    assert {read_permission(m) for m in Module} <= set(Permission)
    assert read_permission(Module.COMMAND) is Permission.READ_COMMAND


@pytest.mark.parametrize(
    ("role", "permission", "allowed"),
    [
        (Role.DISPATCHER, Permission.SEND_COMMANDS, True),
        (Role.DISPATCHER, Permission.DECIDE_ALARMS, False),
        (Role.DISPATCHER, Permission.MANAGE_USERS, False),
        (Role.DISPATCHER, Permission.READ_AUDIT, False),
        (Role.SAFETY, Permission.DECIDE_ALARMS, True),
        (Role.SAFETY, Permission.SEND_COMMANDS, False),
        (Role.SAFETY, Permission.READ_SAFETY, True),
        (Role.MANAGER, Permission.READ_AUDIT, True),
        (Role.MANAGER, Permission.MANAGE_USERS, False),
        (Role.MANAGER, Permission.SEND_COMMANDS, False),
        (Role.ADMIN, Permission.MANAGE_USERS, True),
        (Role.ADMIN, Permission.READ_AUDIT, True),
        (Role.ADMIN, Permission.SEND_COMMANDS, False),
        (Role.ADMIN, Permission.DECIDE_ALARMS, False),
    ],
)
def test_who_may_do_what(role: Role, permission: Permission, allowed: bool) -> None:
    assert may(role, permission) is allowed


def test_managers_and_admins_read_every_module() -> None:
    for role in (Role.MANAGER, Role.ADMIN):
        assert all(may(role, read_permission(m)) for m in Module)


def test_only_admins_manage_users() -> None:
    assert [r for r in Role if may(r, Permission.MANAGE_USERS)] == [Role.ADMIN]


def test_the_table_in_docs_dispatch_md_is_the_codes() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "dispatch.md").read_text("utf-8")
    roles = [Role.DISPATCHER, Role.SAFETY, Role.MANAGER, Role.ADMIN]  # the columns' order
    documented: dict[Role, set[Permission]] = {r: set() for r in roles}
    rows = [line for line in doc.splitlines() if line.startswith("| `") and ":" in line[:24]]
    for line in rows:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) != 6:
            continue
        permission = Permission(cells[0].strip("`"))
        for role, mark in zip(roles, cells[2:], strict=True):
            if mark == "✓":
                documented[role].add(permission)
    assert {r: frozenset(p) for r, p in documented.items()} == ROLE_PERMISSIONS
