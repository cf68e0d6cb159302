"""A channel's posting times on its card of the Channels page: what they are, in words, and a dialog to change
them (its time zone, and rows of a time of day with the weekdays it applies to)."""
from __future__ import annotations

from collections.abc import Callable

from babel import Locale, dates, lists
from nicegui import ui

from components.headings import heading, name_dialog
from components.session import client_ip
from components.translate import _, current_language, explain, isolate
from components.weekday_chips import weekday_chips
from services.connections import channels
from services.core.errors import UserError
from services.core.i18n import normalize_language
from services.core.models import Channel, User
from services.queue import posting_times
from services.queue.slots import PostingTime
from services.team import users


def describe_times(times: list[PostingTime], language: str) -> str:
    """'Mon, Wed, Fri 09:00 · Every day 13:30' in the user's language; '' without times."""
    locale = Locale.parse(normalize_language(language))
    names = dates.get_day_names('abbreviated', locale=locale)
    parts = []
    for slot in times:
        days = _('Every day') if len(slot.days) == 7 else \
            lists.format_list([names[day] for day in slot.days], style='standard-narrow', locale=locale)
        parts.append(f'{days} {dates.format_time(slot.at, "short", locale=locale)}')
    return ' · '.join(parts)


def posting_times_summary(channel: Channel, team_zone: str, user: User, on_changed: Callable[[], None]) -> None:
    """The channel's posting times in words with its zone, and the button that edits them."""
    times = posting_times.times_of(channel)
    zone = posting_times.time_zone_of(channel, team_zone)
    with ui.row().classes('w-full items-center gap-2 no-wrap').mark(f'posting-times-{channel.id}'):
        ui.icon('schedule').classes('text-gray-600')
        with ui.column().classes('gap-0 min-w-0 flex-1 text-sm'):
            if times:
                ui.label(_('Posting times: %(times)s', times=describe_times(times, current_language()))) \
                    .style('overflow-wrap: anywhere').mark(f'posting-times-text-{channel.id}')
                ui.label(_('Time zone: %(zone)s', zone=zone)).classes('text-xs text-gray-600')
            else:
                ui.label(_('No posting times yet: posts cannot be added to its queue.')).classes('text-gray-700') \
                    .mark(f'posting-times-text-{channel.id}')
    with ui.row().classes('w-full items-center gap-1'):
        ui.button(_('Posting times'), icon='edit_calendar',
                  on_click=lambda: _edit(channel, team_zone, user, on_changed)).props('flat dense') \
            .mark(f'edit-posting-times-{channel.id}')
        ui.button(_('Open the queue'), icon='queue',
                  on_click=lambda: ui.navigate.to(f'/channels/{channel.id}/queue')).props('flat dense') \
            .mark(f'open-queue-{channel.id}')


class _Row:
    def __init__(self, at: str, days: set[int]) -> None:
        self.at = at
        self.days = days


async def _edit(channel: Channel, team_zone: str, user: User, on_changed: Callable[[], None]) -> None:
    zone_of_channel = posting_times.time_zone_of(channel, team_zone)
    rows = [_Row(slot.at.strftime('%H:%M'), set(slot.days)) for slot in posting_times.times_of(channel)]
    zones = {'': _('The team\'s (%(zone)s)', zone=team_zone), **{zone: zone for zone in users.time_zones()}}
    with ui.dialog() as dialog, ui.card().classes('w-full max-w-xl gap-3'):
        title = heading(_('Posting times of %(channel)s', channel=isolate(channels.full_title(channel))), level=3) \
            .style('overflow-wrap: anywhere')
        name_dialog(dialog, title)
        ui.label(_('"Add to queue" puts a post at the next of these times that is free.')).classes('text-sm')
        zone = ui.select(zones, value=channel.time_zone, label=_('Time zone'), with_input=True) \
            .props('outlined dense').classes('w-full').mark('posting-zone')

        remove_label = _('Remove this time')

        @ui.refreshable
        def editor() -> None:
            for index, row in enumerate(rows):
                with ui.row().classes('w-full items-center gap-1').mark(f'posting-row-{index}'):
                    ui.input(_('Time'), value=row.at).props('outlined dense mask="##:##"').classes('w-24') \
                        .on_value_change(lambda e, r=row: setattr(r, 'at', e.value)).mark(f'posting-time-{index}')
                    weekday_chips(row.days, zone_of_channel, mark=f'posting-day-{index}')
                    ui.button(icon='delete', on_click=lambda i=index: (rows.pop(i), editor.refresh())) \
                        .props(f'flat round dense color=negative aria-label="{remove_label}"') \
                        .mark(f'posting-remove-{index}')
            if not rows:
                ui.label(_('No posting times yet.')).classes('text-sm text-gray-700')

        editor()
        ui.button(_('Add a time'), icon='add',
                  on_click=lambda: (rows.append(_Row('09:00', set(range(5)))), editor.refresh())) \
            .props('flat').mark('posting-add')
        feedback = ui.label().classes('text-sm text-negative').mark('posting-feedback')

        def save() -> None:
            try:
                posting_times.set_posting_times(channel.id, zone.value or '',
                                                [{'time': row.at, 'days': sorted(row.days)} for row in rows], user,
                                                ip=client_ip())
            except UserError as refusal:
                feedback.text = explain(refusal)
                return
            dialog.submit(True)

        with ui.row().classes('w-full justify-end gap-2'):
            ui.button(_('Cancel'), on_click=lambda: dialog.submit(False)).props('flat')
            ui.button(_('Save'), on_click=save).props('unelevated').mark('posting-save')
    try:
        saved = await dialog
    finally:
        dialog.delete()
    if saved:
        ui.notify(_('Posting times saved.'), type='positive')
        on_changed()
