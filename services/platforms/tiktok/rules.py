"""What a TikTok post may hold (Content Posting API, direct post of one video). The caption counts in UTF-16 units."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.core.i18n import N_
from services.platforms.spec import MediaFacts, Problem, Rule, TextCounter, utf16_length

CAPTION, DEFAULT_MAX_SECONDS = 2200, 600


def _no_photos(_text: str, media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
    if any(not item.is_video for item in media):
        return Problem(N_('%(platform)s takes photos only from public web addresses; post one video here.'))
    return None


def _one_video(_text: str, media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
    if all(item.is_video for item in media) and len(media) != 1:
        return Problem(N_('%(platform)s needs exactly one video.'))
    return None


def _caption(text: str, _media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
    length = utf16_length(text)
    if length > CAPTION:
        return Problem(N_('%(platform)s: a caption may be %(limit)s characters; this one has %(count)s.'),
                       {'limit': CAPTION, 'count': length})
    return None


def _duration(_text: str, media: Sequence[MediaFacts], options: Mapping[str, Any]) -> Problem | None:
    longest = int(options.get('max_duration_s') or DEFAULT_MAX_SECONDS)  # the account's own, once TikTok said it
    if any(item.is_video and item.duration_s is not None and item.duration_s > longest for item in media):
        return Problem(N_('%(platform)s: this account may post videos up to %(limit)s seconds long.'),
                       {'limit': longest})
    return None


RULES = (
    Rule('no photos', _no_photos),
    Rule('one video', _one_video),
    Rule('caption', _caption, CAPTION),
    Rule('duration', _duration, DEFAULT_MAX_SECONDS),
)
COUNTER = TextCounter(utf16_length, lambda _has_media: CAPTION)
