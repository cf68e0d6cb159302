"""The browser's sign-in session. Its token lives in an HttpOnly cookie, so that whichever app process a request
reaches knows who signed in (NiceGUI's user storage is a file per process). Flash messages, and a token a page hands
over, stay in NiceGUI's per-browser storage: a page and the requests that follow it reach one process (the proxy
keeps a browser on one process, see deploy/)."""
from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response
from nicegui import app, context

from services.core.config import get_settings
from services.core.models import User
from services.team import auth

SESSION_COOKIE = 'ac_session'
HANDED_OVER_KEY = 'handed_over_token'
PAGE_TOKEN_KEY = 'token'
FLASH_KEY = 'flash'
FLASH_PARAMS_KEY = 'flash_params'
FLASH_KIND_KEY = 'flash_kind'


def start_session(request: Request, response: Response, user: User, token: str) -> None:
    """Sign this browser in with `token` (a sign-in or setup form's answer)."""
    app.storage.user['language'] = user.language
    keep_token(request, response, token)


def keep_token(request: Request, response: Response, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=int(auth.TOKEN_LIFETIME.total_seconds()), path='/',
                        httponly=True, samesite='lax', secure=request.url.scheme == 'https')


def drop_token(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path='/')


def check_request_session(request: Request) -> auth.SessionInfo:
    """The signed-in user of this HTTP request (the access gate asks for every page). A token a page of this browser
    handed over (renewed while it stayed open, or new after a password change) wins over the cookie; the caller
    puts `renewed_token` in the answer's cookie, and the page served keeps it (`request.state`). Raises
    SessionInvalid."""
    handed_over = app.storage.user.pop(HANDED_OVER_KEY, None)
    if handed_over:
        try:
            info = auth.check_session(handed_over, get_settings().secret_key)
            return auth.SessionInfo(user=info.user, renewed_token=info.renewed_token or handed_over)
        except auth.SessionInvalid:
            pass
    return auth.check_session(request.cookies.get(SESSION_COOKIE), get_settings().secret_key)


def check_current_session() -> auth.SessionInfo:
    """The signed-in user of the page whose event is being handled (its token: the one it was served with, or one
    renewed since). A renewed token is handed over to the next request of this browser. Raises SessionInvalid."""
    request = context.client.request
    token = app.storage.client.get(PAGE_TOKEN_KEY) or getattr(request.state, 'renewed_token', None) \
        or request.cookies.get(SESSION_COOKIE)
    info = auth.check_session(token, get_settings().secret_key)
    if info.renewed_token:
        hand_over(info.renewed_token)
    return info


def hand_over(token: str) -> None:
    """From a page: `token` is this browser's session from now on (the page's next checks, and the cookie of the
    browser's next request)."""
    app.storage.client[PAGE_TOKEN_KEY] = token
    app.storage.user[HANDED_OVER_KEY] = token


def end_session(message: str | None = None, **params: object) -> None:
    """Leave `message` (a msgid with its parameters) for the sign-in page; the token is forgotten by the answer that
    goes with it (`drop_token`), or was no longer valid."""
    app.storage.user.pop(HANDED_OVER_KEY, None)
    if message:
        flash(message, **params)


def sign_out_check(user: User) -> str:
    """What the sign-out link carries, so that another site cannot sign this browser out: only this app can make it,
    and it holds until the user's sessions end anyway."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, f'sign-out:{user.id}:{user.session_version}'.encode(), hashlib.sha256).hexdigest()[:32]


def flash(message: str, *, kind: str = 'warning', **params: object) -> None:
    """Leave `message` (a msgid, with its parameters) for the next page this browser opens; `kind` as ui.notify's."""
    app.storage.user.update({FLASH_KEY: message, FLASH_PARAMS_KEY: params, FLASH_KIND_KEY: kind})


def pop_flash() -> tuple[str, dict, str] | None:
    """The message left for the next page (msgid, parameters, kind), once."""
    message = app.storage.user.pop(FLASH_KEY, None)
    params = app.storage.user.pop(FLASH_PARAMS_KEY, None) or {}
    kind = app.storage.user.pop(FLASH_KIND_KEY, None) or 'warning'
    return (message, params, kind) if message else None


def login_url(next_path: str) -> str:
    """The sign-in page, remembering `next_path` when it is worth coming back to."""
    return '/login' if safe_next(next_path) == '/' else f'/login?next={quote(next_path)}'


def safe_next(next_path: str | None) -> str:
    """A local path to go to after sign-in; anything that could leave the site becomes '/'."""
    if not next_path or not next_path.startswith('/') or next_path.startswith('//') or '\\' in next_path:
        return '/'
    if next_path.startswith(('/login', '/setup', '/_nicegui')):
        return '/'
    return next_path
