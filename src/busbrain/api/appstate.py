"""What a console route needs from app.state, or 503 when the server was started
without it (each module says in its own words what is off)."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request


def state_or_503(request: Request, name: str, off: str) -> Any:
    """`app.state.<name>`, or HTTP 503 with the message `off` when it is None or unset."""
    value = getattr(request.app.state, name, None)
    if value is None:
        raise HTTPException(503, off)
    return value
