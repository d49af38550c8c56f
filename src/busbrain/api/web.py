"""The web pages: `/` (the rider app), `/map` (the network map), `/dispatch` (the dispatch
console), `/static/` (our js/css) and `/vendor/leaflet/` (npm).

Leaflet comes from `node_modules/` (installed by `npm ci` in the web folder, never
committed). When it is missing the page still loads and says so; the vendor files answer
404 with the same message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

log = logging.getLogger(__name__)

DEFAULT_WEB_DIR = Path(__file__).resolve().parent.parent / "web"

VENDOR_MISSING = (
    "前端依赖包未安装：请在 src/busbrain/web 目录运行 npm ci，然后刷新页面。\n"
    "Front-end packages are not installed: run `npm ci` in src/busbrain/web, then reload.\n"
)


def leaflet_dir(web_dir: Path) -> Path:
    return web_dir / "node_modules" / "leaflet" / "dist"


class VendorFiles(StaticFiles):
    """Static files from a folder that may not exist yet: checked on every request."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.directory is None or not Path(self.directory).is_dir():
            response = PlainTextResponse(VENDOR_MISSING, status_code=404)
            await response(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def mount_web(app: FastAPI, web_dir: Path) -> None:
    vendor = leaflet_dir(web_dir)
    if not vendor.is_dir():
        log.warning("%s (looked in %s)", VENDOR_MISSING.replace("\n", " ").strip(), vendor)

    app.mount("/static", StaticFiles(directory=web_dir / "static"), name="static")
    app.mount("/vendor/leaflet", VendorFiles(directory=vendor, check_dir=False), name="leaflet")

    for path, page in PAGES.items():
        app.add_api_route(path, _page(web_dir / page), include_in_schema=False)


PAGES = {"/": "index.html", "/map": "map.html", "/dispatch": "dispatch.html"}
"""The HTML pages: the rider app, the network map, the dispatch console."""


def _page(html: Path) -> Callable[[], FileResponse]:
    def page() -> FileResponse:
        return FileResponse(html, media_type="text/html", headers={"Cache-Control": "no-cache"})

    return page
