"""Translations and locale-aware formatting (Babel). Every user-facing string goes through `translate`."""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers, support

LOCALES_DIR = Path(__file__).resolve().parents[2] / 'locales'
LANGUAGES = {'en': 'English', 'ar': 'العربية'}
DEFAULT_LANGUAGE = 'en'
RTL_LANGUAGES = {'ar'}


def N_(message: str) -> str:
    """Marks a msgid for extraction where it is defined; it is translated where it is shown."""
    return message


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """Marks a plural msgid pair for extraction; `translate_plural` picks the form where it is shown."""
    return singular, plural


def normalize_language(value: str | None) -> str:
    code = (value or '').split('-')[0].split('_')[0].lower()
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def language_from_header(accept_language: str | None) -> str:
    """The first supported language of an Accept-Language header, else the default."""
    for part in (accept_language or '').split(','):
        code = part.split(';')[0].strip().split('-')[0].lower()
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


@cache
def _translations(language: str) -> support.Translations | support.NullTranslations:
    return support.Translations.load(str(LOCALES_DIR), [language], domain='messages')


def translate(language: str, message: str, **params: object) -> str:
    text = _translations(normalize_language(language)).gettext(message)
    return text % params if params else text


def translate_plural(language: str, singular: str, plural: str, n: int, **params: object) -> str:
    text = _translations(normalize_language(language)).ngettext(singular, plural, n)
    return text % {'n': format_number(language, n), **params}


def isolate(text: str) -> str:
    """`text` in Unicode first-strong isolates (FSI … PDI): a Latin post, channel or handle such as "@probe_bot"
    inside an Arabic sentence keeps its own direction without reordering the sentence around it."""
    return f'\u2068{text}\u2069' if text else ''


def direction(language: str) -> str:
    return 'rtl' if normalize_language(language) in RTL_LANGUAGES else 'ltr'


def format_number(language: str, value: float) -> str:
    return numbers.format_decimal(value, locale=Locale.parse(normalize_language(language)))


def format_datetime(language: str, value: datetime, time_zone: str, *, style: str = "medium") -> str:
    """`value` (aware, any zone) shown in `time_zone`, written the way `language` writes dates."""
    return dates.format_datetime(value, format=style, tzinfo=ZoneInfo(time_zone),
                                 locale=Locale.parse(normalize_language(language)))


JUST_NOW = N_('now')


def format_relative(language: str, value: datetime, now: datetime) -> str:
    """How far `value` is from `now` (both aware), the way `language` says it: 'in 5 minutes', '3 hours ago'.

    Under a minute either way is 'now': pages refresh these texts every half minute, so seconds would be stale.
    """
    delta = value - now
    if abs(delta) < timedelta(minutes=1):
        return translate(language, JUST_NOW)
    # threshold 1: '55 minutes', not Babel's default rounding up to '1 hour' from 51 minutes on
    return dates.format_timedelta(delta, granularity='minute', threshold=1, add_direction=True,
                                  locale=Locale.parse(normalize_language(language)))
