"""A platform's error as the user reads it: a sentence that says what happened and what to do next, with the
platform's own words kept under "Details"."""
from __future__ import annotations

from nicegui import ui

from components.translate import _
from services.platforms import registry

# Words wrap as words; a token longer than the line (a URL, a token in an error) breaks rather than widening the page.
BREAK_ANYWHERE = 'overflow-wrap: anywhere'


def platform_error(platform: str, raw: str, *, marker: str, classes: str = '') -> None:
    """`raw` (as stored: the platform's words, or a msgid of the app's own) explained when `platform` knows it;
    otherwise shown as it is, translated when it is one of the app's own messages."""
    spec = registry.find(platform)
    sentence = spec.explain_error(raw) if spec else None
    if sentence is None:
        ui.label(_(raw)).classes(f'w-full whitespace-pre-wrap {classes}').style(BREAK_ANYWHERE).mark(marker)
        return
    with ui.column().classes(f'w-full min-w-0 gap-0 {classes}').mark(marker):
        ui.label(_(sentence)).classes('w-full').style(BREAK_ANYWHERE).mark(f'{marker}-sentence')
        with ui.expansion(_('Details')).props('dense dense-toggle header-class="px-0 min-h-0 text-xs"') \
                .classes('w-full text-xs').mark(f'{marker}-details'):
            ui.label(raw).classes('w-full whitespace-pre-wrap text-gray-700').style(BREAK_ANYWHERE) \
                .props('dir=auto')
