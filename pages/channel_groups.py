"""Channel groups: make, rename, fill and delete the saved sets of channels the composer picks in one click."""
from __future__ import annotations

from fastapi import Request
from nicegui import APIRouter, ui

from components.channel_picker import channel_avatar
from components.confirm import confirm
from components.session import client_ip, guarded, page_user
from components.theme import frame
from components.translate import _, explain
from services.connections import channel_groups
from services.connections import channels as channel_book
from services.connections.channel_groups import Group
from services.core.errors import UserError
from services.core.models import AccountStatus, Channel, User

router = APIRouter()


@router.page('/channel-groups')
def channel_groups_page(request: Request) -> None:
    user = page_user(request)
    with frame(_('Channel groups'), user):
        ui.label(_('A group chooses all its channels in one click in the composer, and filters the calendar and '
                   'the posts list.')).classes('text-sm text-gray-700')
        listing = ui.refreshable(lambda: _groups(user, listing.refresh))
        listing()


def _groups(user: User, redraw) -> None:
    known = channel_book.list_channels()
    groups = channel_groups.list_groups()
    with ui.column().classes('w-full gap-3').mark('channel-groups-list'):
        if not groups:
            ui.label(_('No group yet.')).classes('text-gray-600').mark('no-groups')
        for group in groups:
            _GroupCard(user, known, group, redraw)
        _GroupCard(user, known, None, redraw)


class _GroupCard:
    """One group (or, with no group, the form of a new one): its name and a switch per channel."""

    def __init__(self, user: User, known: list[Channel], group: Group | None, redraw) -> None:
        self.user, self.group, self.redraw = user, group, redraw
        members = set(group.channel_ids) if group else set()
        marker = f'group-card-{group.id}' if group else 'new-group'
        with ui.card().classes('w-full gap-2').mark(marker):
            if group is None:
                ui.label(_('New group')).classes('text-lg font-semibold')
            self.name = ui.input(_('Group name'), value=group.name if group else '') \
                .props('outlined dense maxlength=100').classes('w-full max-w-md').mark(f'{marker}-name')
            self.boxes: dict[int, ui.checkbox] = {}
            with ui.column().classes('w-full gap-1'):
                if not known:
                    ui.label(_('No channel is connected yet.')).classes('text-sm text-gray-600')
                for channel in known:
                    if channel.status == AccountStatus.DISCONNECTED and channel.id not in members:
                        continue
                    with ui.row().classes('items-center gap-2 no-wrap'):
                        box = ui.checkbox(value=channel.id in members).mark(f'{marker}-channel-{channel.id}')
                        box.props['aria-label'] = channel_book.full_title(channel)
                        channel_avatar(channel, '1.5rem')
                        ui.label(channel_book.full_title(channel)).classes('text-sm').props('dir=auto') \
                            .style('overflow-wrap: anywhere')
                    self.boxes[channel.id] = box
            with ui.row().classes('w-full gap-2 justify-end'):
                if group is None:
                    ui.button(_('Create the group'), icon='add', on_click=guarded(self._create)) \
                        .props('unelevated').mark('create-group')
                else:
                    ui.button(_('Delete'), icon='delete', on_click=guarded(self._delete)) \
                        .props('flat color=negative').mark(f'delete-group-{group.id}')
                    ui.button(_('Save'), icon='save', on_click=guarded(self._save)) \
                        .props('unelevated').mark(f'save-group-{group.id}')

    def _chosen(self) -> list[int]:
        return [channel_id for channel_id, box in self.boxes.items() if box.value]

    def _create(self) -> None:
        if self._done(lambda: channel_groups.create_group(self.name.value or '', self._chosen(), self.user,
                                                          ip=client_ip())):
            ui.notify(_('Group %(name)s created.', name=' '.join((self.name.value or '').split())), type='positive')

    def _save(self) -> None:
        def save() -> None:
            if ' '.join((self.name.value or '').split()) != self.group.name:
                channel_groups.rename_group(self.group.id, self.name.value or '', self.user, ip=client_ip())
            channel_groups.set_members(self.group.id, self._chosen(), self.user, ip=client_ip())

        if self._done(save):
            ui.notify(_('Group saved.'), type='positive')

    async def _delete(self) -> None:
        if await confirm(_('Delete the group %(name)s? Its channels and their posts stay.', name=self.group.name),
                         keep=_('Keep it'), act=_('Delete'), marker='confirm-delete-group'):
            self._done(lambda: channel_groups.delete_group(self.group.id, self.user, ip=client_ip()))

    def _done(self, change) -> bool:
        try:
            change()
        except UserError as refusal:
            ui.notify(explain(refusal), type='negative')
            return False
        self.redraw()
        return True
