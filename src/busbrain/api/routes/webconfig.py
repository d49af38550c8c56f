"""What the map page needs to know about this server: GET /api/v1/web/config.

Today that is the optional base map. Without one the page draws the network on a plain
background and loads nothing from elsewhere (the default, and what works offline). With
one, the page adds a tile layer from `TileConfig.url`; when the tiles are drawn in GCJ-02
(Chinese web maps such as AMap), the page shifts every WGS-84 position it draws onto
them, and shifts positions read back from the map (the view in the address bar) back to
WGS-84.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Request

router = APIRouter(prefix="/api/v1/web", tags=["web"])

TileCrs = Literal["wgs84", "gcj02"]


@dataclass(frozen=True)
class TileConfig:
    """A base map of raster tiles, as Leaflet's tile layer takes it.

    `url` is an http(s) URL template with {z}, {x}, {y} and optionally {s} (one of
    `subdomains`), or a path on this server ("/tiles/{z}/{x}/{y}.png", e.g. behind the same
    reverse proxy). `crs` is the system the tiles are drawn in. `attribution` is shown on
    the map as plain text. `subdomains` fill {s}: a comma-separated list, or (without a
    comma) each character one subdomain, as Leaflet takes a string ("1234" → 1, 2, 3, 4).
    Raises ValueError when the URL is not such a template.
    """

    url: str
    crs: TileCrs = "wgs84"
    attribution: str = ""
    subdomains: str = "1234"

    def __post_init__(self) -> None:
        if self.crs not in ("wgs84", "gcj02"):
            raise ValueError(f"tile crs must be 'wgs84' or 'gcj02', not {self.crs!r}")
        if "{s}" in self.url and not self.subdomain_list():
            raise ValueError(f"tile URL {self.url!r} has {{s}} but no subdomains are given")
        self.origins()  # checks the URL

    def subdomain_list(self) -> list[str]:
        text = self.subdomains.strip()
        if "," in text:
            return [part.strip() for part in text.split(",") if part.strip()]
        return list(text)

    def origins(self) -> tuple[str, ...]:
        """The origins ("https://host[:port]") tiles come from, for the page's content
        security policy; none when the tiles are on this server."""
        if self.url.startswith("/") and not self.url.startswith("//"):
            return ()
        hosts = [self.url.replace("{s}", s) for s in self.subdomain_list()]
        found: list[str] = []
        for url in hosts if "{s}" in self.url else [self.url]:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(
                    f"tile URL {self.url!r} must be an http(s) URL or a path on this server"
                )
            if any(c in parts.netloc for c in "{}*@ "):
                raise ValueError(f"tile URL {self.url!r}: its host may only use {{s}}")
            origin = f"{parts.scheme}://{parts.netloc.lower()}"
            if origin not in found:
                found.append(origin)
        return tuple(found)

    def as_json(self) -> dict[str, object]:
        return {
            "url": self.url,
            "crs": self.crs,
            "attribution": self.attribution,
            "subdomains": self.subdomain_list(),
        }


@router.get("/config")
def web_config(request: Request) -> dict[str, object]:
    """The page's settings: `tiles` (the base map: url template, crs "wgs84" or "gcj02",
    attribution, subdomains) or null when the map has no base map."""
    tiles: TileConfig | None = request.app.state.tiles
    return {"tiles": None if tiles is None else tiles.as_json()}
