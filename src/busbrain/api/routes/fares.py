"""Fare batches from the clearing system (清分系统), pushed over HTTP.

POST the batch file as the body (CSV or Parquet, the format in busbrain.planning.fares),
with `Authorization: Bearer <token>`. The answer is the batch's load report: rows read,
taps added, rows refused by kind with examples. Sending a batch again adds nothing, so a
clearing system may retry freely.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

router = APIRouter(prefix="/api/v1/fares", tags=["fares"])

MAX_BATCH_BYTES = 256 * 1024 * 1024
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


@dataclass(frozen=True, slots=True)
class FareUpload:
    """What the upload endpoint needs: the token the clearing system must send (None
    turns the endpoint off) and the loader (bytes, batch name) -> report as a dict with
    an `error` key set when the whole batch was refused."""

    token: str | None
    load: Callable[[bytes, str], dict[str, Any]]


def _problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


@router.post(
    "/batches",
    summary="Load one fare batch (CSV or Parquet) from the clearing system",
    responses={
        200: {"description": "The batch's load report."},
        401: {"description": "No or wrong bearer token."},
        413: {"description": "The batch is too big."},
        422: {"description": "The whole batch was refused (unreadable, missing columns)."},
        503: {"description": "Uploads are off: no token is configured."},
    },
)
async def upload_batch(
    request: Request,
    name: Annotated[
        str,
        Query(
            description="The batch's name (its file name, e.g. fares_20261201_0700_003.csv); "
            "it becomes the batch id in the load log.",
            min_length=1,
            max_length=128,
        ),
    ],
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    upload: FareUpload | None = request.app.state.fare_upload
    if upload is None or upload.token is None:
        return _problem(503, "fare upload is off: set BUSBRAIN_FARE_UPLOAD_TOKEN on the server")
    sent = (authorization or "").removeprefix("Bearer ").strip()
    if not authorization or not hmac.compare_digest(sent.encode(), upload.token.encode()):
        return JSONResponse(
            {"detail": "a valid bearer token is required"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not _NAME.match(name):
        return _problem(422, "name: letters, digits, '.', '_' and '-' only, 1 to 128 of them")
    size = int(request.headers.get("content-length") or 0)
    if size > MAX_BATCH_BYTES:
        return _problem(413, f"a batch may be at most {MAX_BATCH_BYTES // 2**20} MiB")
    data = await request.body()
    if len(data) > MAX_BATCH_BYTES:
        return _problem(413, f"a batch may be at most {MAX_BATCH_BYTES // 2**20} MiB")
    if not data:
        return _problem(422, "the body is empty: send the batch file as the request body")
    report = await run_in_threadpool(upload.load, data, name)
    return JSONResponse(report, status_code=422 if report.get("error") else 200)
