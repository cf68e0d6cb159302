"""What a Telegram post may hold (Bot API limits, from the spec sheet). Text counts in UTF-16 units."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.core.i18n import N_
from services.platforms.spec import MediaFacts, Problem, Rule, SummaryLine, TextCounter, utf16_length

MB = 1024 * 1024
TEXT, CAPTION, ALBUM = 4096, 1024, 10
PHOTO_BYTES, FILE_BYTES = 10 * MB, 50 * MB


def _caption(text: str, media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
    length = utf16_length(text)
    if media and length > CAPTION:
        return Problem(N_('%(platform)s: a caption with media may be %(limit)s characters; this one has %(count)s.'),
                       {'limit': CAPTION, 'count': length})
    return None


def _message(text: str, media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
    length = utf16_length(text)
    if not media and length > TEXT:
        return Problem(N_('%(platform)s: a message may be %(limit)s characters; this one has %(count)s.'),
                       {'limit': TEXT, 'count': length})
    return None


def _album(_text: str, media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
    if len(media) > ALBUM:
        return Problem(N_('%(platform)s: an album holds at most %(limit)s photos or videos.'), {'limit': ALBUM})
    return None


def _file_size(videos: bool, limit: int):
    def check(_text: str, media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
        if any(item.is_video == videos and item.size_bytes > limit for item in media):
            return Problem(N_('%(platform)s: files may be at most %(limit)s MB.'), {'limit': limit // MB})
        return None
    return check


RULES = (
    Rule('caption', _caption, CAPTION),
    Rule('message', _message, TEXT),
    Rule('album', _album, ALBUM),
    Rule('photo size', _file_size(False, PHOTO_BYTES), PHOTO_BYTES // MB),
    Rule('video size', _file_size(True, FILE_BYTES), FILE_BYTES // MB),
)
COUNTER = TextCounter(utf16_length, lambda has_media: CAPTION if has_media else TEXT)


def post_kind(media: Sequence[MediaFacts]) -> SummaryLine:
    """What the client sends: a text message, one photo or video with the text as its caption, or an album."""
    kind = N_('Album') if len(media) > 1 else N_('Video') if media and media[0].is_video else \
        N_('Photo') if media else N_('Text message')
    return SummaryLine(N_('Post type'), kind)
