"""First run: with no user in the database, create the administrator account. A plain HTML form (see
pages/plain_page.py) that works only with the one-time code the app prints at start (services/team/setup_code.py)."""
from __future__ import annotations

import logging
from html import escape
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from pages import plain_page
from services.core.config import Settings, get_settings
from services.core.i18n import N_
from services.team import auth, setup_code, users
from services.team.auth import AuthError
from services.team.setup_code import SetupCodeRefused
from services.web.browser_session import start_session

log = logging.getLogger(__name__)
router = APIRouter()

FORM = plain_page.template('setup.html')
TITLE = N_('Set up Anonymous Creations')
WELCOME = N_('Welcome! Create the administrator account.')
FORM_EXPIRED = N_('The setup form had expired. Please fill it in again.')
PASSWORDS_DIFFER = N_('The two passwords differ.')


def first_run_path() -> str:
    """Issue a new setup code (voiding the last one); the path of the setup page that carries it."""
    return '/setup?' + urlencode({'code': setup_code.issue()})


def local_url(settings: Settings) -> str:
    """Where a browser on this machine reaches the app."""
    host = '127.0.0.1' if settings.host in ('', '0.0.0.0', '::') else settings.host
    return f'http://{f"[{host}]" if ":" in host else host}:{settings.port}'


def announce(link: str) -> None:
    """Tell the person who started the app how to create the administrator (in its output: the terminal,
    `docker logs`, the journal)."""
    log.warning('No administrator yet. To create one, open this link (it works until the administrator '
                'exists; each start prints a new one):\n\n    %s\n', link)


@router.get('/setup', response_class=HTMLResponse)
def setup_form(request: Request, code: str = '', lang: str = '') -> HTMLResponse:
    language = plain_page.page_language(request, lang)
    try:
        setup_code.check(code, ip=_client_ip(request))
    except SetupCodeRefused as refusal:
        return _refusal(language, refusal)
    return _render_form(request, language=language, code=code)


@router.post('/setup', response_class=HTMLResponse)
async def setup_submit(request: Request, code: str = Form(''), csrf: str = Form(''), lang: str = Form(''),
                       username: str = Form(''), password: str = Form(''), repeat: str = Form(''),
                       time_zone: str = Form('')):
    language = plain_page.page_language(request, lang)
    ip = _client_ip(request)
    try:
        await run_in_threadpool(setup_code.check, code, ip=ip)
    except SetupCodeRefused as refusal:
        return _refusal(language, refusal)
    again = {'language': language, 'code': code, 'username': username, 'time_zone': time_zone}
    if not plain_page.form_token_matches(request, 'setup', csrf):
        return _render_form(request, **again, notice=(FORM_EXPIRED, {}, 'warning'), status_code=400)
    if password != repeat:
        return _render_form(request, **again, notice=(PASSWORDS_DIFFER, {}, 'error'), status_code=400)
    try:
        user = await run_in_threadpool(users.create_first_admin, username, password, language=language,
                                       time_zone=time_zone, ip=ip)
    except users.SetupClosed:
        return RedirectResponse('/login', status_code=303)
    except AuthError as refusal:
        return _render_form(request, **again, notice=(refusal, {}, 'error'), status_code=400)
    setup_code.forget()
    await plain_page.new_session_id(request)
    answer = RedirectResponse('/', status_code=303)
    start_session(request, answer, user, auth.issue_token(user, get_settings().secret_key))
    return answer


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else ''


def _refusal(language: str, refusal: SetupCodeRefused) -> HTMLResponse:
    """Where to find the link, after what was wrong with this one (nothing to say when there was no code)."""
    _ = plain_page.translator(language)
    notice = None if refusal.message == setup_code.CODE_MISSING else (refusal, {}, 'error')
    return plain_page.render(language=language, title=TITLE, heading=TITLE, path='/setup', query={},
                             content=f'<p class="lead" data-testid="setup-help">{_(setup_code.CODE_MISSING)}</p>',
                             notice=notice, status_code=429 if refusal.plural else 403)


def _render_form(request: Request, *, language: str, code: str, username: str = '', time_zone: str = '',
                 notice: plain_page.Notice | None = None, status_code: int = 200) -> HTMLResponse:
    _ = plain_page.translator(language)
    chosen = time_zone if time_zone in users.time_zones() else ''
    options = ''.join(f'<option{" selected" if zone == (chosen or "UTC") else ""}>{escape(zone)}</option>'
                      for zone in users.time_zones())
    form = FORM.substitute(
        intro=_('This account manages the team, the connected platforms and the settings. '
                'There is no default password: choose yours now.'),
        csrf=plain_page.form_token(request, 'setup'), code=escape(code), lang=language,
        username_label=_('Username'), username=escape(username.strip()),
        password_label=_('Password'), password_hint=_('At least %(min)s characters.', min=auth.MIN_PASSWORD_LENGTH),
        repeat_label=_('Repeat the password'), time_zone_label=_('Time zone'), time_zones=options,
        time_zone_chosen=' data-chosen="true"' if chosen else '', submit=_('Create the administrator'),
        autofocus='autofocus' if not username else '', password_autofocus='autofocus' if username else '')
    return plain_page.render(language=language, title=TITLE, heading=WELCOME, content=form, path='/setup',
                             query={'code': code}, notice=notice, status_code=status_code)
