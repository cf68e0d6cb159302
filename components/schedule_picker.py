"""Date and time inputs (the user's own time zone) with Quasar's pickers, and the chosen moment written out the way
the user's language writes dates: the fields hold ISO values whatever the language."""
from __future__ import annotations

from datetime import date, datetime, time

from babel import Locale, dates
from nicegui import ui

from components.translate import _, browser_region, current_language
from services.core.i18n import normalize_language
from services.core.timezones import first_day_of_week


def schedule_picker(day: str, at: str, time_zone: str) -> tuple[ui.input, ui.input]:
    """Two inputs holding 'YYYY-MM-DD' and 'HH:MM'; the caller reads their values."""
    language = current_language()
    first_day = (first_day_of_week(language, time_zone, browser_region()) + 1) % 7  # Quasar: 0 = Sunday
    with ui.column().classes('gap-1 w-full'):
        with ui.row().classes('items-start gap-2 w-full'):
            with ui.input(_('Date'), value=day).props('outlined dense mask="####-##-##"') \
                    .classes('w-40').mark('schedule-date') as date_input:
                with ui.menu().props('no-parent-event') as date_menu:
                    ui.date().bind_value(date_input).props(f'minimal first-day-of-week={first_day}')
                with date_input.add_slot('append'):
                    _opener('event', _('Pick from a calendar'), date_menu)
            with ui.input(_('Time'), value=at).props('outlined dense mask="##:##"') \
                    .classes('w-32').mark('schedule-time') as time_input:
                with ui.menu().props('no-parent-event') as time_menu:
                    ui.time().bind_value(time_input).props('format24h')
                with time_input.add_slot('append'):
                    _opener('schedule', _('Pick from a clock'), time_menu)
            ui.label(_('Time zone: %(zone)s', zone=time_zone)).classes('text-xs text-gray-600 self-center')
        written = ui.label().classes('text-sm text-gray-700').mark('schedule-written')
    # read with each field (its description), so a screen reader says the date in words too
    for field in (date_input, time_input):
        field.props(f'aria-describedby={written.html_id}')
        field.on_value_change(lambda: written.set_text(written_moment(language, date_input.value, time_input.value)))
    written.set_text(written_moment(language, day, at))
    return date_input, time_input


def _opener(icon: str, label: str, menu: ui.menu) -> None:
    """The picker's button: a named button a keyboard reaches (Enter or Space), not an icon only a pointer can. Its
    name leaves out the field's own ('Date', 'Time'), which names the field alone."""
    ui.button(icon=icon, on_click=menu.open).props(f'flat round dense color=grey-8 aria-label="{label}"') \
        .tooltip(label)


def written_moment(language: str, day: str | None, at: str | None) -> str:
    """'Sunday, December 6, 2026, 2:30 PM' for '2026-12-06' and '14:30' in English, 'الأحد، 6 ديسمبر 2026، 2:30 م'
    in Arabic: the full date and the short time, joined the language's way; '' while the fields hold no moment."""
    try:
        chosen = datetime.combine(date.fromisoformat(day or ''), time.fromisoformat(at or ''))
    except ValueError:
        return ''
    locale = Locale.parse(normalize_language(language))
    return str(locale.datetime_formats['full']).format(dates.format_time(chosen.time(), 'short', locale=locale),
                                                        dates.format_date(chosen.date(), 'full', locale=locale))
