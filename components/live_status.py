"""Live delivery status on a page: badges that change in place, and a notice to the author when one fails.

Each page client holds one subscription, dropped when the client is deleted, and updates only the badges of
the posts it shows (re-rendering whole lists for every client would block the event loop). A visually hidden
polite live region says each change in words, so a screen reader hears it without losing its place.
"""
from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from components.status_badge import STATUS
from components.translate import current_language
from services.core import events, i18n
from services.core.i18n import N_
from services.platforms import registry

FAILED_NOTICE = N_('%(platform)s: the post could not be published. Open Posts to see why and retry.')


class LiveBadges:
    def __init__(self, user_id: int, on_change: Callable[[events.DeliveryChanged], None] | None = None) -> None:
        self.user_id = user_id
        self.on_change = on_change
        self.language = current_language()  # events arrive outside any request: remember the page's language
        self.client = ui.context.client
        self.post_badges: dict[int, ui.badge] = {}
        self.delivery_badges: dict[int, tuple[ui.badge, str]] = {}
        self.announcer = ui.label().classes('sr-only').props('aria-live=polite aria-atomic=true').mark('live-region')
        self.client.on_delete(events.subscribe(self._changed))

    def track_post(self, post_id: int, badge: ui.badge) -> None:
        self.post_badges[post_id] = badge

    def track_delivery(self, delivery_id: int, badge: ui.badge, prefix: str = '') -> None:
        self.delivery_badges[delivery_id] = (badge, prefix)

    def _changed(self, event: events.DeliveryChanged) -> None:
        if event.post_id in self.post_badges:
            self._paint(self.post_badges[event.post_id], event.post_status, '')
        if event.delivery_id in self.delivery_badges:
            badge, prefix = self.delivery_badges[event.delivery_id]
            self._paint(badge, event.status, prefix)
        if event.post_id in self.post_badges or event.delivery_id in self.delivery_badges \
                or event.author_id == self.user_id:
            msgid = STATUS.get(event.status, (event.status, ''))[0]
            self.announcer.text = f'{registry.label(event.platform)} · {i18n.translate(self.language, msgid)}'
        if self.on_change is not None:
            with self.client:
                self.on_change(event)
        if event.author_id == self.user_id and event.status == 'failed':
            platform = registry.label(event.platform)
            with self.client:
                ui.notify(i18n.translate(self.language, FAILED_NOTICE, platform=platform), type='negative')

    def _paint(self, badge: ui.badge, status: str, prefix: str) -> None:
        msgid, color = STATUS.get(status, (status, 'grey-7'))
        text = i18n.translate(self.language, msgid)
        badge.text = f'{prefix} · {text}' if prefix else text
        badge.props(f'color={color}')
