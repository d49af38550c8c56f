"""The audit log, for admins and managers: GET /api/v1/dispatch/audit, newest first.

Page back with `before`: pass the `next_before` of the previous page (the oldest entry's
id); it is null on the last page.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from busbrain.access.roles import Permission
from busbrain.api.auth import Caller, get_access, no_store, require

router = APIRouter(prefix="/api/v1/dispatch", tags=["dispatch"], dependencies=[Depends(no_store)])


class AuditEntryOut(BaseModel):
    audit_id: int
    at_utc: dt.datetime
    username: str
    """Who: a user, "cli" for the busbrain command, or the name tried at a failed login."""
    action: str
    target: str | None
    detail: dict[str, Any]
    client: str | None
    """The HTTP client's address."""


class AuditPageOut(BaseModel):
    entries: list[AuditEntryOut]
    next_before: int | None
    """Pass as `before` for the next (older) page; null when there is none."""


@router.get("/audit")
def audit_log(
    _: Annotated[Caller, Depends(require(Permission.READ_AUDIT))],
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[int | None, Query(ge=1, description="Entries older than this id.")] = None,
) -> AuditPageOut:
    """The newest `limit` entries (older than `before`, if given), newest first."""
    found = get_access(request).users.audit_log(limit=limit + 1, before=before)
    page = found[:limit]
    entries = [
        AuditEntryOut(
            audit_id=e.audit_id or 0,
            at_utc=e.at_utc,
            username=e.username,
            action=e.action,
            target=e.target,
            detail=e.detail,
            client=e.client,
        )
        for e in page
    ]
    more = len(found) > limit and entries
    return AuditPageOut(entries=entries, next_before=entries[-1].audit_id if more else None)
