"""Sending a pre-encoded body: gzip when the client takes it, 304 when it has it already."""

from __future__ import annotations

from fastapi import Request, Response

from busbrain.api.cache import EncodedBody

GEOJSON_MEDIA_TYPE = "application/geo+json"


def encoded_response(body: EncodedBody, request: Request, media_type: str) -> Response:
    headers = {"ETag": body.etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if _matches(request.headers.get("if-none-match"), body.etag):
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", "").lower():
        headers["Content-Encoding"] = "gzip"
        return Response(body.gzipped(), media_type=media_type, headers=headers)
    return Response(body.raw, media_type=media_type, headers=headers)


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    wanted = _opaque(etag)
    return any(
        tag.strip() == "*" or _opaque(tag.strip()) == wanted for tag in if_none_match.split(",")
    )


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag
