"""What a Telegram post may hold (Bot API limits, from the spec sheet). Text counts in UTF-16 units."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.core.i18n import N_
from services.platforms import media_rules
from services.platforms.spec import MediaFacts, Problem, Rule, SummaryLine, TextCounter, utf16_length

MB = 1024 * 1024
TEXT, CAPTION, ALBUM = 4096, 1024, 10
PHOTO_BYTES, FILE_BYTES = 10 * MB, 50 * MB
PHOTO_SIDES_SUM, PHOTO_RATIO = 10000, 20
# sendVideo plays MPEG-4 videos (MP4, and MOV from phones, as MPEG-4 too); other types would arrive as a file
VIDEO_TYPES = ('video/mp4', 'video/quicktime')


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


def _photo_shape(_text: str, media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
    for item in media:
        if item.is_video or not item.width or not item.height:
            continue
        long_side, short_side = max(item.width, item.height), min(item.width, item.height)
        if item.width + item.height > PHOTO_SIDES_SUM or long_side > PHOTO_RATIO * short_side:
            return Problem(N_('%(platform)s takes photos whose width and height add up to at most %(limit)s pixels, '
                              'one side at most 20 times the other; %(file)s is %(found)s.'),
                           {'limit': PHOTO_SIDES_SUM, 'file': item.name, 'found': f'{item.width}×{item.height}'})
    return None


RULES = (
    Rule('caption', _caption, CAPTION),
    Rule('message', _message, TEXT),
    Rule('album', _album, ALBUM),
    Rule('photo size', media_rules.file_size(PHOTO_BYTES, media_rules.photos), PHOTO_BYTES // MB),
    Rule('video size', media_rules.file_size(FILE_BYTES, media_rules.videos), FILE_BYTES // MB),
    Rule('photo shape', _photo_shape, PHOTO_SIDES_SUM),
    Rule('video type', media_rules.containers(VIDEO_TYPES), 'MP4', convertible=True),
)
COUNTER = TextCounter(utf16_length, lambda has_media: CAPTION if has_media else TEXT)


def post_kind(media: Sequence[MediaFacts]) -> SummaryLine:
    """What the client sends: a text message, one photo or video with the text as its caption, or an album."""
    kind = N_('Album') if len(media) > 1 else N_('Video') if media and media[0].is_video else \
        N_('Photo') if media else N_('Text message')
    return SummaryLine(N_('Post type'), kind)
