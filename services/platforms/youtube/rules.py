"""What a YouTube upload may hold (Data API v3 limits, from the spec sheet). The description counts in bytes."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.core.i18n import N_
from services.platforms.spec import MediaFacts, Problem, Rule, TextCounter

TITLE, DESCRIPTION_BYTES = 100, 5000


def _title_of(options: Mapping[str, Any]) -> str:
    return str(options.get('title') or '').strip()


def _one_video(_text: str, media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
    if len(media) != 1 or not media[0].is_video:
        return Problem(N_('%(platform)s needs exactly one video and nothing else.'))
    return None


def _title_given(_text: str, _media: Sequence[MediaFacts], options: Mapping[str, Any]) -> Problem | None:
    return None if _title_of(options) else Problem(N_('%(platform)s needs a title.'))


def _title_length(_text: str, _media: Sequence[MediaFacts], options: Mapping[str, Any]) -> Problem | None:
    title = _title_of(options)
    if len(title) > TITLE:
        return Problem(N_('%(platform)s: a title may be %(limit)s characters; this one has %(count)s.'),
                       {'limit': TITLE, 'count': len(title)})
    return None


def _title_brackets(_text: str, _media: Sequence[MediaFacts], options: Mapping[str, Any]) -> Problem | None:
    title = _title_of(options)
    return Problem(N_('%(platform)s: the title may not contain < or >.')) if '<' in title or '>' in title else None


def _description_size(text: str, _media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
    size = len(text.encode('utf-8'))
    if size > DESCRIPTION_BYTES:
        return Problem(N_('%(platform)s: the description may be %(limit)s bytes; this one has %(count)s.'),
                       {'limit': DESCRIPTION_BYTES, 'count': size})
    return None


def _description_brackets(text: str, _media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
    return Problem(N_('%(platform)s: the description may not contain < or >.')) if '<' in text or '>' in text else None


RULES = (
    Rule('one video', _one_video),
    Rule('title given', _title_given),
    Rule('title length', _title_length, TITLE),
    Rule('title brackets', _title_brackets, '< or >'),
    Rule('description size', _description_size, DESCRIPTION_BYTES),
    Rule('description brackets', _description_brackets, '< or >'),
)
COUNTER = TextCounter(lambda text: len(text.encode('utf-8')), lambda _has_media: DESCRIPTION_BYTES, unit=N_('bytes'))
