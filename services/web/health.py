"""GET /healthz: a plain API route (a NiceGUI page would build a client per probe)."""
from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.core import db

router = APIRouter()


@router.get('/healthz', include_in_schema=False)
def healthz() -> JSONResponse:
    if db.is_reachable():
        return JSONResponse({'status': 'ok', 'database': 'ok'})
    return JSONResponse({'status': 'error', 'database': 'unreachable'}, status_code=503)
