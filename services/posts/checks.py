"""Per-platform rules a post must meet before it is scheduled or published (numbers from the spec sheet).

Each problem names the platform and the limit; messages are msgids translated where they are shown.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.core.i18n import N_

PLATFORM_LABELS = {'telegram': 'Telegram', 'instagram': 'Instagram', 'youtube': 'YouTube', 'tiktok': 'TikTok'}
MB = 1024 * 1024
TELEGRAM_TEXT, TELEGRAM_CAPTION, TELEGRAM_ALBUM = 4096, 1024, 10
TELEGRAM_PHOTO_BYTES, TELEGRAM_FILE_BYTES = 10 * MB, 50 * MB
INSTAGRAM_CAPTION, INSTAGRAM_HASHTAGS, INSTAGRAM_MENTIONS, INSTAGRAM_CAROUSEL = 2200, 30, 20, 10
INSTAGRAM_MIN_ASPECT, INSTAGRAM_MAX_ASPECT = 4 / 5, 1.91
INSTAGRAM_REEL_SECONDS = (3, 15 * 60)
YOUTUBE_TITLE, YOUTUBE_DESCRIPTION_BYTES = 100, 5000
TIKTOK_CAPTION, TIKTOK_DEFAULT_MAX_SECONDS = 2200, 600
SCHEDULE_HORIZON = timedelta(days=365)

HASHTAG = re.compile(r'(?<!\w)#\w+')
MENTION = re.compile(r'(?<!\w)@[\w.]+')


@dataclass(frozen=True)
class MediaFacts:
    mime_type: str
    size_bytes: int
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None

    @property
    def is_video(self) -> bool:
        return self.mime_type.startswith('video/')


@dataclass(frozen=True)
class Problem:
    message: str
    params: dict[str, object] = field(default_factory=dict)
    platform: str | None = None


def utf16_length(text: str) -> int:
    """Length as Telegram and TikTok count it: characters outside the BMP (most emoji) count twice."""
    return len(text.encode('utf-16-le')) // 2


def check_post(text: str, media: Sequence[MediaFacts], platforms: Sequence[str],
               options: dict[str, dict] | None = None) -> list[Problem]:
    """Everything that stops this post from going to each of `platforms`; empty when it may go."""
    options = options or {}
    problems: list[Problem] = []
    if not platforms:
        problems.append(Problem(N_('Choose at least one platform.')))
    if not text.strip() and not media:
        problems.append(Problem(N_('Write some text or add a photo or video.')))
    for platform in platforms:
        check = CHECKS.get(platform)
        if check is not None:
            found = check(text, media, options.get(platform, {}))
            problems.extend(Problem(p.message, {'platform': PLATFORM_LABELS[platform], **p.params}, platform)
                            for p in found)
    return problems


def check_schedule(when: datetime, now: datetime) -> Problem | None:
    """A schedule time must be in the future and within a year."""
    if when <= now:
        return Problem(N_('The chosen time has already passed. Pick a time in the future.'))
    if when > now + SCHEDULE_HORIZON:
        return Problem(N_('Posts can be scheduled at most one year ahead.'))
    return None


def _telegram(text: str, media: Sequence[MediaFacts], _options: dict) -> list[Problem]:
    problems = []
    length = utf16_length(text)
    if media and length > TELEGRAM_CAPTION:
        problems.append(Problem(N_('%(platform)s: a caption with media may be %(limit)s characters; this one has '
                                   '%(count)s.'), {'limit': TELEGRAM_CAPTION, 'count': length}))
    elif length > TELEGRAM_TEXT:
        problems.append(Problem(N_('%(platform)s: a message may be %(limit)s characters; this one has %(count)s.'),
                                {'limit': TELEGRAM_TEXT, 'count': length}))
    if len(media) > TELEGRAM_ALBUM:
        problems.append(Problem(N_('%(platform)s: an album holds at most %(limit)s photos or videos.'),
                                {'limit': TELEGRAM_ALBUM}))
    for item in media:
        limit = TELEGRAM_FILE_BYTES if item.is_video else TELEGRAM_PHOTO_BYTES
        if item.size_bytes > limit:
            problems.append(Problem(N_('%(platform)s: files may be at most %(limit)s MB.'), {'limit': limit // MB}))
            break
    return problems


def _instagram(text: str, media: Sequence[MediaFacts], _options: dict) -> list[Problem]:
    problems = []
    if not media:
        problems.append(Problem(N_('%(platform)s needs at least one photo or video.')))
    if len(media) > INSTAGRAM_CAROUSEL:
        problems.append(Problem(N_('%(platform)s: a carousel holds at most %(limit)s photos or videos.'),
                                {'limit': INSTAGRAM_CAROUSEL}))
    if len(text) > INSTAGRAM_CAPTION:
        problems.append(Problem(N_('%(platform)s: a caption may be %(limit)s characters; this one has %(count)s.'),
                                {'limit': INSTAGRAM_CAPTION, 'count': len(text)}))
    if len(HASHTAG.findall(text)) > INSTAGRAM_HASHTAGS:
        problems.append(Problem(N_('%(platform)s: at most %(limit)s hashtags.'), {'limit': INSTAGRAM_HASHTAGS}))
    if len(MENTION.findall(text)) > INSTAGRAM_MENTIONS:
        problems.append(Problem(N_('%(platform)s: at most %(limit)s @mentions.'), {'limit': INSTAGRAM_MENTIONS}))
    for item in media:
        if item.mime_type == 'image/gif':
            problems.append(Problem(N_('%(platform)s does not take GIF images. Use a JPEG, PNG or WebP.')))
        elif not item.is_video and item.width and item.height and not (
                INSTAGRAM_MIN_ASPECT - 0.005 <= item.width / item.height <= INSTAGRAM_MAX_ASPECT + 0.005):
            problems.append(Problem(N_('%(platform)s: photos must be between 4:5 (portrait) and 1.91:1 (landscape).')))
        elif item.is_video and item.duration_s is not None and not (
                INSTAGRAM_REEL_SECONDS[0] <= item.duration_s <= INSTAGRAM_REEL_SECONDS[1]):
            problems.append(Problem(N_('%(platform)s: videos must last between 3 seconds and 15 minutes.')))
    return problems


def _youtube(text: str, media: Sequence[MediaFacts], options: dict) -> list[Problem]:
    problems = []
    if len(media) != 1 or not media[0].is_video:
        problems.append(Problem(N_('%(platform)s needs exactly one video and nothing else.')))
    title = (options.get('title') or '').strip()
    if not title:
        problems.append(Problem(N_('%(platform)s needs a title.')))
    elif len(title) > YOUTUBE_TITLE:
        problems.append(Problem(N_('%(platform)s: a title may be %(limit)s characters; this one has %(count)s.'),
                                {'limit': YOUTUBE_TITLE, 'count': len(title)}))
    if '<' in title or '>' in title:
        problems.append(Problem(N_('%(platform)s: the title may not contain < or >.')))
    size = len(text.encode('utf-8'))
    if size > YOUTUBE_DESCRIPTION_BYTES:
        problems.append(Problem(N_('%(platform)s: the description may be %(limit)s bytes; this one has %(count)s.'),
                                {'limit': YOUTUBE_DESCRIPTION_BYTES, 'count': size}))
    if '<' in text or '>' in text:
        problems.append(Problem(N_('%(platform)s: the description may not contain < or >.')))
    return problems


def _tiktok(text: str, media: Sequence[MediaFacts], options: dict) -> list[Problem]:
    problems = []
    if any(not item.is_video for item in media):
        problems.append(Problem(N_('%(platform)s takes photos only from public web addresses; post one video here.')))
    elif len(media) != 1:
        problems.append(Problem(N_('%(platform)s needs exactly one video.')))
    length = utf16_length(text)
    if length > TIKTOK_CAPTION:
        problems.append(Problem(N_('%(platform)s: a caption may be %(limit)s characters; this one has %(count)s.'),
                                {'limit': TIKTOK_CAPTION, 'count': length}))
    max_seconds = int(options.get('max_duration_s') or TIKTOK_DEFAULT_MAX_SECONDS)
    for item in media:
        if item.is_video and item.duration_s is not None and item.duration_s > max_seconds:
            problems.append(Problem(N_('%(platform)s: this account may post videos up to %(limit)s seconds long.'),
                                    {'limit': max_seconds}))
    return problems


CHECKS = {'telegram': _telegram, 'instagram': _instagram, 'youtube': _youtube, 'tiktok': _tiktok}
