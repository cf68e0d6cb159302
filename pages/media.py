"""The media library: every uploaded photo and video, what it is, who uploaded it and which posts use it; search,
filter by type, look at one full size, delete what no post uses."""
from __future__ import annotations

from fastapi import Request
from nicegui import APIRouter, ui

from components.confirm import confirm
from components.headings import name_dialog
from components.media_facts import details, is_video, kind_label
from components.media_strip import thumbnail_url
from components.session import client_ip, guarded, page_user
from components.theme import frame
from components.translate import _, current_language, explain, ngettext
from services.core.errors import UserError
from services.core.i18n import format_datetime
from services.core.models import MediaAsset, User
from services.media import catalogue
from services.media.catalogue import LibraryEntry
from services.platforms import registry
from services.team.permissions import Action, can

router = APIRouter()
PATH = '/media'


@router.page(PATH)
def media_page(request: Request) -> None:
    user = page_user(request)
    with frame(_('Media'), user):
        _Library(user)


class _Library:
    """The search, the type filter and the grid of files they find, drawn again when either changes."""

    def __init__(self, user: User) -> None:
        self.user = user
        with ui.row().classes('w-full items-center gap-3'):
            self.search = ui.input(_('Search by file name'), on_change=lambda: self.grid.refresh()) \
                .props('outlined dense clearable debounce=300 dir=auto').classes('w-full sm:w-72') \
                .mark('media-search')
            self.kind = ui.toggle({'': _('All'), 'image': _('Photos'), 'video': _('Videos')}, value='',
                                  on_change=lambda: self.grid.refresh()).props('no-caps').mark('media-kind')
        self.grid = ui.refreshable(self._grid)
        self.grid()

    def _grid(self) -> None:
        entries = catalogue.list_media(search=self.search.value or '', kind=self.kind.value or None)
        if not entries:
            searching = bool((self.search.value or '').strip() or self.kind.value)
            ui.label(_('No file matches.') if searching else
                     _('No photo or video yet. Files added in the composer or through the API appear here.')) \
                .classes('text-gray-600').mark('no-media')
            return
        with ui.element('div').classes('w-full grid gap-3 grid-cols-1 sm:grid-cols-2 lg:grid-cols-3 xl:grid-cols-4') \
                .mark('media-grid'):
            for entry in entries:
                self._card(entry)
        if len(entries) == catalogue.LISTED:
            ui.label(_('Showing the newest %(count)s files. Search to find older ones.', count=catalogue.LISTED)) \
                .classes('text-sm text-gray-600')

    def _card(self, entry: LibraryEntry) -> None:
        asset = entry.asset
        show = _('Show %(name)s', name=asset.original_name).replace('"', "'")
        with ui.card().tight().classes('w-full').mark(f'media-{asset.id}'):
            with ui.element('button').classes('w-full relative block cursor-zoom-in') \
                    .props(f'type=button aria-label="{show}"') \
                    .on('click', lambda a=asset: _show(a)).mark(f'show-media-{asset.id}'):
                image = ui.image(thumbnail_url(asset)).classes('w-full h-40').props('fit=cover')
                image.props['alt'] = asset.original_name
                if is_video(asset):
                    ui.icon('play_circle', size='2.5rem').classes('absolute inset-0 m-auto text-white drop-shadow')
            with ui.column().classes('w-full gap-1 p-3'):
                ui.label(asset.original_name).classes('font-medium w-full').props('dir=auto') \
                    .style('overflow-wrap: anywhere')
                ui.label(kind_label(asset)).classes('text-sm text-gray-700')
                with ui.row().classes('w-full gap-x-3 gap-y-0 text-sm text-gray-700'):
                    for fact in details(asset):  # one element each: a figure beside Arabic keeps its place
                        ui.label(fact).props('dir=auto')
                when = format_datetime(current_language(), asset.created_at, self.user.timezone, style='short')
                ui.label(_('Uploaded %(when)s by %(who)s', when=when, who=entry.uploader) if entry.uploader else
                         _('Uploaded %(when)s', when=when)).classes('text-xs text-gray-600')
                _used_by(entry)
                if entry.converted_for:
                    ui.label(_('Converted for %(platforms)s', platforms=', '.join(
                        registry.label(platform) for platform in entry.converted_for))) \
                        .classes('text-xs text-gray-600').mark(f'converted-{asset.id}')
                if can(self.user, Action.WRITE_POSTS):
                    with ui.row().classes('w-full justify-end'):
                        ui.button(_('Delete'), icon='delete', on_click=guarded(lambda e=entry: self._delete(e))) \
                            .props('flat dense color=negative no-caps').mark(f'delete-media-{asset.id}')

    async def _delete(self, entry: LibraryEntry) -> None:
        name = entry.asset.original_name
        if entry.in_use:  # said at once: no question whose only answer is a refusal
            ui.notify(_('%(name)s is used by a post. Remove it from every post that uses it, then delete it.',
                        name=name), type='negative')
            return
        if not await confirm(_('Delete %(name)s? This cannot be undone.', name=name), keep=_('Keep it'),
                             act=_('Delete'), marker='confirm-delete-media'):
            return
        try:
            catalogue.delete_media(entry.asset.id, self.user, ip=client_ip())
        except UserError as refusal:
            ui.notify(explain(refusal), type='negative')
        else:
            ui.notify(_('%(name)s deleted.', name=name), type='positive')
        self.grid.refresh()


def _used_by(entry: LibraryEntry) -> None:
    if not entry.in_use:
        ui.label(_('Not used by any post')).classes('text-xs text-gray-600').mark(f'unused-{entry.asset.id}')
        return
    with ui.column().classes('w-full gap-0 text-xs').mark(f'used-by-{entry.asset.id}'):
        ui.label(ngettext('Used by %(n)s post:', 'Used by %(n)s posts:', len(entry.posts))).classes('text-gray-700')
        for use in entry.posts:
            # a whole line each: a finger can hit it, and a long text cannot push the card wider
            ui.link(use.snippet or _('Post %(number)s', number=use.post_id), f'/history/{use.post_id}') \
                .classes('block w-full truncate py-2').props('dir=auto')


def _show(asset: MediaAsset) -> None:
    """The file itself, as large as the screen allows: a video plays, a photo shows whole."""
    with ui.dialog() as dialog, ui.card().classes('w-full max-w-4xl'):
        name_dialog(dialog, ui.label(asset.original_name).classes('font-medium').props('dir=auto')
                    .style('overflow-wrap: anywhere'))
        if is_video(asset):
            ui.video(f'/uploads/{asset.stored_path}').classes('w-full max-h-[70vh]')
        else:
            image = ui.image(f'/uploads/{asset.stored_path}').classes('w-full max-h-[70vh]').props('fit=contain')
            image.props['alt'] = asset.original_name
        with ui.row().classes('w-full justify-end'):
            ui.button(_('Close'), on_click=dialog.close).props('flat')
    dialog.on('hide', dialog.delete)
    dialog.open()
