"""The console's `date` parameters: a service day as the dispatcher types it."""

from __future__ import annotations

import datetime as dt

from fastapi import HTTPException


def parse_day(text: str | None, today: dt.date) -> dt.date:
    """`date` as given (YYYY-MM-DD or YYYYMMDD), `today` when absent; 422 naming it."""
    if text is None or not text.strip():
        return today
    t = text.strip()
    try:
        if len(t) == 8 and t.isdigit():
            return dt.date(int(t[:4]), int(t[4:6]), int(t[6:]))
        return dt.date.fromisoformat(t)
    except ValueError:
        raise HTTPException(
            422, f"date must be a service day as YYYY-MM-DD, not {text!r}"
        ) from None
