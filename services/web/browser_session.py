"""The browser's sign-in session, kept in NiceGUI's per-browser storage: the token, flash messages, where to go next."""
from __future__ import annotations

from urllib.parse import quote

from nicegui import app

from services.core.config import get_settings
from services.core.models import User
from services.team import auth

TOKEN_KEY = 'token'
FLASH_KEY = 'flash'
FLASH_PARAMS_KEY = 'flash_params'
FLASH_KIND_KEY = 'flash_kind'


def start_session(user: User, token: str) -> None:
    app.storage.user.update({TOKEN_KEY: token, 'language': user.language})


def end_session(message: str | None = None, **params: object) -> None:
    """Forget the token; `message` (a msgid with its parameters) is left for the sign-in page."""
    app.storage.user.pop(TOKEN_KEY, None)
    if message:
        app.storage.user.update({FLASH_KEY: message, FLASH_PARAMS_KEY: params, FLASH_KIND_KEY: 'warning'})


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


def check_current_session() -> auth.SessionInfo:
    """The signed-in user of this browser, renewing the stored token when it is due. Raises SessionInvalid."""
    info = auth.check_session(app.storage.user.get(TOKEN_KEY), get_settings().secret_key)
    if info.renewed_token:
        app.storage.user[TOKEN_KEY] = info.renewed_token
    return info
