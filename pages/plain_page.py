"""What the plain HTML pages (sign-in, first run) share: one page shell, the language, the form token.

Those are the pages anonymous visitors land on. A NiceGUI page builds a client object per GET, so a flood of
anonymous requests would cost memory (see bench/anonymous_flood.py); these are FastAPI routes rendering a
template instead, with the same fonts, colours and 40 px touch targets as the rest of the app.
"""
from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable
from html import escape
from pathlib import Path
from string import Template
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from nicegui import app

from components.theme import font_faces_css
from services.core import i18n
from services.core.config import get_settings
from services.core.errors import UserError

SHELL = Template((Path(__file__).parent / 'plain_page.html').read_text(encoding='utf-8'))
# A notice: (a msgid with its parameters, or a service's refusal), and its kind: 'info', 'warning' or 'error'.
Notice = tuple[str | UserError, dict, str]


def template(name: str) -> Template:
    """The page body in pages/`name`, a string.Template (`$name` placeholders)."""
    return Template((Path(__file__).parent / name).read_text(encoding='utf-8'))


def page_language(request: Request, chosen: str) -> str:
    """The language picked on this page, else the browser's last one here, else its Accept-Language."""
    if chosen in i18n.LANGUAGES:
        return chosen
    remembered = app.storage.user.get('language')
    if remembered:
        return i18n.normalize_language(remembered)
    return i18n.language_from_header(request.headers.get('accept-language'))


def translator(language: str) -> Callable[..., str]:
    """`_('msgid', **params)` in `language`, escaped for HTML."""
    def _(message: str, **params: object) -> str:
        return escape(i18n.translate(language, message, **params))

    return _


def form_token(request: Request, purpose: str) -> str:
    """Ties a form to this browser's session cookie, so another site cannot submit it for a visitor."""
    key = get_settings().secret_key.encode('utf-8')
    message = f'{purpose}-form:{request.session["id"]}'.encode('ascii')
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def form_token_matches(request: Request, purpose: str, submitted: str) -> bool:
    return hmac.compare_digest(submitted, form_token(request, purpose))


async def new_session_id(request: Request) -> None:
    """Sign in under a session id nobody saw before: an id planted in the browser beforehand (session fixation)
    must not end up holding the token. NiceGUI keeps user storage per id and offers no public way to start one."""
    request.session['id'] = str(uuid.uuid4())
    await app.storage._create_user_storage(request.session['id'])  # noqa: SLF001


def render(*, language: str, title: str, heading: str, content: str, path: str, query: dict[str, str],
           notice: Notice | None = None, status_code: int = 200) -> HTMLResponse:
    """The whole page in `language`: brand, language switch (links to `path` with `query` and `lang`), heading,
    notice and `content` (HTML, already escaped). `title` and `heading` are msgids."""
    _ = translator(language)
    switches = []
    for code, name in i18n.LANGUAGES.items():
        current = ' aria-current="true"' if code == language else ''
        switches.append(f'<a href="{escape(path)}?{escape(urlencode({**query, "lang": code}))}" lang="{code}"'
                        f'{current}>{escape(name)}</a>')
    html = SHELL.substitute(
        language=language, direction=i18n.direction(language), fonts=font_faces_css(), title=_(title),
        brand=_('Anonymous Creations'), switch_label=_('Language'), switches=''.join(switches), heading=_(heading),
        notice=_notice_html(language, notice), content=content)
    return HTMLResponse(html, status_code=status_code, headers={'Cache-Control': 'no-store'})


def _notice_html(language: str, notice: Notice | None) -> str:
    if not notice:
        return ''
    message, params, kind = notice
    text = escape(message.text(language)) if isinstance(message, UserError) else translator(language)(message, **params)
    role = 'alert' if kind != 'info' else 'status'
    return f'<p class="notice {kind}" role="{role}" data-testid="flash">{text}</p>'
