"""GET /healthz (alive: the process answers and reaches its database) and GET /readyz (send it work: also started
and not shutting down). Plain API routes: a NiceGUI page would build a client per probe. While migrations run the
process does not listen yet, so both fail."""
from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services import lifecycle
from services.core import db

router = APIRouter()


@router.get('/healthz', include_in_schema=False)
def healthz() -> JSONResponse:
    if db.is_reachable():
        return JSONResponse({'status': 'ok', 'database': 'ok'})
    return JSONResponse({'status': 'error', 'database': 'unreachable'}, status_code=503)


@router.get('/readyz', include_in_schema=False)
def readyz() -> JSONResponse:
    if not lifecycle.is_ready():
        return JSONResponse({'status': 'not ready', 'database': 'not checked'}, status_code=503)
    return healthz()
