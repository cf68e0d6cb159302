"""English / العربية toggle; each language is named in itself."""
from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from components.translate import current_language
from services.core.i18n import LANGUAGES


def language_switch(on_change: Callable[[str], object], *, dark: bool = False) -> ui.toggle:
    toggle = ui.toggle(dict(LANGUAGES), value=current_language(),
                       on_change=lambda event: on_change(event.value) if event.value else None)
    toggle.props('dense no-caps rounded unelevated' + (' toggle-color=white text-color=white toggle-text-color=primary'
                                                       if dark else ' toggle-color=primary'))
    return toggle.mark('language-switch')
