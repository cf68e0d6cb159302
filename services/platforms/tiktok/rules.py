"""What a TikTok post may hold (Content Posting API, direct post of one video). The caption counts in UTF-16 units."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.core.i18n import N_
from services.platforms import media_rules
from services.platforms.spec import MediaFacts, Problem, Rule, TextCounter, utf16_length

CAPTION, DEFAULT_MAX_SECONDS = 2200, 600
# Content Posting API, media transfer guide: MP4, WebM or MOV; H.264, H.265, VP8 or VP9; 23-60 fps; 360-4096 px on
# each side; at most 4 GB.
VIDEO_TYPES = ('video/mp4', 'video/webm', 'video/quicktime')
VIDEO_CODECS, FRAME_RATE, SIDES, VIDEO_BYTES = ('h264', 'hevc', 'vp8', 'vp9'), (23, 60), (360, 4096), 4096 * 1024 ** 2


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


def _longest(options: Mapping[str, Any]) -> float:
    return int(options.get('max_duration_s') or DEFAULT_MAX_SECONDS)  # the account's own, once TikTok said it


RULES = (
    Rule('no photos', _no_photos),
    Rule('one video', _one_video),
    Rule('caption', _caption, CAPTION),
    Rule('duration', media_rules.duration(0, _longest), DEFAULT_MAX_SECONDS),
    Rule('video type', media_rules.containers(VIDEO_TYPES), 'MP4', convertible=True),
    Rule('video codec', media_rules.video_codecs(VIDEO_CODECS), 'H.264', convertible=True),
    Rule('frame rate', media_rules.frame_rate(*FRAME_RATE), FRAME_RATE[1], convertible=True),
    Rule('video sides', media_rules.sides(*SIDES), SIDES[0], convertible=True),
    Rule('video size', media_rules.file_size(VIDEO_BYTES, media_rules.videos), VIDEO_BYTES // media_rules.MB),
)
COUNTER = TextCounter(utf16_length, lambda _has_media: CAPTION)
