"""JSON to bytes: `orjson` when it is installed (much faster on big GeoJSON), else `json`."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Any


def _orjson_dumps() -> Callable[[Any], bytes] | None:
    try:
        module = importlib.import_module("orjson")
    except ImportError:
        return None
    dumps: Callable[[Any], bytes] = module.dumps
    return dumps


_ORJSON_DUMPS = _orjson_dumps()

ENCODER = "orjson" if _ORJSON_DUMPS is not None else "json"


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON (no spaces; non-ASCII such as Chinese kept as is)."""
    if _ORJSON_DUMPS is not None:
        return _ORJSON_DUMPS(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
        "utf-8"
    )
