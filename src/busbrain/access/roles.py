"""The console's roles and what each may do.

One table, `ROLE_PERMISSIONS`, answers "may this role do that?" for the API (403 when
not), the console (which modules to show) and the docs (docs/dispatch.md prints it).
Roles follow how a Chinese bus company's control room is staffed: 调度员 run the service,
安全员 handle the safety alarms, 经理 read everything and check the audit log, 管理员
manage the accounts (and may read everything, but run nothing: commands and alarm
decisions stay with the people on duty).
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    DISPATCHER = "dispatcher"  # 调度员
    SAFETY = "safety"  # 安全员
    MANAGER = "manager"  # 经理
    ADMIN = "admin"  # 管理员


class Module(StrEnum):
    """The console's six modules, in the order the console shows them."""

    COMMAND = "command"  # 调度指挥
    OPERATIONS = "operations"  # 运营监管
    SAFETY = "safety"  # 安全监管
    EQUIPMENT = "equipment"  # 设备监管
    SERVICE = "service"  # 服务监管
    ANALYSIS = "analysis"  # 数据分析


class Permission(StrEnum):
    """Something a role may do: read one module, or act."""

    READ_COMMAND = "read:command"
    READ_OPERATIONS = "read:operations"
    READ_SAFETY = "read:safety"
    READ_EQUIPMENT = "read:equipment"
    READ_SERVICE = "read:service"
    READ_ANALYSIS = "read:analysis"
    SEND_COMMANDS = "send:commands"  # messages and instructions to buses, trip changes
    DECIDE_ALARMS = "decide:alarms"  # acknowledge, assign, resolve
    MANAGE_USERS = "manage:users"
    READ_AUDIT = "read:audit"


def read_permission(module: Module) -> Permission:
    """The permission to read `module`."""
    return Permission(f"read:{module.value}")


_ALL_MODULES = frozenset(read_permission(m) for m in Module)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.DISPATCHER: frozenset(
        {
            Permission.READ_COMMAND,
            Permission.READ_OPERATIONS,
            Permission.READ_SAFETY,
            Permission.READ_EQUIPMENT,
            Permission.READ_SERVICE,
            Permission.SEND_COMMANDS,
        }
    ),
    Role.SAFETY: frozenset(
        {
            Permission.READ_COMMAND,
            Permission.READ_SAFETY,
            Permission.READ_EQUIPMENT,
            Permission.DECIDE_ALARMS,
        }
    ),
    Role.MANAGER: _ALL_MODULES | {Permission.READ_AUDIT},
    Role.ADMIN: _ALL_MODULES | {Permission.MANAGE_USERS, Permission.READ_AUDIT},
}

ROLE_NAMES_ZH: dict[Role, str] = {
    Role.DISPATCHER: "调度员",
    Role.SAFETY: "安全员",
    Role.MANAGER: "经理",
    Role.ADMIN: "管理员",
}


def permissions_of(role: Role) -> frozenset[Permission]:
    return ROLE_PERMISSIONS[role]


def may(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
