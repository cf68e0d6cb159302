"""How the post will look on each chosen platform, in that platform's own layout (from its spec's `preview`): the
caption cut where the platform cuts it, the media laid out as it lays them out, the title where it shows one."""
from __future__ import annotations

from nicegui import ui

from components.media_strip import thumbnail_url
from components.translate import _, ngettext
from services.connections import channels as channel_book
from services.core.models import Channel, MediaAsset
from services.platforms import registry
from services.platforms.spec import PreviewStyle

GRID_SHOWN = 4  # an album preview shows this many; the last tile counts the rest


def length_chip(platform: str, text: str, has_media: bool, *, marker: str | None = None) -> None:
    """The text's length as `platform` counts it (characters, UTF-16 units or bytes) against its limit; the unit is
    named when it is not characters. Marked `marker`, else `count-<platform>`."""
    counter = registry.get(platform).counter
    used, limit = counter.count(text), counter.limit(has_media)
    color = 'negative' if used > limit else 'grey-8'
    unit = f' {_(counter.unit)}' if counter.unit else ''
    ui.chip(f'{registry.label(platform)} {used}/{limit}{unit}').props(f'outline dense color={color}') \
        .mark(marker or f'count-{platform}')


def post_preview(platform: str, text: str, media: list[MediaAsset], options: dict, *,
                 channel: Channel | None = None) -> None:
    """The post as `channel` (of `platform`) will show it; marked `preview-<platform>` and `preview-<channel id>`."""
    spec = registry.get(platform)
    style = spec.preview
    title = str(options.get(spec.title_option) or '').strip() if spec.title_option else ''
    markers = f'preview-{platform}' + (f' preview-channel-{channel.id}' if channel else '')
    with ui.card().classes('w-full gap-2 p-3').mark(markers):
        with ui.row().classes('w-full items-center gap-1 no-wrap text-xs font-semibold text-primary'):
            ui.icon(spec.icon, size='1rem')
            ui.label(channel_book.full_title(channel) if channel else spec.label).classes('min-w-0') \
                .props('dir=auto').style('overflow-wrap: anywhere')
        if style.layout == 'portrait_video':
            _portrait_video(media, text, style, marker=f'preview-{platform}-text')
            return
        _media(media, style.layout)
        if title:  # the video's title, large, with the description below it
            ui.label(title).classes('w-full text-base font-semibold leading-snug break-words').props('dir=auto') \
                .mark(f'preview-{platform}-title')
        _caption(text, style, marker=f'preview-{platform}-text')
        if not (text or media or title):
            ui.label(_('Nothing to show yet.')).classes('text-xs text-gray-500')


def _caption(text: str, style: PreviewStyle, *, marker: str, classes: str = '') -> None:
    """The text as the platform shows it before "more": cut at `style.cut` characters, or whole."""
    if not text:
        return
    cut = style.cut is not None and len(text) > style.cut
    with ui.element('div').classes(f'w-full text-sm whitespace-pre-wrap {classes}') \
            .style('overflow-wrap: anywhere').props('dir=auto').mark(marker):  # a long URL wraps too
        ui.label(text[:style.cut].rstrip() + '…' if cut else text).classes('inline')
        if cut:
            ui.label(' ' + _('more')).classes('inline opacity-60')


def _media(media: list[MediaAsset], layout: str) -> None:
    if not media:
        if layout == 'landscape_video':
            _frame(None, 'aspect-video')
        return
    if layout == 'album' and len(media) > 1:
        _grid(media)
    elif layout == 'carousel':
        _frame(media[0], 'aspect-square')
        if len(media) > 1:
            with ui.row().classes('w-full justify-center gap-1').mark('carousel-dots'):
                for index in range(len(media)):
                    ui.element('span').classes('inline-block w-1.5 h-1.5 rounded-full ' +
                                               ('bg-primary' if index == 0 else 'bg-gray-300'))
    else:
        _frame(media[0], 'aspect-video' if layout == 'landscape_video' else '')


def _grid(media: list[MediaAsset]) -> None:
    shown, rest = media[:GRID_SHOWN], len(media) - GRID_SHOWN
    with ui.element('div').classes('w-full grid grid-cols-2 gap-0.5 rounded overflow-hidden').mark('album-grid'):
        for index, asset in enumerate(shown):
            with ui.element('div').classes('relative aspect-square'):
                _image(asset)
                if index == len(shown) - 1 and rest > 0:
                    ui.label(f'+{rest}').classes('absolute inset-0 flex items-center justify-center bg-black/50 '
                                                 'text-white text-lg font-semibold')


def _frame(asset: MediaAsset | None, shape: str) -> None:
    """One photo, or a video's first frame with a play mark; an empty dark frame where a video is still missing."""
    with ui.element('div').classes(f'relative w-full {shape} rounded overflow-hidden bg-gray-900'):
        if asset is not None:
            _image(asset)
        if asset is None or asset.mime_type.startswith('video/'):
            ui.icon('play_circle' if asset else 'videocam_off', size='2.5rem') \
                .classes('absolute top-1/2 start-1/2 -translate-x-1/2 rtl:translate-x-1/2 -translate-y-1/2 '
                         'text-white/80')


def _portrait_video(media: list[MediaAsset], text: str, style: PreviewStyle, *, marker: str) -> None:
    """A tall frame, the caption over its foot in white, as a phone shows a short video."""
    with ui.element('div').classes('relative w-full max-w-56 self-center rounded overflow-hidden bg-gray-900') \
            .style('aspect-ratio: 9 / 16'):
        if media:
            _image(media[0])
        ui.icon('play_arrow' if media else 'videocam_off', size='2.5rem') \
            .classes('absolute top-1/2 start-1/2 -translate-x-1/2 rtl:translate-x-1/2 -translate-y-1/2 text-white/80')
        with ui.element('div').classes('absolute bottom-0 inset-x-0 p-2 bg-gradient-to-t from-black/70 to-transparent '
                                       'text-white'):
            _caption(text, style, marker=marker)
    if len(media) > 1:
        ui.label(ngettext('%(n)s photo or video', '%(n)s photos or videos', len(media))) \
            .classes('text-xs text-gray-600')


def _image(asset: MediaAsset) -> None:
    """The photo (or a video's first frame), named by its file's name for a screen reader."""
    image = ui.image(thumbnail_url(asset)).classes('w-full h-full').props('fit=cover')
    image.props['alt'] = asset.original_name
