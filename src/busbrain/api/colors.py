"""Route colours as the map draws them: GTFS `route_color` normalised to "#RRGGBB"."""

from __future__ import annotations

import re
import zlib

from busbrain.domain.network import Route

# Distinct, saturated colours that stay legible as thin lines on a light background.
PALETTE: tuple[str, ...] = (
    "#1F6FB5",
    "#D1343E",
    "#2E9E4F",
    "#E8761A",
    "#7B4FA8",
    "#0F9AA8",
    "#C2407F",
    "#8A6A1F",
    "#3949AB",
    "#5E8C1A",
    "#B5472A",
    "#00796B",
)

_HEX6 = re.compile(r"^#?([0-9A-Fa-f]{6})$")


def normalize_hex(value: str | None) -> str | None:
    """Normalise "1f6fb5" or "#1F6FB5" to "#1F6FB5"; blank or malformed gives None."""
    if value is None:
        return None
    match = _HEX6.match(value.strip())
    return f"#{match.group(1).upper()}" if match else None


def palette_color(key: str) -> str:
    """A palette colour chosen by a stable hash of `key`, the same in every process."""
    return PALETTE[zlib.crc32(key.encode("utf-8")) % len(PALETTE)]


def route_color(route: Route) -> str:
    """The route's own colour, or a palette colour when it has none."""
    return normalize_hex(route.color) or palette_color(route.route_id)


def route_text_color(route: Route) -> str:
    """The route's text colour, or black/white, whichever reads better on its colour."""
    own = normalize_hex(route.text_color)
    if own is not None:
        return own
    return "#000000" if _luminance(route_color(route)) > 0.45 else "#FFFFFF"


def _luminance(hex_color: str) -> float:
    """Relative luminance (WCAG) of "#RRGGBB", 0 for black to 1 for white."""

    def channel(start: int) -> float:
        c = int(hex_color[start : start + 2], 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
