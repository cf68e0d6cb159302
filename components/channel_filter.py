"""Filtering by channel or by channel group: one select listing both, and what a page's `channel` and `group`
query parameters choose."""
from __future__ import annotations

from nicegui import ui

from components.translate import _
from services.connections import channel_groups
from services.connections import channels as channel_book
from services.core.models import Channel


def chosen_channel_ids(channel: int | None, group: int | None) -> tuple[int, ...] | None:
    """The channels a page shows posts of: one channel, a group's channels, or None for every post."""
    if group:
        return tuple(channel_groups.channel_ids_of(group))
    if channel:
        return (channel,)
    return None


def channel_select(known: list[Channel], channel: int | None, group: int | None) -> ui.select:
    """A select of 'any channel', each group ('g<id>') and each channel ('c<id>'); read it with `as_query`."""
    options = {'': _('Any channel')}
    options |= {f'g{g.id}': _('Group: %(name)s', name=g.name) for g in channel_groups.list_groups()}
    options |= {f'c{c.id}': channel_book.full_title(c) for c in known}
    value = f'g{group}' if group else f'c{channel}' if channel else ''
    return ui.select(options, value=value if value in options else '', label=_('Channel')) \
        .props('outlined dense').classes('w-48').mark('filter-channel')


def as_query(value: str | None) -> dict[str, str]:
    """The query parameters for a `channel_select` value."""
    if value and value[0] == 'g':
        return {'group': value[1:]}
    if value and value[0] == 'c':
        return {'channel': value[1:]}
    return {}
