"""What an Instagram post may hold (Instagram Login's content publishing, from the spec sheet)."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from services.core.i18n import N_
from services.platforms import media_rules
from services.platforms.spec import MediaFacts, Problem, Rule, SummaryLine, TextCounter

CAPTION, HASHTAGS, MENTIONS, CAROUSEL = 2200, 30, 20, 10
MIN_ASPECT, MAX_ASPECT = 4 / 5, 1.91
ASPECT_SLACK = 0.005  # a 1080×1350 photo is 4:5 whatever the rounding
REEL_SECONDS = (3, 15 * 60)
# Reels (a single video) and carousel videos, from the IG User Media reference: MOV or MP4, H.264 or HEVC with AAC
# sound, 23-60 fps, at most 1920 px wide, 25 Mbit/s (reels) and 300 MB; a carousel's videos 4:5 to 16:9.
VIDEO_TYPES, VIDEO_CODECS, AUDIO_CODECS = ('video/mp4', 'video/quicktime'), ('h264', 'hevc'), ('aac',)
FRAME_RATE, WIDEST, MBIT_PER_S, VIDEO_BYTES = (23, 60), 1920, 25, 300 * media_rules.MB
CAROUSEL_VIDEO_ASPECT = ((4, 5), (16, 9))
HASHTAG = re.compile(r'(?<!\w)#\w+')
MENTION = re.compile(r'(?<!\w)@[\w.]+')


def _needs_media(_text: str, media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
    return None if media else Problem(N_('%(platform)s needs at least one photo or video.'))


def _carousel(_text: str, media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
    if len(media) > CAROUSEL:
        return Problem(N_('%(platform)s: a carousel holds at most %(limit)s photos or videos.'), {'limit': CAROUSEL})
    return None


def _caption(text: str, _media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
    if len(text) > CAPTION:
        return Problem(N_('%(platform)s: a caption may be %(limit)s characters; this one has %(count)s.'),
                       {'limit': CAPTION, 'count': len(text)})
    return None


def _hashtags(text: str, _media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
    if len(HASHTAG.findall(text)) > HASHTAGS:
        return Problem(N_('%(platform)s: at most %(limit)s hashtags.'), {'limit': HASHTAGS})
    return None


def _mentions(text: str, _media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
    if len(MENTION.findall(text)) > MENTIONS:
        return Problem(N_('%(platform)s: at most %(limit)s @mentions.'), {'limit': MENTIONS})
    return None


def _no_gif(_text: str, media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
    if any(item.mime_type == 'image/gif' for item in media):
        return Problem(N_('%(platform)s does not take GIF images. Use a JPEG, PNG or WebP.'))
    return None


def _aspect(_text: str, media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
    for item in media:
        if item.is_video or item.mime_type == 'image/gif' or not (item.width and item.height):
            continue
        if not MIN_ASPECT - ASPECT_SLACK <= item.width / item.height <= MAX_ASPECT + ASPECT_SLACK:
            return Problem(N_('%(platform)s: photos must be between 4:5 (portrait) and 1.91:1 (landscape).'))
    return None


def _transparency(_text: str, media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
    # Instagram takes JPEG only: the JPEG copy made for it has no transparency, and see-through parts turn black.
    item = next((item for item in media if not item.is_video and item.has_alpha), None)
    if item is None:
        return None
    return Problem(N_('%(platform)s takes JPEG photos only, which cannot be see-through: %(file)s has transparent '
                      'parts. Save it without transparency, or as a JPEG.'), {'file': item.name})


RULES = (
    Rule('needs media', _needs_media),
    Rule('carousel', _carousel, CAROUSEL),
    Rule('caption', _caption, CAPTION),
    Rule('hashtags', _hashtags, HASHTAGS),
    Rule('mentions', _mentions, MENTIONS),
    Rule('no GIF', _no_gif, convertible=True),
    Rule('aspect ratio', _aspect, '1.91:1'),
    Rule('photo transparency', _transparency, convertible=True),
    Rule('reel length', media_rules.duration(*REEL_SECONDS), REEL_SECONDS[1]),
    Rule('video type', media_rules.containers(VIDEO_TYPES), 'MP4', convertible=True),
    Rule('video codec', media_rules.video_codecs(VIDEO_CODECS), 'H.264', convertible=True),
    Rule('sound codec', media_rules.audio_codecs(AUDIO_CODECS), 'AAC', convertible=True),
    Rule('frame rate', media_rules.frame_rate(*FRAME_RATE), FRAME_RATE[1], convertible=True),
    Rule('video width', media_rules.widest(WIDEST), WIDEST, convertible=True),
    Rule('video bit rate', media_rules.bit_rate(MBIT_PER_S), MBIT_PER_S, convertible=True),
    Rule('video size', media_rules.file_size(VIDEO_BYTES, media_rules.videos), VIDEO_BYTES // media_rules.MB),
    Rule('carousel video aspect', media_rules.aspect(*CAROUSEL_VIDEO_ASPECT, media_rules.carousel_videos), '16:9',
         framing=True),
)
COUNTER = TextCounter(len, lambda _has_media: CAPTION)


def post_kind(media: Sequence[MediaFacts]) -> SummaryLine | None:
    """What the client makes of the media: several → a carousel, one video → a reel, one photo → a feed photo."""
    if not media:
        return None
    kind = N_('Carousel') if len(media) > 1 else N_('Reel') if media[0].is_video else N_('Feed photo')
    return SummaryLine(N_('Post type'), kind)
