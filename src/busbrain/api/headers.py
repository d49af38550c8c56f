"""Headers on every response: the page may load nothing from outside this server, except
the tiles of a base map the operator configured."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(img_origins: Sequence[str] = ()) -> str:
    """The policy: 'self' only (no CDNs or web fonts), data: images for Leaflet's inline
    icons, plus `img_origins` (a base map's tile servers, "https://host") for images. No
    inline scripts or style attributes either: Leaflet and our JS style through the DOM."""
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            " ".join(("img-src 'self' data:", *img_origins)),
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        )
    )


CONTENT_SECURITY_POLICY = content_security_policy()
"""The policy without a base map."""


class SecurityHeadersMiddleware:
    """Adds the CSP and a few hardening headers to every HTTP response.

    `img_origins` are the origins images may also come from (a base map's tile servers).
    """

    def __init__(self, app: ASGIApp, img_origins: Sequence[str] = ()) -> None:
        self.app = app
        self.policy = content_security_policy(img_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", self.policy)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
            await send(message)

        await self.app(scope, receive, send_with_headers)
