"""The gate in front of every page: setup until an admin exists, then sign-in before anything else.

It runs before NiceGUI builds a page client, so a refused request costs a redirect, not a client.
"""
from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app

from components.session import check_current_session, end_session, login_url
from services import users
from services.auth import SessionInvalid

OPEN_PREFIXES = ('/_nicegui', '/fonts/', '/healthz', '/favicon')
SETUP_PATH = '/setup'
LOGIN_PATH = '/login'


async def access_gate(request: Request, call_next):
    path = request.url.path
    if path.startswith(OPEN_PREFIXES):
        return await call_next(request)
    if not users.has_users():
        return await call_next(request) if path == SETUP_PATH else RedirectResponse(SETUP_PATH)
    if path == SETUP_PATH:
        return RedirectResponse(LOGIN_PATH)
    try:
        request.state.user = check_current_session().user
    except SessionInvalid as refusal:
        if path == LOGIN_PATH:
            return await call_next(request)
        next_path = path + (f'?{request.url.query}' if request.url.query else '')
        end_session(refusal.message)
        return RedirectResponse(login_url(next_path))
    if path == LOGIN_PATH:
        return RedirectResponse('/')
    return await call_next(request)


def install() -> None:
    app.middleware('http')(access_gate)
