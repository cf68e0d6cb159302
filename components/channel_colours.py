"""Each channel's own colour, the same on every page and every visit (picked by its id from a small palette), and
the chips, edges and legend drawn with it. Every ink is at least 4.5:1 on its tint and on white (WCAG AA)."""
from __future__ import annotations

from nicegui import ui

from components.channel_picker import channel_avatar
from components.translate import own_direction
from services.connections import channels as channel_book
from services.core.models import Channel
from services.platforms import registry

# (ink, tint): the ink writes the channel's name on the tint and draws the edge of its posts
PALETTE = (
    ('#1d4ed8', '#dbeafe'),  # blue
    ('#047857', '#d1fae5'),  # green
    ('#b91c1c', '#fee2e2'),  # red
    ('#6d28d9', '#ede9fe'),  # violet
    ('#92400e', '#fef3c7'),  # amber
    ('#0f766e', '#ccfbf1'),  # teal
    ('#a21caf', '#fae8ff'),  # fuchsia
    ('#374151', '#f3f4f6'),  # grey
)


def colour_of(channel_id: int) -> tuple[str, str]:
    """The channel's (ink, tint)."""
    return PALETTE[channel_id % len(PALETTE)]


def channel_chip(channel: Channel | None, platform: str, *, marker: str = '', short: bool = False) -> None:
    """The channel's icon and full title on its own colour (a channel gone from the database: its platform);
    `short`, where room is scarce: its own title beside the platform's icon, the full title in a tooltip."""
    ink, tint = colour_of(channel.id) if channel else PALETTE[-1]
    with ui.row().classes('items-center gap-1 rounded px-1 text-xs no-wrap max-w-full overflow-hidden') \
            .style(f'color: {ink}; background-color: {tint}') as chip:
        ui.icon(registry.icon(platform), size='0.9rem').classes('shrink-0')
        full = channel_book.full_title(channel) if channel else registry.label(platform)
        own_direction(ui.label(channel_book.title(channel) if channel and short else full).classes('min-w-0 truncate'))
    if short:
        chip.tooltip(full)
    if marker:
        chip.mark(marker)


def channel_edge(channel_id: int | None) -> str:
    """The style of a post card's leading edge in its (first) channel's colour."""
    return f'border-inline-start: 4px solid {colour_of(channel_id)[0]}' if channel_id is not None else ''


def channel_legend(channels: list[Channel], label: str) -> None:
    """Which colour is which channel: a swatch, the picture and the name of each."""
    with ui.row().classes('w-full items-center gap-x-3 gap-y-1 text-xs').mark('channel-legend'):
        ui.label(label).classes('sr-only')
        for channel in channels:
            with ui.row().classes('items-center gap-1 no-wrap').mark(f'legend-{channel.id}'):
                ui.element('span').classes('inline-block w-3 h-3 rounded-sm') \
                    .style(f'background-color: {colour_of(channel.id)[0]}').props('aria-hidden=true')
                channel_avatar(channel, '1.1rem')
                ui.label(channel_book.full_title(channel)).props('dir=auto')
