"""Where a post goes: the channels, grouped by platform, one switch each, with the channel's picture and name; a
channel that is not connected is shown disabled; above them, the team's channel groups, each choosing its channels in
one click. And the warnings for chosen channels a post would fail on."""
from __future__ import annotations

from collections.abc import Callable
from itertools import groupby

from nicegui import ui

from components.translate import _, own_direction
from services.connections import channel_groups, pictures
from services.connections import channels as channel_book
from services.core.config import get_settings
from services.core.models import AccountStatus, Channel
from services.platforms import registry


def channel_picker(channels: list[Channel], chosen: set[int], on_change: Callable[[int, bool], None], *,
                   enabled: bool = True, on_group: Callable[[list[int]], None] | None = None) -> None:
    """A channel already chosen stays switchable even when it is not connected, so it can be taken off; a
    disconnected channel is listed only when chosen. Each switch is marked `channel-<id>` and `platform-<name>`.

    With `on_group`, the groups come first (`group-<id>`): a click ticks the group's connected channels and hands
    the ids newly chosen to `on_group` at once (their switches do not call `on_change` for it)."""
    public_url = bool(get_settings().public_base_url)
    shown = [channel for channel in channels if channel.status != AccountStatus.DISCONNECTED or channel.id in chosen]
    boxes: dict[int, ui.checkbox] = {}
    quiet: set[int] = set()  # switches ticked by a group: their change is told through on_group

    def changed(channel_id: int, value: bool) -> object:
        if channel_id in quiet:
            quiet.discard(channel_id)
            return None
        return on_change(channel_id, value)

    def pick(ids: tuple[int, ...]) -> object:
        added = [i for i in ids if i in boxes and boxes[i].enabled and not boxes[i].value
                 and _connected(channels, i)]
        quiet.update(added)
        for channel_id in added:
            boxes[channel_id].value = True
        return on_group(added) if added and on_group is not None else None

    with ui.column().classes('w-full gap-2').mark('channel-picker'):
        if on_group is not None and enabled:
            _group_chips(pick)
        if not shown:
            with ui.row().classes('items-center gap-2'):
                ui.label(_('No channel is connected yet.')).classes('text-sm text-gray-600')
                ui.link(_('Connect one on the Channels page.'), '/channels').classes('text-sm')
        for platform, group in groupby(shown, key=lambda channel: channel.platform):
            spec = registry.find(platform)
            with ui.column().classes('w-full gap-0').mark(f'channels-of-{platform}'):
                with ui.row().classes('items-center gap-1 text-sm font-semibold'):
                    ui.icon(registry.icon(platform)).classes('text-primary')
                    ui.label(registry.label(platform))
                    if spec is not None and spec.needs_public_url and not public_url:
                        # Quasar's text-warning is 1.7:1 on white; this orange is 5.6:1 (WCAG AA)
                        ui.label(_('Needs PUBLIC_BASE_URL')).classes('text-xs text-deep-orange-10') \
                            .tooltip(_(spec.needs_public_url)).mark(f'{platform}-needs-public-url')
                for channel in group:
                    boxes[channel.id] = _channel_row(channel, channel.id in chosen, changed, enabled)


def _group_chips(pick: Callable[[tuple[int, ...]], None]) -> None:
    groups = channel_groups.list_groups()
    with ui.row().classes('w-full items-center gap-1').mark('channel-groups'):
        for group in groups:
            chip = ui.button(group.name, icon='group_work', on_click=lambda g=group: pick(g.channel_ids)) \
                .props('outline rounded dense no-caps size=sm').classes('px-2').mark(f'group-{group.id}')
            chip.props['aria-label'] = _('Choose the channels of %(group)s', group=group.name)  # a name may hold quotes
        ui.link(_('Manage groups') if groups else _('Save channels as a group'), '/channel-groups') \
            .classes('text-xs').mark('manage-groups')


def _connected(channels: list[Channel], channel_id: int) -> bool:
    return any(channel.id == channel_id and channel.status == AccountStatus.CONNECTED for channel in channels)


def _channel_row(channel: Channel, chosen: bool, on_change: Callable[[int, bool], object],
                 enabled: bool) -> ui.checkbox:
    connected = channel.status == AccountStatus.CONNECTED
    with ui.row().classes('items-center gap-2 w-full no-wrap ps-2'):
        box = ui.checkbox(value=chosen, on_change=lambda e, c=channel.id: on_change(c, e.value)) \
            .mark(f'channel-{channel.id} platform-{channel.platform}')
        box.props(f'aria-label="{channel_book.full_title(channel)}"')
        box.set_enabled(enabled and (connected or chosen))
        channel_avatar(channel)
        with ui.column().classes('gap-0 min-w-0 flex-1'):
            # a handle keeps its shape in Arabic and wraps rather than overflow
            own_direction(ui.label(channel_book.title(channel)).classes('text-sm max-w-full')
                          .style('overflow-wrap: anywhere'))
            if channel.status == AccountStatus.NEEDS_RECONNECT:
                ui.label(_('Needs reconnecting: reconnect it on the Channels page.')).classes('text-xs text-negative')
            elif not connected:
                ui.label(_('Disconnected: reconnect it on the Channels page.')).classes('text-xs text-negative')
            elif channel.remote_name and channel.remote_name != channel_book.title(channel):
                own_direction(ui.label(channel.remote_name).classes('text-xs text-gray-600'))
    return box


def channel_avatar(channel: Channel, size: str = '1.75rem') -> None:
    """The channel's picture as the platform gives it (served by the app: the platform's address may hold a token),
    over its platform's icon, which shows where the picture cannot be had."""
    with ui.avatar(size=size, color='grey-2', text_color='primary').props('aria-hidden=true'):
        ui.icon(registry.icon(channel.platform))
        picture = pictures.address(channel)
        if picture:
            ui.image(picture).props('alt="" no-spinner').classes('absolute inset-0 rounded-full')


def channel_warnings(channels: list[Channel]) -> None:
    """What will go wrong on the chosen `channels`, said before the post is scheduled: a channel whose sign-in the
    platform no longer accepts, a platform that needs PUBLIC_BASE_URL without it."""
    public_url = bool(get_settings().public_base_url)
    messages = []
    for channel in channels:
        if channel.status == AccountStatus.NEEDS_RECONNECT:
            messages.append((f'warning-{channel.platform}', _(
                '%(platform)s needs reconnecting: it no longer accepts this account\'s sign-in, so nothing can be '
                'scheduled or published to it. Reconnect it on the Channels page.',
                platform=channel_book.full_title(channel))))
    for platform in dict.fromkeys(channel.platform for channel in channels):
        spec = registry.find(platform)
        if spec is not None and spec.needs_public_url and not public_url:
            messages.append((f'warning-{platform}', _(spec.needs_public_url)))
    with ui.column().classes('w-full gap-1').mark('platform-warnings'):
        for marker, message in messages:
            with ui.row().classes('w-full items-start gap-2 no-wrap rounded p-2 bg-amber-50').mark(marker):
                ui.icon('warning').classes('text-warning')
                ui.label(message).classes('text-sm')
