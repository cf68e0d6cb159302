"""Which of the post's photos and videos one channel gets, and in what order: those it gets first, ticked, in its
order; the others after them, unticked."""
from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from components.media_strip import duration_label, thumbnail_url
from components.translate import _
from services.core.models import MediaAsset


def version_media(media: list[MediaAsset], chosen: list[int], *, channel_id: int,
                  on_change: Callable[[list[int]], object] | None) -> None:
    """`media`: the post's, in its order; `chosen`: the ids the channel gets, in its order. `on_change` gets the new
    choice (read-only without it). Each row is marked `version-media-<channel>-<media id>`, its tick, earlier and
    later buttons `version-include-…`, `version-earlier-…`, `version-later-…`."""
    if not media:
        return
    by_id = {asset.id: asset for asset in media}
    chosen = [media_id for media_id in chosen if media_id in by_id]
    rows = [by_id[media_id] for media_id in chosen] + [asset for asset in media if asset.id not in chosen]
    earlier, later = _('Move earlier'), _('Move later')
    with ui.column().classes('w-full gap-1').mark(f'version-media-{channel_id}'):
        ui.label(_('Photos and videos this channel gets (tick them, in the order it gets them)')) \
            .classes('text-sm font-semibold')
        for asset in rows:
            included = asset.id in chosen
            position = chosen.index(asset.id) if included else -1
            with ui.row().classes('w-full items-center gap-2 no-wrap' + ('' if included else ' opacity-60')) \
                    .mark(f'version-media-{channel_id}-{asset.id}'):
                box = ui.checkbox(value=included, on_change=lambda e, i=asset.id: on_change(
                    chosen + [i] if e.value else [c for c in chosen if c != i]) if on_change else None)
                box.props(f'aria-label="{asset.original_name}"').mark(f'version-include-{channel_id}-{asset.id}') \
                    .set_enabled(on_change is not None)
                # named by the tick beside it and the label after it
                with ui.element('div').classes('relative w-16 h-12 shrink-0 rounded overflow-hidden bg-gray-200') \
                        .props('aria-hidden=true'):
                    ui.image(thumbnail_url(asset)).classes('w-full h-full').props('fit=cover')
                    if asset.mime_type.startswith('video/'):
                        ui.label(duration_label(asset.duration_s)) \
                            .classes('absolute bottom-0 end-0 bg-black/60 px-1 text-xs text-white')
                ui.label(asset.original_name).classes('text-sm truncate min-w-0 flex-1')
                if on_change is not None and included:
                    # a list from top to bottom: earlier is up, in either direction of writing
                    ui.button(icon='arrow_upward', on_click=lambda p=position: on_change(_moved(chosen, p, -1))) \
                        .props(f'flat dense round size=sm aria-label="{earlier}"') \
                        .mark(f'version-earlier-{channel_id}-{asset.id}').set_enabled(position > 0)
                    ui.button(icon='arrow_downward', on_click=lambda p=position: on_change(_moved(chosen, p, 1))) \
                        .props(f'flat dense round size=sm aria-label="{later}"') \
                        .mark(f'version-later-{channel_id}-{asset.id}').set_enabled(position < len(chosen) - 1)


def _moved(chosen: list[int], index: int, step: int) -> list[int]:
    moved, target = list(chosen), index + step
    if 0 <= target < len(moved):
        moved[index], moved[target] = moved[target], moved[index]
    return moved
