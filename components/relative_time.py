"""'in 5 minutes', '3 hours ago' beside a date, kept current while the page stays open."""
from __future__ import annotations

from datetime import datetime

from nicegui import ui

from services.core.i18n import format_relative
from services.core.models import utcnow

REFRESH_SECONDS = 30


class RelativeTimes:
    """The relative times shown on one page. One timer serves them all, and a tick sends only the texts that
    changed, so a long list costs next to nothing; rows redrawn since are dropped at the next tick."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.shown: list[tuple[ui.label, datetime]] = []
        ui.timer(REFRESH_SECONDS, self.refresh, immediate=False)

    def label(self, moment: datetime) -> ui.label:
        label = ui.label(format_relative(self.language, moment, utcnow())).classes('text-xs text-gray-600')
        self.shown.append((label, moment))
        return label

    def refresh(self) -> None:
        now = utcnow()
        self.shown = [(label, moment) for label, moment in self.shown if not label.is_deleted]
        for label, moment in self.shown:
            label.text = format_relative(self.language, moment, now)
