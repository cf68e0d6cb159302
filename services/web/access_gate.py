"""The gate in front of every page: setup until an admin exists, then sign-in before anything else.

It runs before NiceGUI builds a page client, so a refused request costs a redirect, not a client.
"""
from __future__ import annotations

import re

from fastapi import Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse
from nicegui import app

from services.core import i18n
from services.core.config import get_settings
from services.core.i18n import N_
from services.team import permissions, users
from services.team.auth import SessionInvalid
from services.web.api_errors import language
from services.web.browser_session import check_request_session, drop_token, end_session, flash, keep_token, login_url

# The API authenticates each request with a bearer token of its own.
OPEN_PREFIXES = ('/_nicegui', '/fonts/', '/healthz', '/readyz', '/favicon', '/media/signed/', '/api/', '/docs',
                 '/openapi.json')
UPLOAD_PATH = re.compile(r'^(/_nicegui/client/[^/]+/upload/[^/]+|/api/v1/media)$')
MULTIPART_OVERHEAD = 64 * 1024
SETUP_PATH = '/setup'
UPLOAD_TOO_LARGE = N_('The upload is larger than %(limit)s MB. Upload a smaller or shorter file.')
LOGIN_PATH = '/login'
SETTINGS_PATH = '/settings'
PAGE_PERMISSIONS = {
    '/compose': permissions.Action.DRAFT_POSTS,
    '/review': permissions.Action.REVIEW_POSTS,
    '/channel-groups': permissions.Action.WRITE_POSTS,
    '/channels': permissions.Action.MANAGE_ACCOUNTS,
    '/users': permissions.Action.MANAGE_USERS,
    '/audit': permissions.Action.READ_AUDIT,
    '/webhooks': permissions.Action.MANAGE_WEBHOOKS,
}


async def access_gate(request: Request, call_next):
    path = request.url.path
    if UPLOAD_PATH.match(path) and _declared_too_large(request):
        # Refused before the body is read; the upload handler checks the real size again while storing.
        if path.startswith('/api/'):
            text = i18n.translate(language(request), UPLOAD_TOO_LARGE, limit=get_settings().max_upload_mb)
            return JSONResponse({'error': {'code': 'too_large', 'message': text}}, status_code=413)
        return PlainTextResponse('upload too large', status_code=413)
    if path.startswith(OPEN_PREFIXES):
        return await call_next(request)
    if not users.has_users():  # the setup page itself asks for the code the app printed at start
        return await call_next(request) if path == SETUP_PATH else RedirectResponse(SETUP_PATH)
    if path == SETUP_PATH:
        return RedirectResponse(LOGIN_PATH, status_code=303)  # also for a form sent after the admin was created
    try:
        session = check_request_session(request)
    except SessionInvalid as refusal:
        if path == LOGIN_PATH:
            return await call_next(request)
        next_path = path + (f'?{request.url.query}' if request.url.query else '')
        end_session(refusal.message, **refusal.params)
        answer = RedirectResponse(login_url(next_path))
        drop_token(answer)
        return answer
    request.state.renewed_token = session.renewed_token
    answer = await _let_through(request, call_next, session.user)
    if session.renewed_token:
        keep_token(request, answer, session.renewed_token)
    return answer


async def _let_through(request: Request, call_next, user):
    """A signed-in user's request: to the page, or away from a page they may not open (yet)."""
    request.state.user = user
    path = request.url.path
    if path == LOGIN_PATH:
        return RedirectResponse('/')
    if user.must_change_password and path != SETTINGS_PATH:
        return RedirectResponse(SETTINGS_PATH)
    needed = PAGE_PERMISSIONS.get(path)
    if needed is not None and not permissions.can(user, needed):
        try:
            permissions.require(user, needed, ip=request.client.host if request.client else '')
        except permissions.Forbidden as refusal:
            flash(refusal.message, **refusal.params)
        return RedirectResponse('/')
    return await call_next(request)


def _declared_too_large(request: Request) -> bool:
    try:
        declared = int(request.headers.get('content-length', '0'))
    except ValueError:
        return True
    return declared > get_settings().max_upload_mb * 1024 * 1024 + MULTIPART_OVERHEAD


def install() -> None:
    app.middleware('http')(access_gate)
