"""How the post will look on each chosen platform: the text cut where the platform cuts it, the media count."""
from __future__ import annotations

from nicegui import ui

from components.translate import _, ngettext
from services.platforms import registry

PREVIEW_CHARS = 280  # what a feed shows before "more"


def length_chip(platform: str, text: str, has_media: bool) -> None:
    """The text's length as `platform` counts it (characters, UTF-16 units or bytes) against its limit."""
    counter = registry.get(platform).counter
    used, limit = counter.count(text), counter.limit(has_media)
    color = 'negative' if used > limit else 'grey-8'
    ui.chip(f'{registry.label(platform)} {used}/{limit}').props(f'outline dense color={color}') \
        .mark(f'count-{platform}')


def post_preview(platform: str, text: str, media_count: int, options: dict) -> None:
    title_option = registry.get(platform).title_option
    with ui.card().classes('w-full gap-1 bg-gray-50').mark(f'preview-{platform}'):
        ui.label(registry.label(platform)).classes('text-xs font-semibold text-primary')
        if title_option and options.get(title_option):
            ui.label(options[title_option]).classes('font-semibold')
        shown = text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS].rstrip() + '…'
        if shown:
            ui.label(shown).classes('whitespace-pre-wrap text-sm').style('overflow-wrap: anywhere')  # a long URL too
        if media_count:
            ui.label(ngettext('%(n)s photo or video', '%(n)s photos or videos', media_count)) \
                .classes('text-xs text-gray-600')
        elif not text:
            ui.label(_('Nothing to show yet.')).classes('text-xs text-gray-500')
