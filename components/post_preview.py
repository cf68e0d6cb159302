"""How the post will look on each chosen platform: the text cut where the platform cuts it, the media count."""
from __future__ import annotations

from nicegui import ui

from components.translate import _, ngettext
from services.posts.checks import (
    INSTAGRAM_CAPTION,
    PLATFORM_LABELS,
    TELEGRAM_CAPTION,
    TELEGRAM_TEXT,
    TIKTOK_CAPTION,
    YOUTUBE_DESCRIPTION_BYTES,
    utf16_length,
)

PREVIEW_CHARS = 280  # what a feed shows before "more"


def text_limit(platform: str, has_media: bool) -> int:
    return {'telegram': TELEGRAM_CAPTION if has_media else TELEGRAM_TEXT, 'instagram': INSTAGRAM_CAPTION,
            'youtube': YOUTUBE_DESCRIPTION_BYTES, 'tiktok': TIKTOK_CAPTION}[platform]


def counted_length(platform: str, text: str) -> int:
    """Length as the platform counts it: UTF-16 units (Telegram, TikTok), bytes (YouTube), characters."""
    if platform in ('telegram', 'tiktok'):
        return utf16_length(text)
    if platform == 'youtube':
        return len(text.encode('utf-8'))
    return len(text)


def length_chip(platform: str, text: str, has_media: bool) -> None:
    used, limit = counted_length(platform, text), text_limit(platform, has_media)
    color = 'negative' if used > limit else 'grey-8'
    ui.chip(f'{PLATFORM_LABELS[platform]} {used}/{limit}').props(f'outline dense color={color}') \
        .mark(f'count-{platform}')


def post_preview(platform: str, text: str, media_count: int, options: dict) -> None:
    with ui.card().classes('w-full gap-1 bg-gray-50').mark(f'preview-{platform}'):
        ui.label(PLATFORM_LABELS[platform]).classes('text-xs font-semibold text-primary')
        if platform == 'youtube' and options.get('title'):
            ui.label(options['title']).classes('font-semibold')
        shown = text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS].rstrip() + '…'
        if shown:
            ui.label(shown).classes('whitespace-pre-wrap text-sm').style('overflow-wrap: anywhere')  # a long URL too
        if media_count:
            ui.label(ngettext('%(n)s photo or video', '%(n)s photos or videos', media_count)) \
                .classes('text-xs text-gray-600')
        elif not text:
            ui.label(_('Nothing to show yet.')).classes('text-xs text-gray-500')
