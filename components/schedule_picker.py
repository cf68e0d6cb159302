"""Date and time inputs (the user's own time zone) with Quasar's pickers."""
from __future__ import annotations

from nicegui import ui

from components.translate import _, browser_region, current_language
from services.core.timezones import first_day_of_week


def schedule_picker(day: str, at: str, time_zone: str) -> tuple[ui.input, ui.input]:
    """Two inputs holding 'YYYY-MM-DD' and 'HH:MM'; the caller reads their values."""
    first_day = (first_day_of_week(current_language(), time_zone, browser_region()) + 1) % 7  # Quasar: 0 = Sunday
    with ui.row().classes('items-start gap-2 w-full'):
        with ui.input(_('Date'), value=day).props('outlined dense mask="####-##-##"') \
                .classes('w-40').mark('schedule-date') as date_input:
            with ui.menu().props('no-parent-event') as date_menu:
                ui.date().bind_value(date_input).props(f'minimal first-day-of-week={first_day}')
            with date_input.add_slot('append'):
                ui.icon('event').on('click', date_menu.open).classes('cursor-pointer')
        with ui.input(_('Time'), value=at).props('outlined dense mask="##:##"') \
                .classes('w-32').mark('schedule-time') as time_input:
            with ui.menu().props('no-parent-event') as time_menu:
                ui.time().bind_value(time_input).props('format24h')
            with time_input.add_slot('append'):
                ui.icon('schedule').on('click', time_menu.open).classes('cursor-pointer')
        ui.label(_('Time zone: %(zone)s', zone=time_zone)).classes('text-xs text-gray-600 self-center')
    return date_input, time_input
