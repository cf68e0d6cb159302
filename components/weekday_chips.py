"""A chip for each day of the week, in the order the user's calendar shows them, to choose some days: filled when
chosen, outlined when not (the tick alone is easy to miss). The posting times dialog and the composer's "Repeat"
fields use it."""
from __future__ import annotations

from collections.abc import Callable

from babel import Locale, dates
from nicegui import events, ui

from components.translate import browser_region, current_language
from services.core.i18n import normalize_language
from services.core.timezones import first_day_of_week


def week_order(language: str, time_zone: str) -> list[int]:
    """Weekdays (0 = Monday) in the order the user's calendar shows them."""
    first = first_day_of_week(language, time_zone, browser_region())
    return [(first + step) % 7 for step in range(7)]


def weekday_chips(chosen: set[int], time_zone: str, *, mark: str, on_change: Callable[[], None] | None = None) -> None:
    """The seven chips, weeks starting where `time_zone`'s calendar starts them; `chosen` (0 = Monday) changes in
    place as the user picks days, then `on_change` is called. Each chip is marked `<mark>-<day>`."""
    language = current_language()
    names = dates.get_day_names('abbreviated', locale=Locale.parse(normalize_language(language)))
    for day in week_order(language, time_zone):
        ui.chip(names[day], selectable=True, selected=day in chosen,
                on_selection_change=lambda e, d=day: _toggle(chosen, d, e, on_change)) \
            .props('dense color=primary' + ('' if day in chosen else ' outline')).mark(f'{mark}-{day}')


def _toggle(chosen: set[int], day: int, event: events.ValueChangeEventArguments,
            on_change: Callable[[], None] | None) -> None:
    if event.value:
        chosen.add(day)
        event.sender.props(remove='outline')
    else:
        chosen.discard(day)
        event.sender.props('outline')
    if on_change is not None:
        on_change()
