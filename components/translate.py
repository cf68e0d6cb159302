"""The one translation function for the UI: `_('msgid', **params)` in the language of the current browser."""
from __future__ import annotations

from typing import TypeVar

from nicegui import app, context
from nicegui.element import Element as UIElement

from services.core import i18n
from services.core.errors import UserError
from services.core.i18n import isolate  # noqa: F401 - the components' and pages' way to reach it

Element = TypeVar('Element', bound=UIElement)


def current_language() -> str:
    """The signed-in user's language, else what the browser chose on the sign-in page, else its Accept-Language."""
    try:
        chosen = app.storage.user.get('language')
    except RuntimeError:  # outside a request (e.g. a background task): no browser to ask
        return i18n.DEFAULT_LANGUAGE
    if chosen:
        return i18n.normalize_language(chosen)
    request = getattr(context.client, 'request', None)
    return i18n.language_from_header(request.headers.get('accept-language') if request else None)


def browser_region() -> str:
    """The country of the browser's first Accept-Language ('US' for 'en-US,en;q=0.9'), '' when it names none."""
    request = getattr(context.client, 'request', None)
    first = (request.headers.get('accept-language', '') if request else '').split(',')[0].split(';')[0]
    parts = first.strip().replace('_', '-').split('-')
    return parts[-1].upper() if len(parts) > 1 and len(parts[-1]) == 2 and parts[-1].isalpha() else ''


def _(message: str, **params: object) -> str:
    return i18n.translate(current_language(), message, **params)


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    return i18n.translate_plural(current_language(), singular, plural, n, **params)


def explain(error: UserError) -> str:
    """The user's own-language text of a refusal raised by a service."""
    return error.text(current_language())


def own_direction(label: Element) -> Element:
    """A name or handle shown in its own direction whatever the page's: by its first letter (dir=auto), and a name of
    digits only (a chat id such as -1001234567890) left to right, which dir=auto alone turns round in Arabic."""
    return label.style('unicode-bidi: plaintext').props('dir=auto')


