"""The photos and videos added to a post, in order, with remove and move buttons."""
from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from components.translate import _
from services.core.models import MediaAsset
from services.media import stored_files


def thumbnail_url(asset: MediaAsset) -> str:
    return f'/uploads/{stored_files.thumbnail_name(asset)}'


def duration_label(seconds: float | None) -> str:
    if seconds is None:
        return ''
    total = round(seconds)
    return f'{total // 60}:{total % 60:02d}'


def media_strip(assets: list[MediaAsset], *, on_remove: Callable[[int], None] | None,
                on_move: Callable[[int, int], None] | None) -> None:
    """Read-only when no callbacks are given (a published post)."""
    if not assets:
        return
    earlier, remove, later = _('Move earlier'), _('Remove'), _('Move later')
    with ui.row().classes('w-full gap-3').mark('media-strip'):
        for index, asset in enumerate(assets):
            with ui.card().tight().classes('w-32 relative'):
                image = ui.image(thumbnail_url(asset)).classes('w-32 h-24 object-cover').props('fit=cover')
                image.props['alt'] = asset.original_name  # a screen reader says which photo it is
                if asset.mime_type.startswith('video/'):
                    with ui.row().classes('absolute top-1 start-1 items-center gap-1 rounded bg-black/60 px-1 '
                                          'text-xs text-white'):
                        ui.icon('videocam', size='xs')
                        ui.label(duration_label(asset.duration_s))
                ui.label(asset.original_name).classes('text-xs truncate w-full px-1 pt-1')
                if on_remove is not None and on_move is not None:
                    with ui.row().classes('w-full justify-between px-1 pb-1 gap-0'):
                        # In RTL the row is mirrored, so "earlier" points to the inline start either way.
                        ui.button(icon='chevron_left', on_click=lambda i=index: on_move(i, -1)) \
                            .props(f'flat dense round size=sm aria-label="{earlier}"') \
                            .classes('rtl:rotate-180').set_enabled(index > 0)
                        ui.button(icon='delete', on_click=lambda i=asset.id: on_remove(i)) \
                            .props(f'flat dense round size=sm color=negative aria-label="{remove}"') \
                            .mark('remove-media')
                        ui.button(icon='chevron_right', on_click=lambda i=index: on_move(i, 1)) \
                            .props(f'flat dense round size=sm aria-label="{later}"') \
                            .classes('rtl:rotate-180').set_enabled(index < len(assets) - 1)
