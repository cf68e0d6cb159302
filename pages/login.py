"""Sign in, and come back to the page first asked for. A plain HTML form (see pages/plain_page.py)."""
from __future__ import annotations

from html import escape

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from pages import plain_page
from services.core.config import get_settings
from services.core.i18n import N_
from services.team import auth
from services.team.auth import AuthError
from services.web.browser_session import pop_flash, safe_next, start_session

router = APIRouter()

FORM = plain_page.template('login.html')
INFO_MESSAGES = {N_('You have signed out.'), N_('Please sign in to continue.')}
FORM_EXPIRED = N_('The sign-in form had expired. Please sign in again.')


@router.get('/login', response_class=HTMLResponse)
def login_form(request: Request, next: str = '/', lang: str = '') -> HTMLResponse:  # noqa: A002 - query name
    flash = pop_flash()
    notice = None
    if flash:
        message, params, kind = flash
        notice = (message, params, 'info' if message in INFO_MESSAGES or kind == 'positive' else 'warning')
    return _render(request, language=plain_page.page_language(request, lang), next_path=next, notice=notice)


@router.post('/login', response_class=HTMLResponse)
async def login_submit(request: Request, username: str = Form(''), password: str = Form(''),
                       csrf: str = Form(''), next: str = Form('/'), lang: str = Form('')):  # noqa: A002
    language = plain_page.page_language(request, lang)
    if not plain_page.form_token_matches(request, 'login', csrf):
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
    await plain_page.new_session_id(request)
    start_session(user, token)
    return RedirectResponse(safe_next(next), status_code=303)


def _render(request: Request, *, language: str, next_path: str, notice: plain_page.Notice | None = None,
            username: str = '', status_code: int = 200) -> HTMLResponse:
    _ = plain_page.translator(language)
    next_path = safe_next(next_path)
    form = FORM.substitute(
        username_label=_('Username'), password_label=_('Password'), submit=_('Sign in'),
        username=escape(username.strip()), next=escape(next_path), lang=language,
        csrf=plain_page.form_token(request, 'login'),
        autofocus='autofocus' if not username else '', password_autofocus='autofocus' if username else '',
    )
    return plain_page.render(language=language, title=N_('Sign in · Anonymous Creations'), heading=N_('Sign in'),
                             content=form, path='/login', query={'next': next_path} if next_path != '/' else {},
                             notice=notice, status_code=status_code)
