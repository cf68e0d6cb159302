"""A scheduled or finished post in a list or a calendar cell: when, the start of its text, where it goes, its media.

Also the few date and time formats the calendar and the dashboard show, in the user's language (Babel's own
patterns for that language, so 'Mon, Nov 30' in English and 'الاثنين، 30 نوفمبر' in Arabic).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from babel import Locale
from nicegui import ui

from components.channel_colours import channel_chip, channel_edge
from components.relative_time import RelativeTimes
from components.translate import _, ngettext
from services.connections import channels as channel_book
from services.core.i18n import format_datetime, normalize_language
from services.core.models import Channel
from services.posts.overview import PostSummary


def _pattern(language: str, skeleton: str) -> str:
    locale = Locale.parse(normalize_language(language))
    found = locale.datetime_skeletons.get(skeleton)
    return found.pattern if found is not None else 'medium'


def time_of_day(language: str, value: datetime, time_zone: str) -> str:
    """'9:30 AM' (the language's short time) of `value` in `time_zone`."""
    pattern = Locale.parse(normalize_language(language)).time_formats['short'].pattern
    return format_datetime(language, value, time_zone, style=pattern)


def moment(language: str, value: datetime, time_zone: str) -> str:
    """'Thu, Nov 26, 9:00 AM': the day and the short time of `value` in `time_zone`, joined the language's way."""
    locale = Locale.parse(normalize_language(language))
    day = format_datetime(language, value, time_zone, style=_pattern(language, 'MMMEd'))
    return str(locale.datetime_formats['medium']).format(time_of_day(language, value, time_zone), day)


def day_label(language: str, day: date, time_zone: str, skeleton: str = 'MMMEd') -> str:
    """A calendar day as the language writes it; `skeleton` is a CLDR skeleton ('MMMEd', 'yMMMM', 'Ed', ...)."""
    noon = datetime.combine(day, time(12), tzinfo=ZoneInfo(time_zone))
    return format_datetime(language, noon, time_zone, style=_pattern(language, skeleton))


def where_it_goes(summary: PostSummary, channels: dict[int, Channel], *, compact: bool = False) -> None:
    """A chip per channel (in its colour; `compact`: its own title only) and the number of photos and videos."""
    with ui.row().classes('w-full gap-1 items-center min-w-0'):
        for platform, channel_id in zip(summary.platforms, summary.channel_ids, strict=True):
            channel_chip(channels.get(channel_id), platform, marker=f'goes-{summary.id}-{channel_id}', short=compact)
        if summary.media_count:
            with ui.row().classes('items-center gap-1 text-xs text-gray-600 no-wrap'):
                ui.icon('perm_media', size='0.9rem')
                ui.label(ngettext('%(n)s photo or video', '%(n)s photos or videos', summary.media_count))


@contextmanager
def summary_card(summary: PostSummary, when: str, *, compact: bool = False, clock: RelativeTimes | None = None,
                 channels: dict[int, Channel] | None = None, coloured: bool = False) -> Iterator[ui.row]:
    """The post's card; yields the row for the page's action buttons. With a `clock`, how long until (or since)
    the post is due, or since it last changed, stands beside `when`. `channels` by id (read when not given);
    `coloured`: the card's leading edge in the colour of its first channel."""
    channels = channels if channels is not None else channel_book.channels_by_id(summary.channel_ids)
    first = summary.channel_ids[0] if coloured and summary.channel_ids else None
    with ui.card().classes('w-full gap-1 p-2 shadow-sm').style(channel_edge(first)).mark(f'post-{summary.id}'):
        with ui.row().classes('items-baseline gap-x-2 gap-y-0'):
            ui.label(when).classes('text-xs font-semibold text-gray-700')
            if clock is not None:
                clock.label(summary.scheduled_at or summary.updated_at).mark(f'relative-{summary.id}')
        ui.label(summary.text or _('(no text)')).props('dir=auto') \
            .classes('text-sm break-words ' + ('line-clamp-2' if compact else 'line-clamp-3'))
        where_it_goes(summary, channels, compact=compact)
        with ui.row().classes('w-full gap-0 justify-end items-center') as actions:
            yield actions
