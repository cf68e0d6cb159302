"""Behind a proxy with several app processes: a page's client lives in the process that built it, so its socket must
reach that process. Each process (`ROUTE_NAME`) names itself in a cookie that the proxy routes by (deploy/nginx.conf):
a browser's first request goes to any process, every later one to the same, and to another only when it is gone."""
from __future__ import annotations

from fastapi import Request
from nicegui import app

from services.core.config import get_settings

ROUTE_COOKIE = 'ac_route'


async def name_this_process(request: Request, call_next):
    response = await call_next(request)
    route = get_settings().route_name
    if route and request.cookies.get(ROUTE_COOKIE) != route:
        response.set_cookie(ROUTE_COOKIE, route, path='/', httponly=True, samesite='lax')
    return response


def install() -> None:
    """Only with ROUTE_NAME set: one process alone needs no route."""
    if get_settings().route_name:
        app.middleware('http')(name_this_process)
