"""服务监管 (service): the console module's API under /api/v1/dispatch (not built yet)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from busbrain.api.auth import no_store

router = APIRouter(prefix="/api/v1/dispatch", tags=["dispatch"], dependencies=[Depends(no_store)])
