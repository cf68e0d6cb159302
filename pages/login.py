"""Sign in, and come back to the page first asked for. A plain HTML form (see pages/plain_page.py)."""
from __future__ import annotations

import hmac
from html import escape

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from pages import plain_page
from services.core.config import get_settings
from services.core.i18n import N_
from services.team import auth
from services.team.auth import AuthError
from services.web.browser_session import drop_token, end_session, pop_flash, safe_next, sign_out_check, start_session

router = APIRouter()

FORM = plain_page.template('login.html')
SIGNED_OUT = N_('You have signed out.')
INFO_MESSAGES = {SIGNED_OUT, N_('Please sign in to continue.')}
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
    answer = RedirectResponse(safe_next(next), status_code=303)
    start_session(request, answer, user, token)
    return answer


@router.get('/logout')
def sign_out(request: Request, check: str = '') -> RedirectResponse:
    """The sign-out link of the signed-in pages (see `sign_out_check`); the access gate let only a session through."""
    user = request.state.user
    if not hmac.compare_digest(check, sign_out_check(user)):
        return RedirectResponse('/')
    auth.record_sign_out(user, ip=request.client.host if request.client else '')
    end_session(SIGNED_OUT)
    answer = RedirectResponse('/login', status_code=303)
    drop_token(answer)
    return answer


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
