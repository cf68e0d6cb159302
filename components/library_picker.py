"""Adding photos and videos to a post: the drop zone for new files, a button that opens the media library in a
dialog to add one uploaded before, and the offers to convert a file a chosen platform refuses."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import events, ui

from components.conversion_offers import ConversionOffers
from components.drop_zone import drop_zone
from components.headings import name_dialog
from components.media_facts import details, is_video
from components.media_strip import thumbnail_url
from components.translate import _
from services.core.config import get_settings
from services.core.models import MediaAsset, User
from services.media import catalogue


def add_media_controls(on_upload: Callable[[events.UploadEventArguments], Awaitable[None]],
                       on_pick: Callable[[MediaAsset], Awaitable[None] | None],
                       what: Callable[[], tuple[list[MediaAsset], list[str]]], user: User,
                       on_converted: Callable[[], None]) -> None:
    """The drop zone (each upload goes to `on_upload`), the library button (a chosen file to `on_pick`), then the
    offers to convert the post's files (`what()`: them and the chosen platforms) for platforms that refuse them."""
    drop_zone(on_upload, max_mb=get_settings().max_upload_mb)
    library_button(on_pick)
    ConversionOffers(what, user, on_converted)


def library_button(on_pick: Callable[[MediaAsset], Awaitable[None] | None]) -> ui.button:
    """"From the library": the dialog lists the newest files (search by name); choosing one calls `on_pick`."""
    return ui.button(_('Add from the library'), icon='perm_media', on_click=lambda: _open(on_pick)) \
        .props('flat no-caps').mark('open-library')


def _open(on_pick: Callable[[MediaAsset], Awaitable[None] | None]) -> None:
    with ui.dialog() as dialog, ui.card().classes('w-full max-w-3xl gap-3'):
        name_dialog(dialog, ui.label(_('Add from the library')).classes('text-lg font-semibold'))
        search = ui.input(_('Search by file name'), on_change=lambda: listing.refresh()) \
            .props('outlined dense clearable debounce=300 dir=auto').classes('w-full').mark('library-search')

        async def pick(asset: MediaAsset) -> None:
            dialog.close()
            result = on_pick(asset)
            if result is not None:
                await result

        @ui.refreshable
        def listing() -> None:
            entries = catalogue.list_media(search=search.value or '')
            if not entries:
                ui.label(_('No file matches.')).classes('text-gray-600')
                return
            with ui.element('div').classes('w-full grid gap-2 grid-cols-2 sm:grid-cols-3 md:grid-cols-4 '
                                           'max-h-[60vh] overflow-y-auto'):
                for entry in entries:
                    asset = entry.asset
                    label = _('Add %(name)s', name=asset.original_name).replace('"', "'")
                    with ui.element('button').props(f'type=button aria-label="{label}"') \
                            .classes('text-start rounded border hover:border-primary p-1') \
                            .on('click', lambda a=asset: pick(a)).mark(f'pick-media-{asset.id}'):
                        image = ui.image(thumbnail_url(asset)).classes('w-full h-24').props('fit=cover')
                        image.props['alt'] = asset.original_name
                        with ui.row().classes('items-center gap-1 no-wrap w-full'):
                            if is_video(asset):
                                ui.icon('videocam', size='xs')
                            ui.label(asset.original_name).classes('text-xs truncate').props('dir=auto')
                        ui.label(' · '.join(details(asset)[:2])).classes('text-xs text-gray-600')

        listing()
        with ui.row().classes('w-full justify-end'):
            ui.button(_('Close'), on_click=dialog.close).props('flat')
    dialog.on('hide', dialog.delete)
    dialog.open()
