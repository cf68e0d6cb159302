"""Sign in, and come back to the page first asked for.

A plain HTML form, not a NiceGUI page: it is where every anonymous visitor lands, and a NiceGUI page builds a
client object per GET, so a flood of anonymous requests would cost memory (see bench/anonymous_flood.py).
"""
from __future__ import annotations

import hashlib
import hmac
import uuid
from html import escape
from pathlib import Path
from string import Template
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from nicegui import app
from starlette.concurrency import run_in_threadpool

from components.theme import font_faces_css
from services.core import i18n
from services.core.config import get_settings
from services.core.i18n import N_
from services.team import auth
from services.team.auth import AuthError
from services.web.browser_session import pop_flash, safe_next, start_session

router = APIRouter()

TEMPLATE = Template((Path(__file__).parent / 'login.html').read_text(encoding='utf-8'))
INFO_MESSAGES = {N_('You have signed out.'), N_('Please sign in to continue.')}
FORM_EXPIRED = N_('The sign-in form had expired. Please sign in again.')


@router.get('/login', response_class=HTMLResponse)
def login_form(request: Request, next: str = '/', lang: str = '') -> HTMLResponse:  # noqa: A002 - query name
    flash = pop_flash()
    notice = None
    if flash:
        message, params, kind = flash
        notice = (message, params, 'info' if message in INFO_MESSAGES or kind == 'positive' else 'warning')
    return _render(request, language=_language(request, lang), next_path=next, notice=notice)


@router.post('/login', response_class=HTMLResponse)
async def login_submit(request: Request, username: str = Form(''), password: str = Form(''),
                       csrf: str = Form(''), next: str = Form('/'), lang: str = Form('')):  # noqa: A002
    language = _language(request, lang)
    if not hmac.compare_digest(csrf, _form_token(request)):
        return _render(request, language=language, next_path=next, username=username,
                       notice=(FORM_EXPIRED, {}, 'warning'), status_code=400)
    try:
        ip = request.client.host if request.client else ''
        user, token = await run_in_threadpool(auth.sign_in, username, password, ip=ip,
                                              secret_key=get_settings().secret_key)
    except AuthError as refusal:
        status = 429 if refusal.plural else 401  # only the lock message counts minutes
        return _render(request, language=language, next_path=next, username=username,
                       notice=(refusal, {}, 'error'), status_code=status)
    await _new_session_id(request)
    start_session(user, token)
    return RedirectResponse(safe_next(next), status_code=303)


async def _new_session_id(request: Request) -> None:
    """Sign in under a session id nobody saw before: an id planted in the browser beforehand (session fixation)
    must not end up holding the token. NiceGUI keeps user storage per id and offers no public way to start one."""
    request.session['id'] = str(uuid.uuid4())
    await app.storage._create_user_storage(request.session['id'])  # noqa: SLF001


def _language(request: Request, chosen: str) -> str:
    """The language picked on this page, else the browser's last one here, else its Accept-Language."""
    if chosen in i18n.LANGUAGES:
        return chosen
    remembered = app.storage.user.get('language')
    if remembered:
        return i18n.normalize_language(remembered)
    return i18n.language_from_header(request.headers.get('accept-language'))


def _form_token(request: Request) -> str:
    """Ties the form to this browser's session cookie, so another site cannot sign a visitor in."""
    key = get_settings().secret_key.encode('utf-8')
    return hmac.new(key, b'login-form:' + request.session['id'].encode('ascii'), hashlib.sha256).hexdigest()


def _render(request: Request, *, language: str, next_path: str, notice: tuple | None = None,
            username: str = '', status_code: int = 200) -> HTMLResponse:
    def _(message: str, **params: object) -> str:
        return escape(i18n.translate(language, message, **params))

    next_path = safe_next(next_path)
    switches = []
    for code, name in i18n.LANGUAGES.items():
        query = urlencode({'lang': code, **({'next': next_path} if next_path != '/' else {})})
        current = ' aria-current="true"' if code == language else ''
        switches.append(f'<a href="/login?{query}" lang="{code}"{current}>{escape(name)}</a>')
    notice_html = ''
    if notice:
        message, params, kind = notice
        text = escape(message.text(language)) if isinstance(message, AuthError) else _(message, **params)
        role = 'alert' if kind != 'info' else 'status'
        notice_html = f'<p class="notice {kind}" role="{role}" data-testid="flash">{text}</p>'
    html = TEMPLATE.substitute(
        language=language, direction=i18n.direction(language), fonts=font_faces_css(),
        title=_('Sign in · Anonymous Creations'), brand=_('Anonymous Creations'), heading=_('Sign in'),
        switch_label=_('Language'), switches=''.join(switches), notice=notice_html,
        username_label=_('Username'), password_label=_('Password'), submit=_('Sign in'),
        username=escape(username.strip()), next=escape(next_path), lang=language, csrf=_form_token(request),
        autofocus='autofocus' if not username else '', password_autofocus='autofocus' if username else '',
    )
    return HTMLResponse(html, status_code=status_code, headers={'Cache-Control': 'no-store'})

